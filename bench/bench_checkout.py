"""Checkout benchmark (issue 5, point 9): complete checkouts per second over real HTTP on PostgreSQL,
as a ratio against ``pgbench``'s TPC-B-like TPS on the same server in the same run; and a flash sale
(one SKU, 1,000 units, 200 concurrent buyers): sales per second, and proof of zero oversell.

    python -m bench.bench_checkout [--workers 2] [--duration 10] [--concurrency 32]
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

A complete checkout is one ``POST /api/v1/orders`` ("buy now" lines, a fresh ``Idempotency-Key``, a
real bearer token): price from the real products context (products created through its service),
reserve stock, fraud screen, authorize (sandbox gateway), create the order, commit stock, capture,
outbox events (relayed and consumed in the same processes, as ``serve`` runs by default), idempotency
record. The platform is served by uvicorn worker processes. The load average is printed beside the
figures: on a shared machine they are only comparable with their own baseline. Benchmarks print; they
never assert on time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.harness import ROOT, free_port, wait_ready
from ecovarejo.core.auth import Authenticator

SERVICES = "users,products,inventory,orders,payments"
CATALOG_SKUS = [f"BENCH-{n:03d}" for n in range(50)]
FLASH_SKU = "FLASH-001"
ADDRESS = {"recipient": "Bench", "street": "Rua A", "number": "1", "city": "São Paulo", "state": "SP",
           "postal_code": "01000-000"}  # fmt: skip


# --------------------------------------------------------------------------- the served app


def _build_app() -> Any:
    from ecovarejo.app import create_app
    from ecovarejo.bootstrap import build_container
    from ecovarejo.core.settings import get_settings

    return create_app(container=build_container(get_settings()))


def __getattr__(name: str) -> Any:  # uvicorn imports ``bench.bench_checkout:app`` in each worker
    if name == "app":
        globals()["app"] = _build_app()
        return globals()["app"]
    raise AttributeError(name)


@contextlib.contextmanager
def serve(target: str, *, workers: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """Like ``bench.harness.serve``, with the server's stderr in a file (a pipe nobody reads would fill up
    under load and stall the server)."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, env=full_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base + "/healthz", timeout=180)  # a loaded shared machine starts slowly
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# --------------------------------------------------------------------------- setup


def _pg_parts(url: str) -> tuple[str, int, str, str]:
    u = urlsplit(url.replace("+asyncpg", ""))
    return u.hostname or "127.0.0.1", u.port or 5432, u.username or "postgres", u.path.lstrip("/") or "postgres"


