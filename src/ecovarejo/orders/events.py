"""Events the orders context consumes."""

from __future__ import annotations

import uuid

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory
from ecovarejo.users import public as users

from . import coupons as coupon_rules
from . import lifecycle, shipping
from . import repository as repo


async def on_payment_captured(uow: UnitOfWork, event: Event) -> None:
    """A capture confirmed by a provider's webhook (card, Pix, boleto) pays its order, through the same
    :func:`~ecovarejo.orders.lifecycle.mark_paid` as the synchronous checkout: whichever comes first
    moves the order, the other finds it paid."""
    order_id = event.data.get("order_id")
    if not order_id:
        return
    via = event.data.get("via", "webhook")
    provider = event.data.get("provider", "")
    await lifecycle.mark_paid(
        uow, uuid.UUID(str(order_id)), actor="system:payments", reason=f"payment captured ({via} {provider})".strip()
    )


async def on_payment_expired(uow: UnitOfWork, event: Event) -> None:
    """A Pix or boleto left unpaid past its expiry cancels its order and returns the stock."""
    order_id = event.data.get("order_id")
    if not order_id:
        return
    order = await repo.get_order(uow, uuid.UUID(str(order_id)))
    if order is None or order.status != "awaiting_payment":
        return
    await lifecycle.transition(uow, order, "cancelled", actor="system:payments", reason="payment expired")
    if order.reservation_id:
        await inventory.restock_reservation(
            uow, order.reservation_id, reason="payment expired", actor="system:payments"
        )
    await coupon_rules.unclaim(uow, order.id)
    await users.refund_points_for_order(uow, order.user_id, order.id)


def consumers(_container: Container) -> list[Consumer]:
    return [
        Consumer("orders-payment-captured", ("payment-events",), on_payment_captured, frozenset({"payment.captured"})),
        Consumer("orders-payment-expired", ("payment-events",), on_payment_expired, frozenset({"payment.expired"})),
        *shipping.consumers(),
    ]
