"""Tables of the providers/vault/webhooks layer (imported for registration by ``payments.models``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow
from ecovarejo.core.money import MoneyCents


class VaultKey(Base, TenantOwned):
    """A tenant's data key, wrapped (AES-256-GCM) by the master key. Old versions stay to decrypt old data."""

    __tablename__ = "payment_vault_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_payment_vault_keys_tenant_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: Which master key wrapped it (rotation of the master key re-wraps every row).
    master_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rewrapped_at: Mapped[datetime | None] = mapped_column()


class VaultToken(Base, TenantOwned):
    """A stored card: random token, keyed fingerprint, encrypted PAN; only last4/brand/expiry in clear."""

    __tablename__ = "payment_vault_tokens"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token", name="uq_payment_vault_tokens_tenant_token"),
        UniqueConstraint("tenant_id", "owner_id", "fingerprint", name="uq_payment_vault_tokens_owner_fingerprint"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    #: The customer the card belongs to; ``NULL`` only for rows stored before owners existed whose owner
    #: could not be proven (quarantined: nobody can use or see them; the customer stores the card again).
    owner_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    token: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer)
    last4: Mapped[str] = mapped_column(String(4))
    brand: Mapped[str] = mapped_column(String(20))
    exp_month: Mapped[int] = mapped_column(SmallInteger)
    exp_year: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VaultAccess(Base, TenantOwned):
    """Audit of every detokenization (who, why, when)."""

    __tablename__ = "payment_vault_access"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEvent(Base, TenantOwned):
    """A provider's notification, once per (provider, event id); ``payload`` is the provider's object
    without card data."""

    __tablename__ = "payment_webhook_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider", "event_id", name="uq_payment_webhook_events_provider_event"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(80))
    reference: Mapped[str | None] = mapped_column(String(120), index=True)
    #: The provider's status for the payment carried by this event (normalised).
    status: Mapped[str | None] = mapped_column(String(30))
    #: processed | ignored | stale (older than what we already applied)
    outcome: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Dispute(Base, TenantOwned, Timestamped):
    """A dispute or chargeback opened by the payer's bank."""

    __tablename__ = "payment_disputes"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "dispute_id", name="uq_payment_disputes_provider_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    dispute_id: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(MoneyCents)
    reason: Mapped[str | None] = mapped_column(String(120))
    #: open | won | lost
    status: Mapped[str] = mapped_column(String(20))


class Reconciliation(Base, TenantOwned):
    """One import of a provider's settlement report and its comparison with our ledger."""

    __tablename__ = "payment_reconciliations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(255))
    matched: Mapped[int] = mapped_column(Integer)
    missing_in_ledger: Mapped[int] = mapped_column(Integer)
    missing_in_report: Mapped[int] = mapped_column(Integer)
    mismatches: Mapped[int] = mapped_column(Integer)
    fees: Mapped[Decimal] = mapped_column(MoneyCents)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentInstruction(Base, TenantOwned):
    """How the customer pays a pending Pix or boleto: shown again on the order page until it is paid."""

    __tablename__ = "payment_instructions"

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(20))
    #: Pix copy-and-paste BR Code, or the boleto's digitable line (formatted).
    code: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[datetime] = mapped_column()
