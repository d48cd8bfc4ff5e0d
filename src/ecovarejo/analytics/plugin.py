"""The analytics context plugged into the platform: report API, fact consumers, demo history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.core.uow import UnitOfWork

from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA

if TYPE_CHECKING:
    from fastapi import APIRouter


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    from .demo import seed_demo as seed

    await seed(container, uow, options)


def setup_app(app: FastAPI, container: Container) -> None:
    from . import behaviour  # its path to the orders surface: only where pages are served

    behaviour.install(app, container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import router

    return [router]


CONTEXT = ContextSpec(
    name="analytics",
    routers=_routers,
    consumers=consumers,
    personal_data=PERSONAL_DATA,
    seed_demo=seed_demo,
    setup_app=setup_app,
    seed_order=90,
)
