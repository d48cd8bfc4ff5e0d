"""Analytics ingestion throughput: order events per second consumed by the analytics consumers
(``analytics.orders``: each event rebuilds the order's facts and moves its rollup rows) against the
outbox relay's publish rate, both measured in the same run, on the in-process bus and on NATS.

    python bench/bench_analytics_ingest.py [--events 2000] [--nats nats://...] [--db sqlite|postgres-url]

A year of demo history is written first (orders through the orders context's history import, with
their facts); then one ``order.paid`` event per order is written to the outbox in one transaction and
the relay and the consumers (this process serves only ``analytics``) run as ``serve`` runs them.
Rates come from the database's own stamps: the outbox's ``published_at`` and the inbox's
``processed_at`` against the commit of the events. Prints; never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from ecovarejo.analytics import demo
from ecovarejo.bootstrap import build_container
from ecovarejo.core import migrate
from ecovarejo.core.models import InboxEntry, OutboxEvent, Tenant
from ecovarejo.core.settings import Settings

CATEGORIES = ("camisetas", "cozinha", "pet", "limpeza")


def products() -> list[demo.Product]:
    return [
        demo.Product(
            uuid.UUID(int=n + 1),
            f"SKU-{n}",
            f"Produto {n}",
            Decimal(10 + n % 90),
            CATEGORIES[n % 4],
            [CATEGORIES[n % 4]],
            n % 2 == 0,
            Decimal("1.5"),
            Decimal("0.5"),
            1.0,
        )
        for n in range(200)
    ]


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def run(label: str, db_url: str, broker: str, events: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(database_url=db_url, data_dir=tmp, broker_url=broker, services="analytics",
                        log_level="WARNING", secret_key="bench", relay_interval=0.05)  # fmt: skip
    await asyncio.to_thread(migrate.upgrade, settings)
    container = build_container(settings)
    await container.start()
    try:
        async with container.db.system_session() as s:
            t = Tenant(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench", settings={})
            s.add(t)
            await s.commit()
            tid = t.id
        history = demo.generate(products(), date(2026, 11, 30), seed=7, days=60, daily_orders=events / 60 + 1)
        history.orders = history.orders[:events]
        async with container.uow(tid, actor="bench") as uow:
            await demo.write(uow, history)
            await uow.commit()
        n = len(history.orders)
        async with container.uow(tid, actor="bench") as uow:
            for o in history.orders:
                uow.emit("order-events", "order.paid", {"order_id": str(o.id)})
            await uow.commit()
        t0 = datetime.now(UTC)
        started = time.monotonic()
        while True:
            async with container.db.system_session() as s:
                done = await s.scalar(
                    select(func.count()).select_from(InboxEntry).where(InboxEntry.consumer == "analytics.orders")
                )
            if done >= n or time.monotonic() - started > 900:
                break
            await asyncio.sleep(0.5)
        async with container.db.system_session() as s:
            last_pub = await s.scalar(select(func.max(OutboxEvent.published_at)).where(OutboxEvent.tenant_id == tid))
            last_done = await s.scalar(
                select(func.max(InboxEntry.processed_at)).where(InboxEntry.consumer == "analytics.orders")
            )
        pub_s = (aware(last_pub) - t0).total_seconds() if last_pub else float("nan")
        done_s = (aware(last_done) - t0).total_seconds() if last_done else float("nan")
        print(f"[{label}] {n:,} order events: relay published all in {pub_s:.1f} s ({n / pub_s:,.0f} events/s); "
              f"analytics.orders consumed {done:,} in {done_s:.1f} s ({done / done_s:,.0f} events/s) "
              f"= {pub_s / done_s:.2f}× the publish rate")  # fmt: skip
    finally:
        await container.stop()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--nats", default=os.environ.get("ECOVAREJO_TEST_BROKER_URL", ""))
    ap.add_argument("--pg", default=os.environ.get("ECOVAREJO_TEST_DATABASE_URL", ""))
    args = ap.parse_args()
    dbs: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        dbs.append(("sqlite", f"sqlite+aiosqlite:///{tmp}/bench-%s.db"))
        pg_name = f"ev_bench_ingest_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(args.pg, isolation_level="AUTOCOMMIT") if args.pg else None
        try:
            for db_label, url in dbs:
                for bus_label, broker in (("in-process bus", ""), ("NATS", args.nats)):
                    if bus_label == "NATS" and not broker:
                        continue
                    await run(f"{db_label}, {bus_label}", url % uuid.uuid4().hex[:6], broker, args.events)
            if admin is not None:
                for bus_label, broker in (("in-process bus", ""), ("NATS", args.nats)):
                    if bus_label == "NATS" and not broker:
                        continue
                    name = f"{pg_name}_{bus_label[:4].strip().replace('-', '')}"
                    async with admin.connect() as conn:
                        await conn.execute(text(f'CREATE DATABASE "{name}"'))
                    try:
                        await run(f"postgres, {bus_label}", args.pg.rsplit("/", 1)[0] + "/" + name, broker, args.events)
                    finally:
                        async with admin.connect() as conn:
                            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            if admin is not None:
                await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
