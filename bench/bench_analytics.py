"""Analytics benchmark: every dashboard report over 12 months of facts (default 1,000,000 order lines
and as many behaviour events), p50/p99 per report on SQLite and on PostgreSQL, printed as a ratio of a
baseline measured in the same run (a bare unit of work answering ``SELECT 1``); plus the fact write
throughput. Prints; never asserts on time.

    python bench/bench_analytics.py [--lines 1000000] [--repeat 15] [--pg postgresql+asyncpg://...]

PostgreSQL runs when ``--pg`` or ``ECOVAREJO_TEST_DATABASE_URL`` names a server (a scratch database is
created and dropped there).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ecovarejo.analytics import public
from ecovarejo.analytics import repository as repo
from ecovarejo.bootstrap import build_container
from ecovarejo.core import migrate
from ecovarejo.core.container import Container
from ecovarejo.core.models import Tenant
from ecovarejo.core.settings import Settings

REPORTS = [("sales", "month"), ("sales", "day"), ("category", "day"), ("product", "day"), ("state", "day"),
           ("payment_method", "day"), ("channel", "day"), ("customer_type", "day"), ("status", "day"),
           ("funnel", "day"), ("cohorts", "day"), ("promotions", "day"), ("searches", "day"),
           ("zero_result_searches", "day"), ("sustainability", "day")]  # fmt: skip
STATES = ("SP", "RJ", "MG", "RS", "PR", "SC", "BA", "PE", "DF", "GO")
CATEGORIES = ("Camisetas", "Cozinha", "Pet", "Calçados", "Papelaria", "Limpeza", "Higiene", "Alimentos")
KINDS = ("product_viewed", "product_viewed", "product_viewed", "search_performed", "added_to_cart",
         "checkout_started", "order_placed")  # fmt: skip


async def fill(container: Container, tenant_id: uuid.UUID, lines: int, end: date) -> tuple[int, float]:
    """Facts for ``lines`` order lines (2.5 per order) and as many behaviour events over 365 days."""
    rng = random.Random(42)
    orders_n = max(1, int(lines / 2.5))
    users = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(max(10, orders_n // 4))]
    start = end - timedelta(days=364)
    written = 0
    t0 = time.perf_counter()
    batch = 20_000
    made = 0
    while made < orders_n:
        n = min(batch, orders_n - made)
        orders, facts, events = [], [], []
        for _ in range(n):
            oid = uuid.UUID(int=rng.getrandbits(128))
            day = start + timedelta(days=rng.randrange(365))
            at = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
            k = 1 + (rng.random() < 0.8) + (rng.random() < 0.7)
            total = 0
            for _ in range(k):
                rev = rng.randrange(1000, 30000)
                total += rev
                carbon = rng.randrange(100, 5000)
                facts.append({"id": uuid.UUID(int=rng.getrandbits(128)), "tenant_id": tenant_id, "order_id": oid,
                              "day": day, "paid": True, "product_id": None, "sku": f"SKU-{rng.randrange(2000)}",
                              "name": "Produto", "category": rng.choice(CATEGORIES), "certified": rng.random() < .5,
                              "quantity": rng.randrange(1, 4), "revenue_cents": rev, "carbon_g": carbon,
                              "baseline_g": carbon * 2})  # fmt: skip
            orders.append({"order_id": oid, "tenant_id": tenant_id, "order_number": "", "user_id": rng.choice(users),
                           "placed_at": at, "day": day, "status": "delivered", "paid": rng.random() > 0.04,
                           "channel": "b2b" if rng.random() < 0.12 else "b2c", "payment_method": rng.choice(
                               ("card", "pix", "boleto")), "state": rng.choice(STATES), "items": k,
                           "subtotal_cents": total, "discount_cents": 0, "loyalty_cents": 0, "shipping_cents": 0,
                           "total_cents": total, "refunded_cents": 0, "coupons": "ECO20" if rng.random() < .1 else "",
                           "carbon_g": 3000, "avoided_g": 1500, "eco_packaging": True, "green_delivery": False,
                           "shipped": True, "updated_at": at})  # fmt: skip
        for _ in range(len(facts)):
            day = start + timedelta(days=rng.randrange(365))
            kind = rng.choice(KINDS)
            events.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)),
                    "tenant_id": tenant_id,
                    "at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    "day": day,
                    "kind": kind,
                    "visitor": f"{rng.randrange(orders_n * 3):032x}",
                    "product": None,
                    "query": f"busca {rng.randrange(500)}" if kind == "search_performed" else None,
                    "results": rng.randrange(0, 20) if kind == "search_performed" else None,
                    "source": None,
                }
            )
        async with container.uow(tenant_id, actor="bench") as uow:
            await repo.bulk_insert(uow, orders, facts)
            await repo.insert_behaviour(uow, events)
            await uow.commit()
        written += len(orders) + len(facts) + len(events)
        made += n
        print(f"  … {made * 25 // 10:>9,} lines", file=sys.stderr, end="\r")
    return written, time.perf_counter() - t0


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
        rows, seconds = await fill(container, tid, lines, end)
        print(f"\n[{name}] wrote {rows:,} fact rows in {seconds:.1f} s: {rows / seconds:,.0f} rows/s")
        if container.db.is_postgres:
            async with container.db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        p = public.Period(end - timedelta(days=364), end)

        async def baseline() -> None:
            async with container.uow(tid, read_only=True) as uow:
                await uow.session.execute(text("SELECT 1"))

        _, base99 = await timed(baseline, repeat * 4)
        print(f"[{name}] baseline (a unit of work answering SELECT 1): p99 {base99:.2f} ms")
        print(f"[{name}] {'report (12 months)':<34} {'p50 ms':>9} {'p99 ms':>9} {'p99 ÷ baseline':>15}")
        for report, grain in REPORTS:

            async def one(report: str = report, grain: str = grain) -> None:
                async with container.uow(tid, read_only=True) as uow:
                    await public.report(uow, report, p, grain=grain)

            p50, p99 = await timed(one, repeat)
            label = f"{report} ({grain})" if report == "sales" else report
            print(f"[{name}] {label:<34} {p50:>9.1f} {p99:>9.1f} {p99 / base99:>14.0f}×")
    finally:
        await container.stop()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--pg", default=os.environ.get("ECOVAREJO_TEST_DATABASE_URL", ""))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        migrate.upgrade(Settings(database_url=url))
        await run("sqlite", url, args.lines, args.repeat)
    if args.pg:
        name = f"ev_bench_analytics_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(args.pg, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.pg.rsplit("/", 1)[0] + "/" + name
        try:
            await asyncio.to_thread(migrate.upgrade, Settings(database_url=url))
            await run("postgres", url, args.lines, args.repeat)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
