"""The products context plugged into the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

from ecovarejo.core.container import Container
from ecovarejo.core.models import Tenant
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.core.uow import UnitOfWork

from . import certifications, media
from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from .cache import CatalogCache, PgVersionReader, SqliteVersionReader, VersionReader
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA

if TYPE_CHECKING:
    from fastapi import APIRouter


DAY = 24 * 3600.0


def install(container: Container) -> None:
    settings = container.ports.get(media.MediaSettings)  # injected by bootstrap
    container.ports.provide_default(CatalogCache, CatalogCache(container.redis))
    if container.db.is_sqlite and container.db.engine.url.database and VersionReader not in container.ports:
        container.ports.provide(VersionReader, SqliteVersionReader(container.db.engine.url.database))
    if container.db.is_postgres and VersionReader not in container.ports:
        container.ports.provide(VersionReader, PgVersionReader(container.db.engine))
    container.ports.provide_default(media.MediaStore, media.build_store(container.settings.data_dir, settings))


def setup_app(app: FastAPI, container: Container) -> None:
    store = container.ports.get(media.MediaStore)
    if isinstance(store, media.LocalMediaStore):
        store.root.mkdir(parents=True, exist_ok=True)
        app.mount("/media", StaticFiles(directory=store.root), name="media")


async def certification_job(container: Container) -> dict[str, int]:
    """Daily: for every tenant, mark expired certifications, rescore, emit expiring/expired events."""
    totals = {"expiring": 0, "expired": 0, "rescored": 0}
    async with container.db.system_session() as s:
        tenants = list((await s.scalars(select(Tenant.id).where(Tenant.is_active.is_(True)))).all())
    for tid in tenants:
        async with container.uow(tid, actor="job:products.certifications") as uow:
            counts = await certifications.check_certifications(uow)
            await uow.commit()
        for k, v in counts.items():
            totals[k] += v
    return totals


async def _job(container: Container) -> None:
    await certification_job(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import router

    return [router]


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    from .demo import seed_demo as seed

    await seed(container, uow, options)


CONTEXT = ContextSpec(
    name="products",
    routers=_routers,
    install=install,
    settings=(media.MediaSettings,),
    consumers=consumers,
    setup_app=setup_app,
    seed_demo=seed_demo,
    seed_order=20,
    jobs=[("products.certifications", DAY, _job)],
    personal_data=PERSONAL_DATA,
)
