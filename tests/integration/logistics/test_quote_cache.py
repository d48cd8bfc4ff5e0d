"""The carriers' answers are shared through Redis when it is configured: a second API process (a second
engine) quoting the same parcel and destination does not ask the carrier again; a broken cache is a
miss, never an error; the embedded mode keeps its in-process cache."""

from __future__ import annotations

import uuid
from decimal import Decimal

import redis.asyncio as aioredis

from ecovarejo.logistics.carriers.base import CarrierOption, PickupSpot, QuoteRequest
from ecovarejo.logistics.carriers.table_rate import TableRateCarrier
from ecovarejo.logistics.config import Carriers, default_document
from ecovarejo.logistics.packaging import Parcel
from ecovarejo.logistics.quote_cache import MemoryQuoteCache, QuoteCache, RedisQuoteCache
from ecovarejo.logistics.quotes import QuoteEngine
from tests.conftest import REDIS_URL, needs_redis


class CountingCarrier:
    name = "correios"

    def __init__(self) -> None:
        self.calls = 0

    async def quote(self, req: QuoteRequest) -> list[CarrierOption]:
        self.calls += 1
        point = PickupSpot("ag-1", "Agência Centro", "agency", "Rua A", "1", "Centro", "Rio", "RJ", "20040020")
        return [CarrierOption("correios", "03298", "PAC", Decimal("30.50"), 4, 7, company="Correios", pickup=True,
                              point=point)]  # fmt: skip


def _engine(carrier: CountingCarrier, cache: QuoteCache) -> QuoteEngine:
    return QuoteEngine(carriers={"table_rate": TableRateCarrier(), "correios": carrier}, secret=b"s", cache=cache)  # type: ignore[dict-item]


async def _quote(engine: QuoteEngine, tenant: uuid.UUID) -> list[tuple[str, str, str]]:
    doc = default_document().model_copy(update={"carriers": Carriers(table_rate=False, correios=["03298"])})
    q = await engine.quote(
        tenant_id=tenant, version=1, doc=doc, destination_cep="20040020", destination_state="RJ",
        parcel=Parcel(600, 20, 15, 10, Decimal("80.00"), 1), goods_total=Decimal("80.00"),
    )  # fmt: skip
    assert all(o.pickup and o.pickup["name"] == "Agência Centro" for o in q.options)  # the point survives the cache
    return [(o.carrier, o.service, str(o.price)) for o in q.options]


@needs_redis
async def test_two_processes_share_the_carriers_answers_through_redis() -> None:
    redis = aioredis.from_url(REDIS_URL)
    prefix = f"ev:test:shipq:{uuid.uuid4().hex}"
    tenant = uuid.uuid4()
    try:
        carrier = CountingCarrier()
        first = _engine(carrier, RedisQuoteCache(redis, prefix))
        second = _engine(carrier, RedisQuoteCache(redis, prefix))  # another process, an empty memory
        assert await _quote(first, tenant) == [("correios", "03298", "30.50")]
        assert await _quote(second, tenant) == [("correios", "03298", "30.50")]
        assert carrier.calls == 1
        other = uuid.uuid4()
        assert await _quote(second, other) and carrier.calls == 2  # another tenant: its own entry
        await first.cache.clear(tenant)  # one tenant's answers only
        await _quote(second, tenant)
        assert carrier.calls == 3
        await _quote(second, other)
        assert carrier.calls == 3
    finally:
        await RedisQuoteCache(redis, prefix).clear()
        await redis.aclose()


async def test_a_broken_cache_is_a_miss_and_memory_is_per_process() -> None:
    broken = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    carrier = CountingCarrier()
    engine = _engine(carrier, RedisQuoteCache(broken))
    assert await _quote(engine, uuid.uuid4()) == [("correios", "03298", "30.50")]
    await broken.aclose()
    local = _engine(carrier, MemoryQuoteCache())
    tenant = uuid.uuid4()
    await _quote(local, tenant)
    await _quote(local, tenant)
    assert carrier.calls == 2  # one for the broken cache, one for the memory cache's first miss
