"""Refunds (full or partial) and disputes, on top of the core's :func:`ecovarejo.payments.service.refund`
(which already reserves the amount conditionally — never beyond what was captured — and is idempotent
per key). Here: the "full" refund (whatever is left), a ceiling that also counts open or lost disputes,
and the dispute records that providers' webhooks create."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import ext_repository as xrepo
from . import service
from .ext_models import Dispute
from .models import PaymentTransaction

TOPIC = "payment-events"


async def refundable(uow: UnitOfWork, payment_id: uuid.UUID) -> Decimal:
    """What may still be refunded: captured − refunded − disputed (open or lost)."""
    p = await service.get_payment(uow, payment_id)
    left = p.captured_amount - p.refunded_amount - await xrepo.disputed_total(uow, payment_id)
    return max(quantize(left), Decimal("0"))


async def refund(
    container: Container,
    tenant_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: Decimal | None,
    *,
    key: str,
    actor: str | None = None,
) -> PaymentTransaction:
    """Refund ``amount`` (everything still refundable when ``None``) exactly once per ``key``."""
    async with container.uow(tenant_id, read_only=True) as uow:
        left = await refundable(uow, payment_id)
        replay = await _replayed(uow, key)
    if replay is None:
        amount = left if amount is None else quantize(amount)
        if amount <= 0:
            raise (
                Conflict("nothing left to refund", code="nothing_to_refund")
                if left <= 0
                else InvalidInput("refund amount must be positive", code="invalid_amount")
            )
        if amount > left:
            raise Conflict(
                f"at most {left} can be refunded", code="refund_exceeds_capture", extra={"refundable": str(left)}
            )
    else:
        amount = replay if amount is None else quantize(amount)
    return await service.refund(container, tenant_id, payment_id, amount, key=key, actor=actor)


async def _replayed(uow: UnitOfWork, key: str) -> Decimal | None:
    from . import repository

    row = await repository.transaction_by_key(uow, key)
    return row.amount if row is not None and row.kind == "refund" else None


async def record_dispute(
    uow: UnitOfWork,
    *,
    provider: str,
    dispute_id: str,
    reference: str | None,
    amount: Decimal,
    reason: str | None,
    status: str,
) -> Dispute:
    """Create or update a dispute (idempotent per provider's dispute id); emits ``payment.disputed`` once."""
    existing = await xrepo.dispute(uow, provider, dispute_id)
    if existing is not None:
        if existing.status != status and status in ("won", "lost"):
            existing.status = status
            await uow.flush()
        return existing
    payment = await xrepo.payment_by_reference(uow, provider, reference) if reference else None
    row = Dispute(
        payment_id=payment.id if payment else None,
        provider=provider,
        dispute_id=dispute_id,
        amount=quantize(amount),
        reason=(reason or "")[:120] or None,
        status=status if status in ("open", "won", "lost") else "open",
    )
    if not await xrepo.add_dispute(uow, row):
        found = await xrepo.dispute(uow, provider, dispute_id)
        assert found is not None
        return found
    uow.emit(
        TOPIC,
        "payment.disputed",
        {
            "payment_id": str(payment.id) if payment else None,
            "order_id": str(payment.order_id) if payment and payment.order_id else None,
            "provider": provider,
            "dispute_id": dispute_id,
            "amount": str(row.amount),
            "reason": row.reason,
        },
        subject=str(payment.id) if payment else dispute_id,
    )
    await uow.flush()
    return row


async def disputes(uow: UnitOfWork, payment_id: uuid.UUID) -> list[Dispute]:
    return await xrepo.disputes_for(uow, payment_id)
