"""The orders context plugged into the platform: cart store, catalog port, pricing table."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from ecovarejo.b2b.public import QuoteDesk
from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.fiscal.public import InvoiceSource
from ecovarejo.logistics.public import OrderSource
from ecovarejo.notifications.public import OrderContacts
from ecovarejo.payments.public import OrderBook
from ecovarejo.privacy import public as privacy

from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from .cart import MemoryCartStore, RedisCartStore
from .catalog import Catalog, ProductsCatalog
from .checkout import recover_checkouts
from .contacts import OrdersContactBook
from .events import consumers
from .invoicing import InvoiceSourceAdapter
from .order_book import OrderBookAdapter
from .personal_data import DECLARATION as PERSONAL_DATA
from .pricing import PricingConfig
from .quote_desk import OrdersQuoteDesk
from .seed import seed_demo
from .service import OrdersPorts
from .shipping import OrderSourceAdapter

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    async def ttl_for(tenant_id: uuid.UUID) -> int:  # the tenant's retention period for carts
        return await privacy.cart_ttl_seconds(container, tenant_id)

    carts = (
        RedisCartStore(container.redis, ttl_for=ttl_for)
        if container.redis is not None
        else MemoryCartStore(ttl_for=ttl_for)
    )
    container.ports.provide(
        OrdersPorts,
        OrdersPorts(
            carts=carts,
            catalog=container.ports.provide_default(Catalog, ProductsCatalog()),
            pricing=container.ports.provide_default(PricingConfig, PricingConfig()),
            container=container,
            checkout_slots=asyncio.Semaphore(max(1, container.settings.db_pool_size)),
        ),
    )
    container.ports.provide(OrderBook, OrderBookAdapter())
    container.ports.provide(OrderSource, OrderSourceAdapter())
    container.ports.provide(OrderContacts, OrdersContactBook())
    container.ports.provide(InvoiceSource, InvoiceSourceAdapter())
    container.ports.provide(QuoteDesk, OrdersQuoteDesk(container))


async def _recover(container: Container) -> None:
    await recover_checkouts(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import admin, router

    return [router, admin]


CONTEXT = ContextSpec(
    name="orders",
    routers=_routers,
    install=install,
    consumers=consumers,
    seed_demo=seed_demo,
    seed_order=31,
    personal_data=PERSONAL_DATA,
    # checkouts a crash left between authorization and capture (rule: orders/checkout.py, docs/events.md)
    jobs=[("orders.recover_checkouts", 60.0, _recover)],
)
