"""Analytics benchmark: every dashboard report over 12 months of facts (default 1,000,000 order lines
and as many behaviour events), p50/p99 per report on SQLite and on PostgreSQL, printed as a ratio of a
baseline measured in the same run (a bare unit of work answering ``SELECT 1``, and the pre-rollup scan
of the order facts); plus the bulk load rate (COPY on PostgreSQL, executemany on SQLite) and the time to
build the rollups. The store is row-based (not columnar), so the behaviour events are as many as the
lines, not 10M. Prints; never asserts on time.

    python bench/bench_analytics.py [--lines 1000000] [--repeat 15] [--pg postgresql+asyncpg://...]
                                    [--backends sqlite,postgres]

Ingestion mode (instead of the reports): ``--ingest N`` writes a demo history of 2N orders, then hands the
``analytics.orders`` consumer one ``order.paid`` event for each, half of the orders one event per unit of
work (``deliver``, the baseline, measured in the same run) and the other half in batches of ``--batch``
events (``deliver_batch`` with the consumer's batch handler, as the NATS bus hands it a fetch), and prints
events/s both ways.

PostgreSQL runs when ``--pg`` or ``ECOVAREJO_TEST_DATABASE_URL`` names a server (a scratch database is
created and dropped there).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Index, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.bench_analytics_ingest import products as ingest_products
from ecovarejo.analytics import demo, public
from ecovarejo.analytics.events import consumers as analytics_consumers
from ecovarejo.bootstrap import build_container
from ecovarejo.core import migrate
from ecovarejo.core.consumers import Consumer, Outcome, deliver, deliver_batch
from ecovarejo.core.container import Container
from ecovarejo.core.db import Base
from ecovarejo.core.events import Event
from ecovarejo.core.models import Tenant
from ecovarejo.core.settings import Settings

REPORTS = [("sales", "month"), ("sales", "day"), ("category", "day"), ("product", "day"), ("state", "day"),
           ("payment_method", "day"), ("channel", "day"), ("customer_type", "day"), ("status", "day"),
           ("funnel", "day"), ("cohorts", "day"), ("promotions", "day"), ("searches", "day"),
           ("zero_result_searches", "day"), ("sustainability", "day"), ("stock", "day")]  # fmt: skip
STATES = ("SP", "RJ", "MG", "RS", "PR", "SC", "BA", "PE", "DF", "GO")
CATEGORIES = ("Camisetas", "Cozinha", "Pet", "Calçados", "Papelaria", "Limpeza", "Higiene", "Alimentos")


ORDER_COLS = ("order_id", "tenant_id", "order_number", "user_id", "placed_at", "day", "status", "paid", "channel",
              "payment_method", "state", "items", "subtotal_cents", "discount_cents", "loyalty_cents",
              "shipping_cents", "total_cents", "refunded_cents", "coupons", "carbon_g", "avoided_g", "eco_packaging",
              "green_delivery", "shipped", "updated_at")  # fmt: skip
LINE_COLS = ("id", "tenant_id", "order_id", "day", "paid", "product_id", "sku", "name", "category", "certified",
             "quantity", "revenue_cents", "carbon_g", "baseline_g")  # fmt: skip
EVENT_COLS = ("id", "tenant_id", "at", "day", "kind", "visitor", "product", "query", "results", "source")


FACT_TABLES = ("analytics_orders", "analytics_order_lines", "analytics_behaviour")


async def load(container: Container, table: str, cols: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Bulk-load rows: ``COPY`` (asyncpg's binary copy) on PostgreSQL; on SQLite one ``executemany`` on a
    stdlib connection to the bench file with fsync off (a scratch database), values converted
    by the columns' own SQLAlchemy bind processors (memoised: days, stamps and names repeat), so they are
    stored as the app stores them."""
    if container.db.is_postgres:
        async with container.db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(table, records=rows, columns=list(cols))  # type: ignore[union-attr]
            await conn.commit()
        return
    meta = Base.metadata.tables[table]
    dialect = container.db.engine.dialect
    procs = [meta.c[c].type.bind_processor(dialect) for c in cols]
    memo: list[dict[object, object]] = [{} for _ in cols]

    def conv(i: int, v: object) -> object:
        p = procs[i]
        if p is None or v is None:
            return v
        if isinstance(v, uuid.UUID) and i != 1:  # unique ids: no point memoising (column 1 is the tenant)
            return p(v)
        m = memo[i]
        if v not in m:
            m[v] = p(v)
        return m[v]

    converted = [tuple(conv(i, v) for i, v in enumerate(r)) for r in rows]
    await container.db.engine.dispose()  # no pooled connection holds the file while it loads
    con = sqlite3.connect(container.db.engine.url.database or "", timeout=60)
    try:
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        with con:
            con.executemany(sql, converted)
    finally:
        con.close()


