"""Orders held by the fraud screen: the authorization waits, the order stays ``awaiting_payment`` with
its stock committed, until staff decide. Approving captures the payment (the same step as checkout's
capture); rejecting is an admin cancellation (stock back, authorization voided)."""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, NotFound
from ecovarejo.inventory import public as inventory
from ecovarejo.payments import public as payments
from ecovarejo.payments.public import GatewayError, GatewayResult

from . import coupons as coupon_rules
from . import lifecycle
from . import repository as repo
from .service import order_detail


async def capture_held(
    container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID, *, actor: str
) -> dict[str, Any]:
    """Capture a held order's authorization and mark it paid; a failed capture cancels it."""
    async with container.uow(tenant_id, read_only=True) as uow:
        order = await repo.get_order(uow, order_id)
        if order is None:
            raise NotFound("order not found", code="order_not_found")
        payment = next((p for p in await payments.payments_for_order(uow, order_id) if p.id == order.payment_id), None)
        if order.status != "awaiting_payment" or payment is None or payment.status != "authorized":
            raise Conflict("this order is not waiting for a review", code="not_held")
        payment_id, reference, amount = payment.id, payment.gateway_reference or "", order.total_amount
        reservation_id = order.reservation_id
    gateway = payments.gateway_of(container)
    cap_key = f"review:{order_id}:capture"
    try:
        cap = await payments.gateway_capture(gateway, reference, amount, cap_key)
    except GatewayError:
        cap = GatewayResult(False, reference, "failed", amount, "gateway_unavailable")
    async with container.uow(tenant_id, actor=actor) as uow:
        await payments.record_capture(uow, payment_id, cap, amount, cap_key, actor=actor)
        if cap.ok:
            await lifecycle.mark_paid(uow, order_id, actor=actor, reason="approved in fraud review")
        else:
            row = await repo.get_order(uow, order_id)
            assert row is not None
            await lifecycle.transition(uow, row, "cancelled", actor=actor, reason=f"capture failed: {cap.code}")
            if reservation_id:
                await inventory.restock_reservation(uow, reservation_id, reason="capture failed", actor=actor)
            await coupon_rules.unclaim(uow, order_id)
        await uow.commit()
    if not cap.ok:
        await payments.void(container, tenant_id, payment_id, key=f"review:{order_id}:void")
    async with container.uow(tenant_id, read_only=True) as uow:
        return await order_detail(uow, order_id)
