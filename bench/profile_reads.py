"""CPU cost of the catalog's read path, in process (the ASGI app called directly: no HTTP, no wrk): CPU
time and SQL statements per request for product detail and listing, cache cold (miss) and warm (hit),
on SQLite and PostgreSQL, against a bare FastAPI route called the same way in the same run. CPU time,
not wall time: on a shared machine it moves far less with the load.

python -m bench.profile_reads [--products 2000] [--requests 400] [--backends sqlite,postgres] [--profile detail]

``--profile NAME`` prints the cProfile of that scenario (detail, listing, detail_cold, listing_cold) on
each backend, top 40 functions (``PROFILE_SORT=tottime`` to sort by own time, ``PROFILE_CALLERS=regex``
to print who calls the matching functions).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.harness import scratch_database, seed_catalog


def _bare_fastapi() -> Any:
    """The baseline: a FastAPI app whose one route answers fixed JSON bytes (the least a cached read costs)."""
    from fastapi import FastAPI, Response

    app = FastAPI()
    body = b'{"hello":"world"}'

    @app.get("/api/v1/products/{ref}")
    async def hello(ref: str) -> Response:
        return Response(content=body, media_type="application/json")

    return app


class _Client:
    """Calls an ASGI app directly (no HTTP client in the measurement): GET ``path`` → (status, body)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def get(self, path: str) -> tuple[int, bytes]:
        raw_path, _, query = path.partition("?")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": raw_path, "raw_path": raw_path.encode(), "root_path": "",
            "query_string": query.encode(), "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 1234), "server": ("localhost", 80),
        }  # fmt: skip
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def _cpu(n: int, call: Callable[[int], Awaitable[Any]], prof: cProfile.Profile | None = None) -> float:
    """CPU seconds per call over ``n`` sequential calls."""
    t0 = time.process_time()
    if prof is not None:
        prof.enable()
    for i in range(n):
        await call(i)
    if prof is not None:
        prof.disable()
    return (time.process_time() - t0) / n


async def _run(backend: str, url: str, tmp: Path, products: int, n: int, profile: str | None) -> dict[str, Any]:
    from sqlalchemy import event

    from ecovarejo.app import create_app
    from ecovarejo.bootstrap import build_container
    from ecovarejo.core import migrate
    from ecovarejo.core.settings import Settings
    from ecovarejo.gateway.config import GatewaySettings

    settings = Settings(database_url=url, data_dir=tmp / "var", services="products", log_level="WARNING").with_sections(
        GatewaySettings(rate_limits=False)
    )
    await asyncio.to_thread(migrate.upgrade, settings)
    container = build_container(settings, run_relay=False, run_consumers=False)
    await container.start()
    try:
        slugs, cats = await seed_catalog(container, products)
        slugs = random.Random(7).sample(slugs, min(n, len(slugs)))
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(container.db.engine.sync_engine, "before_cursor_execute", count)
        app = create_app(container=container)
        out: dict[str, Any] = {}
        bare = _Client(_bare_fastapi())
        await bare.get("/api/v1/products/x")
        out["bare"] = (await _cpu(n, lambda i: bare.get("/api/v1/products/x")), 0.0)
        client = _Client(app)
        lists = [f"/api/v1/products?limit=24&sort={s}" for s in ("newest", "price_asc", "price_desc", "score_desc")]
        lists += [f"/api/v1/products?limit=24&category={c}" for c in cats]

        async def get(path: str) -> None:
            status, body = await client.get(path)
            assert status == 200, (path, status, body[:300])

        scenarios: dict[str, tuple[int, Callable[[int], Awaitable[Any]]]] = {
            "detail_cold": (len(slugs), lambda i: get(f"/api/v1/products/{slugs[i]}")),
            "detail": (n, lambda i: get(f"/api/v1/products/{slugs[i % len(slugs)]}")),
            "listing_cold": (len(lists), lambda i: get(lists[i])),
            "listing": (n, lambda i: get(lists[i % len(lists)])),
        }
        for name, (count_n, call) in scenarios.items():
            before = statements[0]
            prof = cProfile.Profile() if name == profile else None
            cpu = await _cpu(count_n, call, prof)
            out[name] = (cpu, (statements[0] - before) / count_n)
            if prof is not None:
                print(f"\n--- cProfile {backend} {name} ({count_n} requests) ---")
                sort = os.environ.get("PROFILE_SORT", "cumulative")
                st = pstats.Stats(prof).sort_stats(sort)
                st.print_stats(40)
                if os.environ.get("PROFILE_CALLERS"):
                    st.print_callers(os.environ["PROFILE_CALLERS"])
        return out
    finally:
        await container.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--profile", default=None)
    args = ap.parse_args()
    results: dict[str, dict[str, Any]] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        tmp = Path(tempfile.mkdtemp(prefix="ecovarejo-prof-"))
        with scratch_database(backend, tmp, prefix="ev_prof") as url:
            if url is not None:
                results[backend] = asyncio.run(_run(backend, url, tmp, args.products, args.requests, args.profile))
    print(f"\nin-process CPU per request at {args.products} products ({args.requests} requests each)")
    print(f"{'backend':<10} {'scenario':<14} {'CPU µs/req':>11} {'SQL/req':>8} {'bare ÷ this':>12}")
    for backend, rows in results.items():
        bare = rows["bare"][0]
        for name, (cpu, sql) in rows.items():
            print(f"{backend:<10} {name:<14} {cpu * 1e6:>11.0f} {sql:>8.2f} {bare / cpu:>12.3f}")
    print(
        "bare = a FastAPI route answering fixed bytes, called the same way in the same run; SQL/req counts the\n"
        "statements sent through the engine (PostgreSQL's version reader is one round trip outside it)."
    )


if __name__ == "__main__":
    main()
