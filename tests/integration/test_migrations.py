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


def test_orders_shipping_option_moves_to_its_own_column_and_back(empty_url: str) -> None:
    """orders_0003 takes the chosen option out of ``shipping_address`` into ``shipping_option``; its
    downgrade puts it back."""
    import sqlalchemy as sa

    from ecovarejo.core.db import UTCDateTime, utcnow

    settings = Settings(database_url=empty_url)
    migrate.upgrade(settings, "orders_0002")
    option = {"carrier": "correios", "service": "03298", "service_name": "PAC", "price": "30.50"}
    with_option, without = uuid.uuid4(), uuid.uuid4()

    def order_table(new: bool) -> sa.TableClause:
        ids = [sa.column(n, sa.Uuid()) for n in ("id", "user_id", "tenant_id")]
        cols = [sa.column(n) for n in ("order_number", "status", "currency", "subtotal",
                "discount_amount", "loyalty_discount", "tax_amount", "tax_included", "shipping_cost", "total_amount",
                "refunded_amount", "shipping_state", "carbon_footprint", "sustainability_score", "eco_packaging",
                "locale")]  # fmt: skip
        json_cols = [sa.column("shipping_address", sa.JSON()), sa.column("coupon_codes", sa.JSON())]
        times = [sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime())]
        extra = [sa.column("shipping_option", sa.JSON())] if new else []
        return sa.table("orders", *ids, *cols, *json_cols, *times, *extra)

    async def run(fn):  # type: ignore[no-untyped-def]
        engine = create_async_engine(empty_url)
        async with engine.begin() as conn:
            out = await conn.run_sync(fn)
        await engine.dispose()
        return out

    def insert(conn) -> None:  # type: ignore[no-untyped-def]
        base = {"user_id": uuid.uuid4(), "status": "paid", "currency": "BRL", "subtotal": 100, "discount_amount": 0,
                "loyalty_discount": 0, "tax_amount": 0, "tax_included": True, "shipping_cost": 3050,
                "total_amount": 13050, "refunded_amount": 0, "shipping_state": "RJ", "carbon_footprint": 0,
                "sustainability_score": 0, "eco_packaging": True, "locale": "pt-BR", "tenant_id": uuid.uuid4(),
                "coupon_codes": [], "created_at": utcnow(), "updated_at": utcnow()}  # fmt: skip
        chosen = {"state": "RJ", "shipping_option": option}
        conn.execute(sa.insert(order_table(False)), [
            {**base, "id": with_option, "order_number": "EV-1", "shipping_address": chosen},
            {**base, "id": without, "order_number": "EV-2", "shipping_address": {"state": "SP"}},
        ])  # fmt: skip

    def read(new: bool):  # type: ignore[no-untyped-def]
        def go(conn):  # type: ignore[no-untyped-def]
            t = order_table(new)
            cols = [t.c.id, t.c.shipping_address] + ([t.c.shipping_option] if new else [])
            return {r[0]: tuple(r[1:]) for r in conn.execute(sa.select(*cols))}

        return go

    asyncio.run(run(insert))
    migrate.upgrade(settings, "orders_0003")  # later revisions encrypt the column (orders_0004)
    rows = asyncio.run(run(read(True)))
    assert rows[with_option] == ({"state": "RJ"}, option)
    assert rows[without] == ({"state": "SP"}, None)
    migrate.downgrade(settings, "orders_0002")
    rows = asyncio.run(run(read(False)))
    assert rows[with_option] == ({"state": "RJ", "shipping_option": option},)
    assert rows[without] == ({"state": "SP"},)
