"""All SQL of the providers/vault/webhooks layer."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ecovarejo.core.db import utcnow
from ecovarejo.core.uow import UnitOfWork

from .ext_models import Dispute, PaymentInstruction, Reconciliation, VaultAccess, VaultKey, VaultToken, WebhookEvent
from .models import Payment


# --------------------------------------------------------------------------- vault
async def vault_keys(uow: UnitOfWork) -> list[VaultKey]:
    return list((await uow.session.scalars(select(VaultKey).order_by(VaultKey.version))).all())


async def all_vault_keys(uow: UnitOfWork) -> list[VaultKey]:
    """Every tenant's keys (a system unit of work, for master-key rotation)."""
    return list((await uow.session.scalars(select(VaultKey).order_by(VaultKey.tenant_id, VaultKey.version))).all())


async def add_vault_key(uow: UnitOfWork, key: VaultKey) -> bool:
    """Insert a key version; ``False`` when a concurrent writer took that version."""
    try:
        async with uow.session.begin_nested():
            uow.session.add(key)
        return True
    except IntegrityError:
        return False


async def set_wrapped(uow: UnitOfWork, key_id: uuid.UUID, wrapped: bytes, master_version: int) -> None:
    await uow.session.execute(
        update(VaultKey)
        .where(VaultKey.id == key_id)
        .values(wrapped_key=wrapped, master_version=master_version, rewrapped_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def token_by_fingerprint(uow: UnitOfWork, owner_id: uuid.UUID, fingerprint: str) -> VaultToken | None:
    return await uow.session.scalar(
        select(VaultToken).where(VaultToken.owner_id == owner_id, VaultToken.fingerprint == fingerprint)
    )


async def token(uow: UnitOfWork, value: str) -> VaultToken | None:
    return await uow.session.scalar(select(VaultToken).where(VaultToken.token == value))


async def add_token(uow: UnitOfWork, row: VaultToken) -> bool:
    try:
        async with uow.session.begin_nested():
            uow.session.add(row)
        return True
    except IntegrityError:
        return False


def audit_access(uow: UnitOfWork, row: VaultAccess) -> None:
    uow.session.add(row)


async def accesses(uow: UnitOfWork, value: str) -> list[VaultAccess]:
    q = select(VaultAccess).where(VaultAccess.token == value).order_by(VaultAccess.created_at)
    return list((await uow.session.scalars(q)).all())


# --------------------------------------------------------------------------- webhooks
async def add_webhook_event(uow: UnitOfWork, row: WebhookEvent) -> bool:
    """Record an event once; ``False`` when (provider, event id) was seen before."""
    try:
        async with uow.session.begin_nested():
            uow.session.add(row)
        return True
    except IntegrityError:
        return False


async def payment_by_reference(uow: UnitOfWork, provider: str, reference: str) -> Payment | None:
    """Our payment for a provider's id (stored plain, or ``provider:id`` through failover)."""
    q = select(Payment).where(
        or_(Payment.gateway_reference == f"{provider}:{reference}", Payment.gateway_reference == reference)
    )
    return await uow.session.scalar(q.execution_options(populate_existing=True))


async def captured_payments(uow: UnitOfWork, gateway_prefix: str) -> list[Payment]:
    q = select(Payment).where(
        Payment.captured_amount > 0,
        or_(Payment.gateway == gateway_prefix, Payment.gateway_reference.like(f"{gateway_prefix}:%")),
    )
    return list((await uow.session.scalars(q)).all())


# --------------------------------------------------------------------------- disputes
async def dispute(uow: UnitOfWork, provider: str, dispute_id: str) -> Dispute | None:
    q = select(Dispute).where(Dispute.provider == provider, Dispute.dispute_id == dispute_id)
    return await uow.session.scalar(q.execution_options(populate_existing=True))


async def add_dispute(uow: UnitOfWork, row: Dispute) -> bool:
    try:
        async with uow.session.begin_nested():
            uow.session.add(row)
        return True
    except IntegrityError:
        return False


async def disputes_for(uow: UnitOfWork, payment_id: uuid.UUID) -> list[Dispute]:
    q = select(Dispute).where(Dispute.payment_id == payment_id).order_by(Dispute.created_at)
    return list((await uow.session.scalars(q)).all())


async def disputed_total(uow: UnitOfWork, payment_id: uuid.UUID) -> Decimal:
    q = select(func.sum(Dispute.amount)).where(Dispute.payment_id == payment_id, Dispute.status != "won")
    total = await uow.session.scalar(q)  # MoneyCents: the sum comes back as Decimal reais
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- reconciliation
def add_reconciliation(uow: UnitOfWork, row: Reconciliation) -> None:
    uow.session.add(row)


async def reconciliation(uow: UnitOfWork, rec_id: uuid.UUID) -> Reconciliation | None:
    return await uow.session.get(Reconciliation, rec_id)


async def confirm_pending(uow: UnitOfWork, payment_id: uuid.UUID, amount: Decimal) -> bool:
    """A pending Pix/boleto payment becomes captured for exactly its amount (once)."""
    res = await uow.session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "pending", Payment.amount == amount)
        .values(status="captured", authorized_amount=amount, captured_amount=amount, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def add_payment(uow: UnitOfWork, payment: Payment) -> None:
    uow.session.add(payment)


def add_instruction(uow: UnitOfWork, row: PaymentInstruction) -> None:
    uow.session.add(row)


async def instructions_for(uow: UnitOfWork, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, PaymentInstruction]:
    if not payment_ids:
        return {}
    rows = await uow.session.scalars(select(PaymentInstruction).where(PaymentInstruction.payment_id.in_(payment_ids)))
    return {r.payment_id: r for r in rows}
