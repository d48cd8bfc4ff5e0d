"""Event consumers of the catalog.

- ``product-events`` (own): drop this process's L1 cache entries of the tenant (the catalog version
  already makes them unreachable; this frees the memory at once).
- ``order-events`` ``order.delivered``: the buyer's reviews of the delivered products become
  "verified purchase" (``data.user_id``, ``data.items[].product_id``).
- ``inventory-events`` ``stock.low``/``stock.replenished``: the SKU's ``in_stock`` flag (``data.available``).
"""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork

from . import queries, reviews, service
from .cache import CatalogCache
from .ports import StockReader


def consumers(container: Container) -> list[Consumer]:
    async def _total_available(uow: UnitOfWork, sku: str) -> int:
        stock = container.ports.get(StockReader)
        return int((await stock.availability(uow, [sku])).get(sku, 0))

    async def on_product_event(uow: UnitOfWork, event: Event) -> None:
        cache = container.ports.find(CatalogCache)
        if cache is not None and event.tenant_id is not None:
            # Only entries of older versions: the current version's stay warm while a burst drains.
            cache.drop_stale(event.tenant_id, await queries.catalog_version(uow))

    async def on_delivered(uow: UnitOfWork, event: Event) -> None:
        data: dict[str, Any] = event.data
        user = data.get("user_id")
        if not user:
            return
        user_id = uuid.UUID(str(user))
        for pid in sorted({str(i["product_id"]) for i in data.get("items", []) if i.get("product_id")}):
            await reviews.mark_verified_purchase(uow, user_id, uuid.UUID(pid))

    async def on_stock(uow: UnitOfWork, event: Event) -> None:
        sku = event.data.get("sku")
        available = event.data.get("available")
        if not sku or available is None:
            return
        total = int(available)
        if event.type == "stock.low" and total <= 0:
            # ``stock.low`` counts one warehouse; the SKU is out of stock only when all are empty.
            total = await _total_available(uow, str(sku))
        await service.apply_stock(uow, str(sku), total)

    return [
        Consumer("products.cache", ("product-events",), on_product_event),
        Consumer("products.verified_purchase", ("order-events",), on_delivered, frozenset({"order.delivered"})),
        Consumer("products.stock", ("inventory-events",), on_stock, frozenset({"stock.low", "stock.replenished"})),
    ]
