"""Payments and their transactions (money effects), and the idempotency-key store."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow
from ecovarejo.core.money import MoneyCents


class Payment(Base, TenantOwned, Timestamped):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("captured_amount <= authorized_amount", name="captured_le_authorized"),
        CheckConstraint("refunded_amount <= captured_amount", name="refunded_le_captured"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    gateway: Mapped[str] = mapped_column(String(40))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    amount: Mapped[Decimal] = mapped_column(MoneyCents)
    authorized_amount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    captured_amount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    refunded_amount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    #: authorized | captured | partially_refunded | refunded | voided | failed
    status: Mapped[str] = mapped_column(String(30))
    failure_code: Mapped[str | None] = mapped_column(String(60))


class PaymentTransaction(Base, TenantOwned):
    """One money effect (authorize, capture, void, refund); the key makes it happen at most once."""

    __tablename__ = "payment_transactions"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key", name="uq_payment_transactions_tenant_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MoneyCents)
    #: pending | succeeded | failed
    status: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    error_code: Mapped[str | None] = mapped_column(String(60))
    actor: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


from ecovarejo.core.models import IdempotencyRecord  # noqa: E402,F401  (moved to the kernel; table unchanged)

from . import ext_models  # noqa: E402,F401  (tables of the providers/vault/webhooks layer)
