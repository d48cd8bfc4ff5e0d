"""The inventory context plugged into the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.products.public import StockReader

from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from .personal_data import DECLARATION as PERSONAL_DATA
from .public import InventoryStockReader
from .seed import seed_demo
from .service import expire_reservations_job, overdue_reservations

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    container.ports.provide(StockReader, InventoryStockReader())
    container.gauges.append(_reservation_gauges)


async def _reservation_gauges(container: Container) -> list[tuple[str, str, float]]:
    """Held reservations past their expiry (the expiry job is behind when this grows): /metrics."""
    return [
        (
            "ecovarejo_reservations_expired_backlog",
            "Stock reservations past their expiry still holding stock",
            float(await overdue_reservations(container)),
        )
    ]


async def _expire(container: Container) -> None:
    await expire_reservations_job(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import router

    return [router]


CONTEXT = ContextSpec(
    name="inventory",
    routers=_routers,
    install=install,
    seed_demo=seed_demo,
    seed_order=30,
    jobs=[("inventory.expire_reservations", 30.0, _expire)],
    personal_data=PERSONAL_DATA,
)