def _psql(admin_url: str, sql: str) -> None:
    host, port, user, db = _pg_parts(admin_url)
    subprocess.run(["psql", "-h", host, "-p", str(port), "-U", user, "-d", db, "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


async def _prepare(env: dict[str, str], buyers: int) -> tuple[list[str], list[str]]:
    """Stock the SKUs and mint tokens for the buyers (same DATA_DIR keys as the served workers)."""
    os.environ.update(env)
    from ecovarejo.bootstrap import build_container
    from ecovarejo.core.auth import Principal
    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from ecovarejo.core.settings import Settings
    from ecovarejo.inventory import service as inventory
    from ecovarejo.products import service as products
    from ecovarejo.products.schemas import ProductCreate

    container = build_container(Settings(), run_relay=False, run_consumers=False)
    try:
        staff = Principal(user_id=uuid.uuid4(), tenant_id=DEFAULT_TENANT_ID, user_type="admin")
        async with container.uow(DEFAULT_TENANT_ID, actor="bench") as uow:
            for sku in [*CATALOG_SKUS, FLASH_SKU]:
                await products.create_product(
                    uow, ProductCreate(sku=sku, name=f"Produto {sku}", price=Decimal("49.90"),
                                       carbon_footprint_kg=Decimal("1.20")), staff,
                )  # fmt: skip
            await uow.commit()
        async with container.uow(DEFAULT_TENANT_ID, actor="bench") as uow:
            wh = await inventory.ensure_warehouse(uow, "BENCH", "Bench warehouse")
            for sku in CATALOG_SKUS:
                await inventory.adjust(uow, sku, wh.id, 1_000_000, reason="bench", actor="bench")
            await inventory.adjust(uow, FLASH_SKU, wh.id, 1000, reason="flash sale", actor="bench")
            await uow.commit()
        auth = container.ports.get(Authenticator)

        def token() -> str:
            p = Principal(user_id=uuid.uuid4(), tenant_id=DEFAULT_TENANT_ID, user_type="customer")
            return str(auth.issue_access_token(p))

        return [token() for _ in range(buyers)], [token() for _ in range(200)]
    finally:
        await container.stop()


# --------------------------------------------------------------------------- load


async def _checkouts(url: str, tokens: list[str], duration: float, concurrency: int) -> tuple[int, Counter[int]]:
    statuses: Counter[int] = Counter()
    stop = time.monotonic() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker(n: int) -> None:
            i = 0
            while time.monotonic() < stop:
                i += 1
                sku = CATALOG_SKUS[(n * 7 + i) % len(CATALOG_SKUS)]
                body = {"shipping_address": ADDRESS, "payment": {"method": "card", "source": "tok_visa"},
                        "items": [{"sku": sku, "quantity": 1 + i % 3}]}  # fmt: skip
                headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": uuid.uuid4().hex}
                r = await client.post("/api/v1/orders", json=body, headers=headers)
                statuses[r.status_code] += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return statuses[201], statuses


async def _flash_sale(url: str, tokens: list[str]) -> tuple[float, Counter[int]]:
    statuses: Counter[int] = Counter()
    gate = asyncio.Event()
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def buyer(tok: str) -> None:
            await gate.wait()
            while True:  # keep buying one unit until sold out
                body = {"shipping_address": ADDRESS, "payment": {"method": "card", "source": "tok_visa"},
                        "items": [{"sku": FLASH_SKU, "quantity": 1}]}  # fmt: skip
                headers = {"Authorization": f"Bearer {tok}", "Idempotency-Key": uuid.uuid4().hex}
                r = await client.post("/api/v1/orders", json=body, headers=headers)
                statuses[r.status_code] += 1
                if (r.status_code == 409 and r.json().get("code") == "insufficient_stock") or r.status_code >= 500:
                    return

        tasks = [asyncio.create_task(buyer(t)) for t in tokens]
        await asyncio.sleep(0.2)
        start = time.monotonic()
        gate.set()
        await asyncio.gather(*tasks)
    return time.monotonic() - start, statuses


def _pgbench(admin_url: str, db: str, duration: float, clients: int) -> float:
    host, port, user, _ = _pg_parts(admin_url)
    base = ["-h", host, "-p", str(port), "-U", user]
    exe = shutil.which("pgbench")
    if exe is None:
        raise SystemExit("pgbench is required (Debian: postgresql-contrib / postgresql-client)")
    subprocess.run([exe, *base, "-i", "-q", "-s", "10", db], check=True, capture_output=True)
    out = subprocess.run([exe, *base, "-c", str(clients), "-j", "2", "-T", str(int(duration)), db],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    m = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", out)
    if m is None:
        m = re.search(r"tps = ([\d.]+)", out)
    assert m is not None, out
    return float(m.group(1))


def _count(admin_url: str, db: str, sql: str) -> str:
    host, port, user, _ = _pg_parts(admin_url)
    return subprocess.run(["psql", "-h", host, "-p", str(port), "-U", user, "-d", db, "-tAc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=32)
    default_pg = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    ap.add_argument("--pg", default=os.environ.get("ECOVAREJO_BENCH_DATABASE_URL", default_pg))
    args = ap.parse_args()
    db = f"ev_bench_{os.getpid()}"
    pgb = f"ev_pgbench_{os.getpid()}"
    host, port, user, _ = _pg_parts(args.pg)
    db_url = f"postgresql+asyncpg://{user}@{host}:{port}/{db}"
    tmp = Path(tempfile.mkdtemp(prefix="ecovarejo-bench-"))
    env = {
        "ECOVAREJO_DATABASE_URL": db_url,
        "ECOVAREJO_DATA_DIR": str(tmp / "var"),
        "ECOVAREJO_SECRET_KEY": "bench-secret-key-not-for-production",
        "ECOVAREJO_SERVICES": SERVICES,
        "ECOVAREJO_LOG_LEVEL": "WARNING",
        "ECOVAREJO_GATEWAY_RATE_LIMITS": "off",
    }
    _psql(args.pg, f'DROP DATABASE IF EXISTS "{db}"')
    _psql(args.pg, f'CREATE DATABASE "{db}"')
    _psql(args.pg, f'DROP DATABASE IF EXISTS "{pgb}"')
    _psql(args.pg, f'CREATE DATABASE "{pgb}"')
    try:
        subprocess.run([sys.executable, "-m", "ecovarejo.cli", "migrate"], env={**os.environ, **env}, check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
        tokens, flash_tokens = asyncio.run(_prepare(env, args.concurrency))
        print(f"pgbench TPC-B-like, {args.concurrency // 2} clients, {args.duration:.0f}s ...", flush=True)
        tps = _pgbench(args.pg, pgb, args.duration, max(2, args.concurrency // 2))
        log = tmp / "server.log"
        with serve("bench.bench_checkout:app", workers=args.workers, env=env, log=log) as url:
            print(f"checkouts, {args.concurrency} concurrent buyers, {args.duration:.0f}s ...", flush=True)
            done, statuses = asyncio.run(_checkouts(url, tokens, args.duration, args.concurrency))
            print("flash sale: 1,000 units, 200 concurrent buyers ...", flush=True)
            elapsed, flash = asyncio.run(_flash_sale(url, flash_tokens))
        cps = done / args.duration
        sold = int(_count(args.pg, db, f"SELECT coalesce(sum(quantity), 0) FROM order_items WHERE sku = '{FLASH_SKU}'"))
        row = _count(
            args.pg, db, f"SELECT stock_quantity, reserved_quantity FROM stock_items WHERE sku = '{FLASH_SKU}'"
        )
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nEcoVarejo checkout benchmark — {args.workers} uvicorn workers, PostgreSQL, same machine, same run")
        print(f"machine: {os.cpu_count()} CPUs, load average (1/5/15 min) at the end: {load}")
        print(f"{'measure':<52} {'value':>12}")
        print(f"{'pgbench TPC-B-like TPS (baseline)':<52} {tps:>12.1f}")
        print(f"{'complete checkouts/s (POST /api/v1/orders, 201)':<52} {cps:>12.1f}")
        print(f"{'ratio checkouts/s ÷ pgbench TPS':<52} {cps / tps:>12.3f}")
        print(f"{'  responses':<52} {dict(sorted(statuses.items()))!s:>12}")
        print(f"{'flash sale: units sold (order items)':<52} {sold:>12d}")
        print(f"{'flash sale: sales/s (1,000 units ÷ time to sell out)':<52} {sold / elapsed:>12.1f}")
        print(f"{'flash sale: ratio sales/s ÷ pgbench TPS':<52} {sold / elapsed / tps:>12.3f}")
        print(f"{'flash sale: stock, reserved after (must be 0|0)':<52} {row:>12}")
        print(f"{'flash sale: responses':<52} {dict(sorted(flash.items()))!s:>12}")
        print(f"oversell: {'NONE' if sold <= 1000 and row == '0|0' else 'DETECTED'}; "
              f"5xx: {sum(v for k, v in [*statuses.items(), *flash.items()] if k >= 500)}")  # fmt: skip
    except BaseException:
        log_file = tmp / "server.log"
        if log_file.exists():
            print("server log (tail):\n" + log_file.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        _psql(args.pg, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        _psql(args.pg, f'DROP DATABASE IF EXISTS "{pgb}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
