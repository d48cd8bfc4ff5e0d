"""The ml context plugged into the platform: the model store, the fraud screen, the retraining job."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders.public import FraudScreen
from ecovarejo.products.public import CategorySuggester

from . import repository as repo
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA
from .public import MlCategorySuggester, MlPorts, request_first_training, retrain_due, train_pending
from .registry import ModelStore
from .screen import MlFraudScreen

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    async def lookup(tenant_id: uuid.UUID, name: str) -> tuple[int, str] | None:
        async with container.uow(tenant_id, read_only=True) as uow:
            row = await repo.promoted(uow, name)
        return (row.version, row.artifact) if row is not None and row.artifact else None

    store = ModelStore(container.settings.data_dir, lookup, redis=container.redis)
    ports = container.ports.provide(
        MlPorts,
        MlPorts(
            store=store,
            screen=MlFraudScreen(store, container.settings.load_secret_key()),
            retrain_every=timedelta(hours=24),
        ),
    )
    # checkout's fraud screen: a port the orders context (a lower layer) declares
    container.ports.provide(FraudScreen, ports.screen)
    # the CSV import's category suggestions (products sits below ml)
    container.ports.provide(CategorySuggester, MlCategorySuggester(store))


async def _retrain(container: Container) -> None:
    ports = container.ports.get(MlPorts)
    await retrain_due(container, ports.store, ports.retrain_every)


async def _first_training(container: Container) -> None:
    await train_pending(container, container.ports.get(MlPorts).store)


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    """Last of the seeding: the fraud screen's history of the demo orders (with a planted ring). The
    models are trained on that history by the ``ml.first-training`` job once the platform runs (or
    at once with ``ecovarejo ml train``): seeding stays fast and the shop opens without waiting."""
    assert uow.tenant_id is not None
    from .demo import plant_fraud_history

    planted = await plant_fraud_history(uow, utcnow())
    await uow.commit()
    await request_first_training(container, uow.tenant_id)
    console = options.get("console")
    if console is not None:
        console.print(f"  ml: {planted} avaliações de fraude de demonstração; modelos treinados em segundo plano")


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import router

    return [router]


CONTEXT = ContextSpec(
    name="ml",
    routers=_routers,
    install=install,
    consumers=consumers,
    seed_demo=seed_demo,
    seed_order=95,
    jobs=[("ml.retrain", 3600.0, _retrain), ("ml.first-training", 30.0, _first_training)],
    personal_data=PERSONAL_DATA,
)
