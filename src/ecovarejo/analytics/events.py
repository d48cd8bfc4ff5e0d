"""The consumers that keep the facts: every order change rebuilds that order's facts; stock levels
come from inventory-events; an erased user's behaviour events go."""

from __future__ import annotations

import uuid

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.personal_data import pseudonym
from ecovarejo.core.uow import UnitOfWork

from . import ingest
from . import repository as repo


async def on_order_event(uow: UnitOfWork, event: Event, categories: ingest.CategoryCache | None = None) -> None:
    order_id = event.data.get("order_id")
    if order_id:
        await ingest.ingest_order(uow, uuid.UUID(str(order_id)), categories)


async def on_stock_event(uow: UnitOfWork, event: Event) -> None:
    sku, available = event.data.get("sku"), event.data.get("available")
    if sku and isinstance(available, int):
        await repo.set_stock(uow, str(sku), available)


def consumers(container: Container) -> list[Consumer]:
    secret = container.settings.load_secret_key()
    categories = ingest.CategoryCache()  # one per process: the tree is reloaded only when the catalog changes

    async def on_order(uow: UnitOfWork, event: Event) -> None:
        await on_order_event(uow, event, categories)

    async def on_orders(uow: UnitOfWork, events: list[Event]) -> None:
        ids = [uuid.UUID(str(e.data["order_id"])) for e in events if e.data.get("order_id")]
        if ids:
            await ingest.ingest_orders(uow, ids, categories)

    async def on_user_erased(uow: UnitOfWork, event: Event) -> None:
        user_id = event.data.get("user_id")
        if user_id:
            await repo.erase_visitor(uow, pseudonym(secret, "u", str(user_id)))

    return [
        # order facts: a fetched batch of events in one unit of work, each order rebuilt once
        Consumer("analytics.orders", ("order-events",), on_order, batch_handler=on_orders),
        Consumer(
            "analytics.payments",
            ("payment-events",),
            on_order,
            frozenset({"payment.captured"}),
            batch_handler=on_orders,
        ),
        Consumer("analytics.shipments", ("logistics-events",), on_order, batch_handler=on_orders),  # shipment.*
        Consumer("analytics.stock", ("inventory-events",), on_stock_event),
        Consumer("analytics.erasure", ("user-events",), on_user_erased, frozenset({"user.erased"})),
    ]