async def drop_indexes(container: Container) -> list[Index]:
    """Drop the fact tables' secondary indexes before the bulk load (a scratch database); returns them."""
    dropped: list[Index] = []
    async with container.db.engine.begin() as conn:
        for table in FACT_TABLES:
            for index in Base.metadata.tables[table].indexes:
                await conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
                dropped.append(index)
    return dropped


async def create_indexes(container: Container, indexes: list[Index]) -> float:
    t0 = time.perf_counter()
    async with container.db.engine.begin() as conn:
        for index in indexes:
            await conn.run_sync(lambda sync, index=index: index.create(sync))
    return time.perf_counter() - t0


async def fill(container: Container, tenant_id: uuid.UUID, lines: int, end: date) -> tuple[int, float]:
    """Facts for ``lines`` order lines (2.5 per order) and as many behaviour events over 365 days."""
    rng = random.Random(42)
    orders_n = max(1, int(lines / 2.5))
    users = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(max(10, orders_n // 4))]
    start = end - timedelta(days=364)
    days = [start + timedelta(days=n) for n in range(365)]
    stamps = {d: datetime(d.year, d.month, d.day, 15, tzinfo=UTC) for d in days}
    skus = [(f"SKU-{n}", f"Produto {n}", CATEGORIES[n % len(CATEGORIES)]) for n in range(2000)]
    written = 0
    t0 = time.perf_counter()
    batch = 50_000
    made = 0
    while made < orders_n:
        n = min(batch, orders_n - made)
        orders: list[tuple[object, ...]] = []
        facts: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        for _ in range(n):
            oid = uuid.UUID(int=rng.getrandbits(128))
            day = days[rng.randrange(365)]
            at = stamps[day]
            paid = rng.random() > 0.04
            k = 1 + (rng.random() < 0.8) + (rng.random() < 0.7)
            total = 0
            for _ in range(k):
                rev = rng.randrange(1000, 30000)
                total += rev
                carbon = rng.randrange(100, 5000)
                sku, name, category = skus[rng.randrange(2000)]
                facts.append((uuid.UUID(int=rng.getrandbits(128)), tenant_id, oid, day, paid, None, sku, name,
                              category, rng.random() < 0.5, rng.randrange(1, 4), rev, carbon, carbon * 2))  # fmt: skip
            orders.append((oid, tenant_id, "", rng.choice(users), at, day, "delivered" if paid else "cancelled", paid,
                           "b2b" if rng.random() < 0.12 else "b2c", rng.choice(("card", "pix", "boleto")),
                           rng.choice(STATES), k, total, 0, 0, 0, total, 0, "ECO20" if rng.random() < 0.1 else "",
                           3000, 1500, True, False, True, at))  # fmt: skip
        while len(events) < len(facts):  # visits: a visitor's events of one day
            day = days[rng.randrange(365)]
            visitor = f"{rng.randrange(orders_n * 2):032x}"
            kinds = ["product_viewed"] * rng.randrange(1, 6) + ["search_performed"] * rng.randrange(0, 3)
            if rng.random() < 0.3:
                kinds.append("added_to_cart")
                if rng.random() < 0.5:
                    kinds.append("checkout_started")
                    if rng.random() < 0.7:
                        kinds.append("order_placed")
            for kind in kinds:
                search = kind == "search_performed"
                query = f"busca {rng.randrange(500)}" if search else None
                events.append((uuid.UUID(int=rng.getrandbits(128)), tenant_id, stamps[day], day, kind, visitor, None,
                               query, rng.randrange(0, 20) if search else None, None))  # fmt: skip
        await load(container, "analytics_orders", ORDER_COLS, orders)
        await load(container, "analytics_order_lines", LINE_COLS, facts)
        await load(container, "analytics_behaviour", EVENT_COLS, events)
        written += len(orders) + len(facts) + len(events)
        made += n
        print(f"  … {made * 25 // 10:>9,} lines", file=sys.stderr, end="\r")
    return written, time.perf_counter() - t0


async def build_rollups(container: Container, tenant_id: uuid.UUID) -> float:
    """Every rollup from the loaded facts: the same ``INSERT … SELECT`` the backfill runs."""
    t0 = time.perf_counter()
    async with container.db.engine.begin() as conn:
        for stmt in public.rollup_rebuild_statements(tenant_id, None, None, postgres=container.db.is_postgres):
            await conn.execute(stmt)
    return time.perf_counter() - t0


async def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


async def run(name: str, url: str, lines: int, repeat: int) -> None:
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), log_level="WARNING",
                        secret_key="bench")  # fmt: skip
    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        async with container.db.system_session() as s:
            t = Tenant(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench", settings={})
            s.add(t)
            await s.commit()
            tid = t.id
        end = date(2026, 11, 30)
        indexes = await drop_indexes(container)
        rows, seconds = await fill(container, tid, lines, end)
        indexed = await create_indexes(container, indexes)
        print(f"\n[{name}] loaded {rows:,} fact rows ({lines:,} order lines, as many behaviour events) in "
              f"{seconds:.1f} s: {rows / seconds:,.0f} rows/s; {len(indexes)} indexes built after it "
              f"in {indexed:.1f} s")  # fmt: skip
        rolled = await build_rollups(container, tid)
        async with container.uow(tid, read_only=True) as uow:
            counts = [
                (t, await uow.session.scalar(text(f"SELECT count(*) FROM {t}")))
                for t in (
                    "analytics_daily_orders",
                    "analytics_daily_lines",
                    "analytics_daily_searches",
                    "analytics_monthly_searches",
                    "analytics_monthly_lines",
                    "analytics_customers",
                    "analytics_customer_months",
                    "analytics_cohorts",
                    "analytics_buyer_months",
                    "analytics_visitor_days",
                    "analytics_visitor_months",
                    "analytics_funnel_months",
                )
            ]
        print(f"[{name}] rollups built from the facts in {rolled:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts))
        async with container.db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        p = public.Period(end - timedelta(days=364), end)

        async def baseline() -> None:
            async with container.uow(tid, read_only=True) as uow:
                await uow.session.execute(text("SELECT 1"))

        async def fact_scan() -> None:  # what the sales report did before the rollups
            async with container.uow(tid, read_only=True) as uow:
                await uow.session.execute(
                    text("SELECT day, count(*), sum(total_cents) FROM analytics_orders "
                         "WHERE tenant_id = :t AND paid AND day BETWEEN :a AND :b GROUP BY day"),
                    {"t": tid if container.db.is_postgres else tid.hex, "a": p.start, "b": p.end},
                )  # fmt: skip

        _, base99 = await timed(baseline, repeat * 4)
        scan50, scan99 = await timed(fact_scan, repeat)
        print(f"[{name}] baseline (a unit of work answering SELECT 1): p99 {base99:.2f} ms")
        print(f"[{name}] pre-rollup fact scan (orders per day, 12 months): p50 {scan50:.1f} ms, p99 {scan99:.1f} ms")
        print(f"[{name}] {'report (12 months)':<24} {'p50 ms':>9} {'p99 ms':>9} {'target':>7} "
              f"{'p99÷SELECT 1':>13} {'p99÷fact scan':>14}")  # fmt: skip
        for report, grain in REPORTS:

            async def one(report: str = report, grain: str = grain) -> None:
                async with container.uow(tid, read_only=True) as uow:
                    await public.report(uow, report, p, grain=grain)

            p50, p99 = await timed(one, repeat)
            label = f"{report} ({grain})" if report == "sales" else report
            print(f"[{name}] {label:<24} {p50:>9.1f} {p99:>9.1f} {'300':>7} {p99 / base99:>12.0f}× "
                  f"{p99 / scan99:>13.2f}×")  # fmt: skip
    finally:
        await container.stop()


async def ingest(name: str, url: str, events: int, batch: int) -> None:
    """Events/s of the ``analytics.orders`` consumer, one event per unit of work vs batched (same run)."""
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), log_level="WARNING",
                        secret_key="bench")  # fmt: skip
    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        async with container.db.system_session() as s:
            t = Tenant(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench", settings={})
            s.add(t)
            await s.commit()
            tid = t.id
        history = demo.generate(ingest_products(), date(2026, 11, 30), seed=7, days=60,
                                daily_orders=2 * events / 60 + 1)  # fmt: skip
        history.orders = history.orders[: 2 * events]
        async with container.uow(tid, actor="bench") as uow:
            await demo.write(uow, history)
            await uow.commit()
        ids = [str(o.id) for o in history.orders]
        (real,) = [c for c in analytics_consumers(container) if c.name == "analytics.orders"]
        one = Consumer("bench.one", real.topics, real.handler)
        many = Consumer("bench.batch", real.topics, real.handler, batch_handler=real.batch_handler, max_batch=batch)

        def paid(order_ids: list[str]) -> list[Event]:
            return [Event("order-events", "order.paid", {"order_id": i}, tid) for i in order_ids]

        singles, batched = paid(ids[0::2]), paid(ids[1::2])  # the same mix of days and buyers
        started = time.perf_counter()
        done = [await deliver(container.db, one, e, attempt=1) for e in singles]
        single_s = time.perf_counter() - started
        started = time.perf_counter()
        for k in range(0, len(batched), batch):
            done += await deliver_batch(container.db, many, batched[k : k + batch])
        batch_s = time.perf_counter() - started
        assert all(o is Outcome.DONE for o in done), "an event failed: see the log"
        r1, rb = len(singles) / single_s, len(batched) / batch_s
        print(f"[{name}] ingestion, analytics.orders: one event per unit of work {len(singles):,} in "
              f"{single_s:.1f} s ({r1:,.1f} events/s); batches of {batch}: {len(batched):,} in {batch_s:.1f} s "
              f"({rb:,.1f} events/s) = {rb / r1:.1f}× the one-by-one rate")  # fmt: skip
    finally:
        await container.stop()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--pg", default=os.environ.get("ECOVAREJO_TEST_DATABASE_URL", ""))
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    ap.add_argument("--ingest", type=int, default=0, help="ingestion mode: N events one by one, N batched")
    ap.add_argument("--batch", type=int, default=20, help="events per batch in ingestion mode (a NATS fetch: 20)")
    args = ap.parse_args()
    backends = {b.strip() for b in args.backends.split(",")}
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            migrate.upgrade(Settings(database_url=url))
            if args.ingest:
                await ingest("sqlite", url, args.ingest, args.batch)
            else:
                await run("sqlite", url, args.lines, args.repeat)
    if args.pg and "postgres" in backends:
        name = f"ev_bench_analytics_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(args.pg, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.pg.rsplit("/", 1)[0] + "/" + name
        try:
            await asyncio.to_thread(migrate.upgrade, Settings(database_url=url))
            if args.ingest:
                await ingest("postgres", url, args.ingest, args.batch)
            else:
                await run("postgres", url, args.lines, args.repeat)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
