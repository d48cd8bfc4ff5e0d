"""The analytics context plugged into the platform: report API, fact consumers, demo history."""

from __future__ import annotations

from fastapi import FastAPI

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from . import behaviour
from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from .api import router
from .demo import seed_demo
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA


def setup_app(app: FastAPI, container: Container) -> None:
    behaviour.install(app, container)


CONTEXT = ContextSpec(
    name="analytics",
    routers=[router],
    consumers=consumers,
    personal_data=PERSONAL_DATA,
    seed_demo=seed_demo,
    setup_app=setup_app,
    seed_order=90,
)
