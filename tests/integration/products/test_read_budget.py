"""The catalog's cached read path sends no SQL statement through the engine (PostgreSQL: one round trip
of the version reader, shared by concurrent readers) and still sees a committed change at once."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, text

from ecovarejo.products.cache import PgVersionReader, VersionReader
from tests.support import bearer, token_for

from .conftest import settle
from .helpers import default_tenant, product

DETAIL = "/api/v1/products/caneca-de-bambu"
LISTING = "/api/v1/products?limit=24&sort=newest"


async def test_cached_reads_send_no_statement_and_see_a_change_at_once(container, client) -> None:
    t = await default_tenant(container)
    p = await product(container, t, sku="RB-1", name="Caneca de Bambu", price="30.00")
    await product(container, t, sku="RB-2", name="Pente de Bambu", price="12.00")
    await settle(container)  # the creations' events have dropped what they drop
    for path in (DETAIL, LISTING):
        assert (await client.get(path)).status_code == 200  # the cache is warm

    statements: list[str] = []
    me = asyncio.current_task()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if asyncio.current_task() is me:  # the requests run in this task; the relay polls in its own
            statements.append(statement)

    reader = container.ports.find(VersionReader)
    reads_before = getattr(reader, "reads", 0)
    event.listen(container.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            detail = await client.get(DETAIL)
            listing = await client.get(LISTING)
            assert detail.status_code == listing.status_code == 200
            assert detail.json()["price"]["amount"] == "30.00"
    finally:
        event.remove(container.db.engine.sync_engine, "before_cursor_execute", count)
    assert statements == []  # no pool checkout, no RLS setup, no ORM: the answer is the cached bytes
    if container.db.is_postgres:
        assert isinstance(reader, PgVersionReader)
        assert reader.reads - reads_before == 10  # one version round trip per sequential request

    h = bearer(token_for(container, t, "admin"))
    assert (await client.patch(f"/api/v1/products/{p.id}", json={"price": "35.50"}, headers=h)).status_code == 200
    assert (await client.get(DETAIL)).json()["price"]["amount"] == "35.50"
    items = {i["sku"]: i for i in (await client.get(LISTING)).json()["items"]}
    assert items["RB-1"]["price"]["amount"] == "35.50"


async def test_pg_version_reader_shares_round_trips_and_never_answers_from_before_the_call(container) -> None:
    if not container.db.is_postgres:
        return  # the SQLite reader is a plain in-thread read (tested above)
    t = await default_tenant(container)
    await product(container, t, sku="RB-3", name="Copo de Vidro")
    reader = PgVersionReader(container.db.engine)
    try:
        first = await reader.aread(t)
        reads = reader.reads
        answers = await asyncio.gather(*(reader.aread(t) for _ in range(50)))
        assert set(answers) == {first}
        assert reader.reads - reads <= 2  # fifty concurrent callers: one read on the wire, one queued behind it

        async with container.db.engine.begin() as conn:
            await conn.execute(text("UPDATE catalog_versions SET version = version + 1 WHERE tenant_id = :t"), {"t": t})
        after = await reader.aread(t)
        epoch, _, version = first.partition(".")
        assert after == f"{epoch}.{int(version) + 1}"  # committed before the call: always seen
        assert await reader.aread(None) is None
    finally:
        await reader.aclose()
