"""Shipping quote latency: table rates (no network) and three carriers quoted concurrently, one of
them slow, each beside a baseline measured in the same run. Prints; never asserts on time.

python -m bench.bench_shipping [--n 300]

- **table rates**: the whole quote use case on SQLite (configuration, package sizes, catalog prices,
  packing, rates, emissions, signed option ids) vs. a bare read transaction (``SELECT 1``) on the same
  database. Target: p99 ≤ 20 ms.
- **three carriers**: Correios and Melhor Envio fakes (speaking their real HTTP APIs on localhost, with
  a set latency) and a third carrier that answers after 5 s, quoted at once behind the engine's timeout
  and circuit breaker, quote cache off, vs. the slowest healthy carrier called alone. Target: p99 ≤ the
  slowest healthy carrier's p99 + 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HEALTHY_MS = {"correios": 40, "melhorenvio": 60}


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


WARMUP: dict[str, float] = {}


async def _timed(n: int, fn: Callable[[], Awaitable[Any]]) -> list[float]:
    worst = 0.0
    for _ in range(min(20, n)):  # warm up connections and code paths (and, below, open the slow one's breaker)
        t = time.perf_counter()
        await fn()
        worst = max(worst, (time.perf_counter() - t) * 1000)
    WARMUP[getattr(fn, "__name__", "?")] = worst
    out = []
    for _ in range(n):
        t = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _row(name: str, ms: list[float]) -> tuple[float, float]:
    p50, p99 = statistics.median(ms), _pct(ms, 0.99)
    print(f"  {name:<44} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms")
    return p50, p99


class _Item:
    def __init__(self, price: str) -> None:
        self.unit_price, self.is_active = Decimal(price), True


class _Catalog:
    async def get_sellables(self, uow: Any, skus: Any) -> dict[str, _Item]:
        return {s: _Item("79.90") for s in skus}


async def table_rates(n: int, data_dir: Path) -> None:
    from sqlalchemy import text

    from ecovarejo.bootstrap import build_container
    from ecovarejo.core import migrate
    from ecovarejo.core.settings import Settings
    from ecovarejo.logistics import public
    from ecovarejo.logistics.plugin import install_logistics
    from ecovarejo.logistics.settings import LogisticsSettings
    from ecovarejo.seed import ensure_tenant

    settings = Settings(data_dir=data_dir, log_level="WARNING", secret_key="bench")
    migrate.upgrade(settings)
    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        tenant = await ensure_tenant(container, "default")
        ports = install_logistics(container, LogisticsSettings(cep_provider="offline"))
        ports.catalog = _Catalog()
        lines = {"CAMISETA": 2, "GARRAFA": 1}

        async def bare() -> None:
            async with container.uow(tenant.id, read_only=True) as uow:
                await uow.session.execute(text("SELECT 1"))

        async def quote() -> None:
            q = await public.quote(container, tenant.id, "69005-040", lines)
            assert q.options

        print("table rates (SQLite, in process):")
        base, _ = _row("baseline: read transaction SELECT 1", await _timed(n, bare))
        p50, p99 = _row("quote (table rates, 3 services)", await _timed(n, quote))
        print(f"  ratio p50 quote/baseline {p50 / base:.1f}x; p99 {p99:.2f} ms (target <= 20 ms)")
    finally:
        await container.stop()


async def three_carriers(n: int) -> None:
    from tests.integration.logistics.fakes import serve
    from tests.integration.logistics.fakes.correios import CorreiosFake
    from tests.integration.logistics.fakes.melhorenvio import TOKEN, MelhorEnvioFake

    from ecovarejo.core.outbound import OutboundPolicy, outbound_client
    from ecovarejo.logistics.carriers.correios import CorreiosCarrier
    from ecovarejo.logistics.carriers.melhorenvio import MelhorEnvioCarrier
    from ecovarejo.logistics.carriers.table_rate import TableRateCarrier
    from ecovarejo.logistics.config import Carriers, default_document
    from ecovarejo.logistics.packaging import Parcel
    from ecovarejo.logistics.quotes import QuoteEngine

    class AllEnabled(QuoteEngine):
        def enabled(self, doc: Any) -> list[str]:
            return list(self.carriers)

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def never_in_time(request: Any) -> JSONResponse:
        await asyncio.sleep(5.0)
        return JSONResponse([])

    slow_app = Starlette(routes=[Route("/api/v2/me/shipment/calculate", never_in_time, methods=["POST"])])
    correios, me = CorreiosFake(), MelhorEnvioFake()
    correios.delay, me.delay = HEALTHY_MS["correios"] / 1000, HEALTHY_MS["melhorenvio"] / 1000
    with serve(correios.app()) as c_url, serve(me.app()) as m_url, serve(slow_app) as s_url:  # type: ignore[arg-type]
        http = outbound_client(OutboundPolicy(allow_http=True).trusting(c_url, m_url, s_url), timeout=10.0)
        carriers: dict[str, Any] = {
            "table_rate": TableRateCarrier(),
            "correios": CorreiosCarrier(c_url, http, user="u", access_code="a", postcard="1", timeout=2.0),
            "melhorenvio": MelhorEnvioCarrier(m_url, http, token=TOKEN, user_agent="bench", timeout=2.0),
            "slow": MelhorEnvioCarrier(s_url, http, token=TOKEN, user_agent="bench", timeout=10.0),
        }
        engine = AllEnabled(carriers=carriers, secret=b"bench", timeout=1.0, cache_ttl=0.0)
        degraded: list[int] = []
        doc = default_document().model_copy(
            update={"carriers": Carriers(table_rate=True, correios=["03298", "03220"], melhorenvio=[1, 2, 3])}
        )
        parcel = Parcel(1500, 30, 20, 15, Decimal("159.80"), 2)
        tid = uuid.uuid4()

        from ecovarejo.logistics.carriers.base import QuoteRequest

        req = QuoteRequest(doc.origin, "20040020", "RJ", parcel, doc, 430.0)

        async def correios_alone() -> None:
            await carriers["correios"].quote(req)

        async def melhorenvio_alone() -> None:
            await carriers["melhorenvio"].quote(req)

        async def all_three() -> None:
            q = await engine.quote(tenant_id=tid, version=1, doc=doc, destination_cep="20040020",
                                   destination_state="RJ", parcel=parcel, goods_total=Decimal("159.80"))  # fmt: skip
            degraded.append(len({"correios", "melhorenvio"} & set(q.degraded)))

        print(f"three carriers (fakes over HTTP; healthy latencies {HEALTHY_MS} ms, a third answers after 5 s):")
        _, c99 = _row("baseline: Correios alone (PAC + SEDEX)", await _timed(n, correios_alone))
        _, m99 = _row("baseline: Melhor Envio alone", await _timed(n, melhorenvio_alone))
        base99 = max(c99, m99)
        _p50, p99 = _row("quote: all at once, slow one cut and broken", await _timed(n, all_three))
        print(
            f"  p99 - slowest healthy carrier's p99 = {p99 - base99:+.2f} ms (target <= +10 ms); "
            f"ratio {p99 / base99:.2f}x"
        )
        print(
            f"  warm-up worst (slow carrier cut at the 1 s timeout until its breaker opened): "
            f"{WARMUP['all_three']:.0f} ms; breaker now {engine.breaker('slow').state}; "
            f"quotes that lost a healthy carrier: {sum(1 for d in degraded if d)} of {len(degraded)}"
        )
        await http.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(table_rates(args.n, Path(tmp)))
    asyncio.run(three_carriers(args.n))


if __name__ == "__main__":
    main()
