"""The checkout's compensations after a failed step (void the hold, release the reservation)."""

from __future__ import annotations

import uuid

import structlog

from ecovarejo.core.container import Container
from ecovarejo.inventory import public as inventory
from ecovarejo.payments import public as payments
from ecovarejo.payments.public import GatewayResult

from .pricing import Quote

log = structlog.get_logger("ecovarejo.orders.checkout")


async def _void(
    container: Container,
    tenant_id: uuid.UUID,
    result: GatewayResult,
    q: Quote,
    method: str,
    source: str,
    money_key: str,
    gateway_name: str,
    actor: str,
) -> None:
    """Compensation after authorization: record the hold (for the audit trail) and void it."""
    try:
        async with container.uow(tenant_id, actor=actor) as uow:
            if await payments.payment_by_authorization_key(uow, money_key) is not None:
                return  # recorded with its order: the order's cancellation voids it
            payment = await payments.record_authorization(
                uow, result, gateway=gateway_name, amount=q.total, currency=q.currency, method=method,
                source=source, idempotency_key=money_key, actor=actor,
            )  # fmt: skip
            payment_id = payment.id
            await uow.commit()
        await payments.void(container, tenant_id, payment_id, key=f"{money_key}:void")
    except Exception:  # never mask the failure being compensated; the provider expires holds anyway
        log.exception("void_failed", reference=result.reference)


async def _release(container: Container, tenant_id: uuid.UUID, reservation_id: uuid.UUID, actor: str, why: str) -> None:
    try:
        async with container.uow(tenant_id, actor=actor) as uow:
            await inventory.release_reservation(uow, reservation_id, reason=why, actor=actor)
            await uow.commit()
    except Exception:  # the expiry job releases it later anyway
        log.exception("release_failed", reservation_id=str(reservation_id))
