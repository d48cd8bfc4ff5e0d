"""The serving cache: a promoted model is read once and then served from memory; with Redis the
artifact is shared, so a process without the file (another machine) still loads it; no model, or a
broken lookup, is ``None`` (the callers' fallback), never an error."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis

from ecovarejo.ml.registry import ModelStore
from tests.conftest import REDIS_URL, needs_redis


async def test_memory_cache_and_fallbacks(tmp_path) -> None:
    tid, calls = uuid.uuid4(), []
    promoted: dict[str, tuple[int, str]] = {}

    async def lookup(tenant_id: uuid.UUID, name: str) -> tuple[int, str] | None:
        calls.append(name)
        return promoted.get(name)

    store = ModelStore(tmp_path, lookup, ttl=3600)
    assert await store.get(tid, "recommendations") is None
    assert await store.get(tid, "recommendations") is None and calls == ["recommendations"]  # cached miss
    path = await store.save(tid, "fraud", 1, {"weights": [1, 2, 3]})
    promoted["fraud"] = (1, path)
    assert await store.get(tid, "fraud") == {"weights": [1, 2, 3]}
    assert await store.get(tid, "fraud") == {"weights": [1, 2, 3]} and calls.count("fraud") == 1

    async def broken(tenant_id: uuid.UUID, name: str) -> tuple[int, str] | None:
        raise ConnectionError("database down")

    down = ModelStore(tmp_path, broken, ttl=0)
    assert await down.get(tid, "fraud") is None  # never raises
    down.promoted(tid, "fraud", 1, "in memory")
    assert await down.get(tid, "fraud") == "in memory"  # keeps serving what it has


@needs_redis
async def test_redis_shares_artifacts_between_processes(tmp_path) -> None:
    tid = uuid.uuid4()
    r1 = aioredis.from_url(REDIS_URL, decode_responses=False)
    r2 = aioredis.from_url(REDIS_URL, decode_responses=False)
    try:
        writer = ModelStore(tmp_path / "a", lambda *_: _none(), redis=r1)
        path = await writer.save(tid, "recommendations", 3, ["model", 3])

        async def lookup(tenant_id: uuid.UUID, name: str) -> tuple[int, str] | None:
            return 3, path

        reader = ModelStore(tmp_path / "b", lookup, redis=r2)  # another machine: no such file here
        assert not (tmp_path / "b" / path).exists()
        assert await reader.get(tid, "recommendations") == ["model", 3]
    finally:
        await r1.aclose()
        await r2.aclose()


async def _none() -> None:
    return None
