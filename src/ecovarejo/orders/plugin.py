"""The orders context plugged into the platform: cart store, catalog port, pricing table."""

from __future__ import annotations

import asyncio

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from .api import admin, router
from .cart import MemoryCartStore, RedisCartStore
from .catalog import ProductsCatalog
from .checkout import recover_checkouts
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA
from .pricing import PricingConfig
from .seed import seed_demo
from .service import OrderBookAdapter, OrdersPorts
from .shipping import OrderSourceAdapter


def install(container: Container) -> None:
    carts = RedisCartStore(container.redis) if container.redis is not None else MemoryCartStore()
    container.ports.setdefault("catalog", ProductsCatalog())
    container.ports.setdefault("pricing", PricingConfig())
    container.ports["orders"] = OrdersPorts(
        carts=carts,
        catalog=container.ports["catalog"],
        pricing=container.ports["pricing"],
        container=container,
        checkout_slots=asyncio.Semaphore(max(1, container.settings.db_pool_size)),
    )
    container.ports["order_book"] = OrderBookAdapter()  # payments.order_ledger.OrderBook
    container.ports["order_source"] = OrderSourceAdapter()  # logistics.public.OrderSource


async def _recover(container: Container) -> None:
    await recover_checkouts(container)


CONTEXT = ContextSpec(
    name="orders",
    routers=[router, admin],
    install=install,
    consumers=consumers,
    seed_demo=seed_demo,
    seed_order=31,
    personal_data=PERSONAL_DATA,
    # checkouts a crash left between authorization and capture (rule: orders/checkout.py, docs/events.md)
    jobs=[("orders.recover_checkouts", 60.0, _recover)],
)
