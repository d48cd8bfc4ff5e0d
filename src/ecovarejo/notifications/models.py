"""Tables of the notification context: its own recipient directory, preferences, subscriptions and messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.crypto import Encrypted
from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow

#: Message states. ``pending``/``retrying`` wait for the dispatcher; ``sending`` is claimed (leased);
#: ``sent``, ``dead`` (after the last attempt, or a permanent refusal), ``suppressed`` (no consent, no
#: address, channel off) and ``rate_limited`` are final. A provider's delivery receipt may turn
#: ``sent`` into ``delivered`` or ``undelivered``.
FINAL_STATUSES = ("sent", "dead", "suppressed", "rate_limited", "delivered", "undelivered")
STATUSES = ("pending", "sending", "retrying", *FINAL_STATUSES)
CHANNELS = ("email", "sms", "whatsapp", "push")
CATEGORIES = ("transactional", "marketing")


class Recipient(Base, TenantOwned, Timestamped):
    """What this context knows of a user to reach them, fed by ``user-events`` (personal data: LGPD)."""

    __tablename__ = "notification_recipients"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_notification_recipients_user"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    #: Encrypted at rest; filled only from envelopes of before ids-only events (contacts are resolved at
    #: send time from the users context, see ports.py).
    email: Mapped[str | None] = mapped_column(Encrypted("notification_recipients.email"))
    phone: Mapped[str | None] = mapped_column(Encrypted("notification_recipients.phone"))
    first_name: Mapped[str | None] = mapped_column(Encrypted("notification_recipients.first_name"))
    locale: Mapped[str] = mapped_column(String(10), default="pt-BR")
    user_type: Mapped[str | None] = mapped_column(String(20))
    #: Marketing consent as last recorded (LGPD): nothing marketing goes out without it.
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent_version: Mapped[str | None] = mapped_column(String(50))
    marketing_consent_at: Mapped[datetime | None] = mapped_column()
    #: Set when the person's data was erased (LGPD): the row stays as a tombstone so nothing is sent again.
    erased_at: Mapped[datetime | None] = mapped_column()


class Preference(Base, TenantOwned):
    """A user's choice for one channel; no row means the channel's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "channel", name="uq_notification_preferences_user"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PushSubscription(Base, TenantOwned):
    """A browser's Web Push subscription (the installed PWA's ``PushManager.subscribe()`` result)."""

    __tablename__ = "notification_push_subscriptions"
    __table_args__ = (UniqueConstraint("tenant_id", "endpoint", name="uq_notification_push_subscriptions_endpoint"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    endpoint: Mapped[str] = mapped_column(String(1024))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StockSubscription(Base, TenantOwned):
    """A customer waiting for a product to be back in stock; notified once, on ``stock.replenished``."""

    __tablename__ = "notification_stock_subscriptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "product_id", name="uq_notification_stock_subscriptions_user"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column(index=True)
    sku: Mapped[str | None] = mapped_column(String(100))
    product_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column()


class NotificationMessage(Base, TenantOwned, Timestamped):
    """One message to one address on one channel, rendered when created and delivered after commit."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key", name="uq_notification_messages_dedupe"),
        Index("ix_notification_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(10))
    to_address: Mapped[str] = mapped_column(Encrypted("notification_messages.to_address"))
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Extra headers (email: Message-ID, List-Unsubscribe...) or the push payload's fields.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Makes a message unique per cause: the event id, the template, the channel and the address.
    dedupe_key: Mapped[str] = mapped_column(String(300))
    event_id: Mapped[uuid.UUID | None] = mapped_column()
    provider_id: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column()
