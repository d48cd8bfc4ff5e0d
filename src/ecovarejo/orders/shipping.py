"""Orders and the logistics context: the order data logistics needs to ship (an adapter of its
``OrderSource`` port, plugged by the composition root), and the ``logistics-events`` that move an order
along: a posted parcel (or one ready at its pickup point) ships it (paid -> fulfilling -> shipped), a
delivered (or collected) one delivers it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import structlog

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.logistics.public import OrderLine, OrderToShip

from . import repository as repo
from . import service

log = structlog.get_logger("ecovarejo.orders.shipping")


class OrderSourceAdapter:
    """``logistics.public.OrderSource``: an order as logistics needs it to ship it."""

    async def order_to_ship(self, uow: UnitOfWork, order_id: uuid.UUID) -> OrderToShip | None:
        order = await repo.get_order(uow, order_id)
        if order is None:
            return None
        items = await repo.items(uow, [order.id])
        shipping = order.shipping_option or {}
        return OrderToShip(
            id=order.id,
            number=order.order_number,
            user_id=order.user_id,
            status=order.status,
            email=order.email,
            first_name=order.first_name,
            locale=order.locale,
            shipping_address=dict(order.shipping_address or {}),
            lines=tuple(OrderLine(i.sku, i.name, i.quantity, Decimal(i.unit_price)) for i in items),
            carrier=shipping.get("carrier"),
            service=shipping.get("service"),
            pickup=shipping.get("pickup") if isinstance(shipping.get("pickup"), dict) else None,
        )


async def _move(uow: UnitOfWork, event: Event, to: str) -> None:
    data: dict[str, Any] = event.data
    order = await repo.get_order(uow, uuid.UUID(str(data["order_id"])))
    if order is None:
        return
    actor = "system:logistics"
    if to == "shipped":
        if order.status == "paid":
            await service.advance(uow, order.id, "fulfilling", actor=actor, reason="shipment posted")
            order = await repo.get_order(uow, order.id)
            assert order is not None
        if order.status != "fulfilling":
            return  # already shipped by an earlier parcel, or cancelled meanwhile
        await service.advance(
            uow, order.id, "shipped", actor=actor, reason=f"posted with {data.get('service_name')}",
            carrier=str(data.get("carrier")), tracking_code=str(data.get("tracking_code") or data["shipment_id"]),
            tracking_url=data.get("tracking_url"),
        )  # fmt: skip
    elif to == "delivered" and order.status == "shipped":
        await service.advance(uow, order.id, "delivered", actor=actor, reason="delivered by the carrier")


async def on_shipment_posted(uow: UnitOfWork, event: Event) -> None:
    await _move(uow, event, "shipped")


async def on_shipment_delivered(uow: UnitOfWork, event: Event) -> None:
    # A parcel delivered without a "posted" step seen (missed webhook) still ships the order first.
    await _move(uow, event, "shipped")
    await _move(uow, event, "delivered")


def consumers() -> list[Consumer]:
    return [
        # a parcel waiting at the pickup point has left the shop: the order is shipped
        Consumer(
            "orders-shipment-posted",
            ("logistics-events",),
            on_shipment_posted,
            frozenset({"shipment.posted", "shipment.ready_for_pickup"}),
        ),
        Consumer(
            "orders-shipment-delivered", ("logistics-events",), on_shipment_delivered, frozenset({"shipment.delivered"})
        ),
    ]
