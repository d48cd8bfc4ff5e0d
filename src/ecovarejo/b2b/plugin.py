"""The b2b context plugged into the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.products.public import BuyerPrices

from . import credit_models as _credit_models  # noqa: F401  (invoiced terms' tables)
from . import models as _models  # noqa: F401  (its tables on the shared metadata)
from . import quote_models as _quote_models  # noqa: F401
from .catalog_prices import ListPriceOverlay
from .credit_jobs import consumers, overdue_job
from .personal_data import DECLARATION as PERSONAL_DATA
from .quotes import expire_quotes_job

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    # the REST catalog's company prices (products sits below b2b and asks through its port)
    container.ports.provide(BuyerPrices, ListPriceOverlay(container.now))


async def _expire_quotes(container: Container) -> None:
    await expire_quotes_job(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from . import quotes_api
    from .api import admin, router
    from .credit_api import admin as credit_admin
    from .credit_api import router as credit_router
    from .groups_api import admin as groups_admin

    return [router, admin, credit_router, credit_admin, quotes_api.router, quotes_api.admin, groups_admin]


CONTEXT = ContextSpec(
    name="b2b",
    routers=_routers,
    install=install,
    personal_data=PERSONAL_DATA,
    consumers=consumers,
    # overdue instalments; sent quotes past their validity date become ``expired`` (docs/b2b.md, Quotes)
    jobs=[("b2b.overdue_instalments", 3600.0, overdue_job), ("b2b.expire_quotes", 60.0, _expire_quotes)],
)
