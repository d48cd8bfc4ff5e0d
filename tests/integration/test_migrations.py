"""Migrations upgrade and downgrade cleanly on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from ecovarejo.bootstrap import import_all_models
from ecovarejo.core import migrate
from ecovarejo.core.db import Base
from ecovarejo.core.settings import Settings
from tests.conftest import PG_URL, _pg_admin, _with_db


@pytest.fixture
def empty_url(backend: str, tmp_path):
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    name = f"ev_m_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield _with_db(PG_URL, name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _tables_and_diff(url: str) -> tuple[set[str], list]:
    import_all_models()
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    await engine.dispose()
    return tables - {"alembic_version"}, diff


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    settings = Settings(database_url=empty_url)
    migrate.upgrade(settings)
    tables, diff = asyncio.run(_tables_and_diff(empty_url))
    assert {"tenants", "outbox", "inbox", "dead_letters"} <= tables
    assert tables == set(Base.metadata.tables)
    # Only differences SQLite cannot express (e.g. server defaults) would be tolerated; expect none.
    assert [d for d in diff if d[0] not in ("add_index", "remove_index")] == []
    migrate.downgrade(settings, "base")
    tables, _ = asyncio.run(_tables_and_diff(empty_url))
    assert tables == set()
    migrate.upgrade(settings)
    tables, _ = asyncio.run(_tables_and_diff(empty_url))
    assert tables == set(Base.metadata.tables)
