"""The carriers' quote answers, cached per (tenant, configuration version, carrier, origin, destination,
parcel): in-process in the embedded mode, in Redis when it is configured — so that N API processes ask
a carrier once per parcel and destination, not N times, and a process started a minute ago already
has the answers the others got. A cache that fails is a miss (the carrier is asked), never an error.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any, Protocol

import structlog

from .carriers.base import CarrierOption, PickupSpot

log = structlog.get_logger("ecovarejo.logistics.quote_cache")


def cache_key(parts: Sequence[object]) -> str:
    """``<tenant>:<digest of the rest>``: the tenant first, so that one tenant's answers can be dropped."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts[1:]).encode()).hexdigest()[:40]
    return f"{parts[0]}:{digest}"


def dump(options: Sequence[CarrierOption]) -> str:
    return json.dumps([{**asdict(o), "price": str(o.price)} for o in options], separators=(",", ":"))


def load(raw: str | bytes) -> list[CarrierOption]:
    out = []
    for o in json.loads(raw):
        point = PickupSpot(**o["point"]) if o.get("point") else None
        out.append(CarrierOption(**{**o, "price": Decimal(o["price"]), "point": point}))
    return out


class QuoteCache(Protocol):
    async def get(self, key: str) -> list[CarrierOption] | None: ...

    async def put(self, key: str, options: Sequence[CarrierOption], ttl: float) -> None: ...

    async def clear(self, tenant_id: object = None) -> None:
        """Forget one tenant's answers (every tenant's without one)."""
        ...


class MemoryQuoteCache:
    """One process's answers (bounded; the oldest go first)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, list[CarrierOption]]] = OrderedDict()

    async def get(self, key: str) -> list[CarrierOption] | None:
        hit = self._entries.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    async def put(self, key: str, options: Sequence[CarrierOption], ttl: float) -> None:
        self._entries[key] = (time.monotonic() + ttl, list(options))
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def clear(self, tenant_id: object = None) -> None:
        if tenant_id is None:
            self._entries.clear()
            return
        for key in [k for k in self._entries if k.startswith(f"{tenant_id}:")]:
            del self._entries[key]


class RedisQuoteCache:
    """Answers shared by every process through Redis (JSON, expiring with the TTL)."""

    def __init__(self, redis: Any, prefix: str = "ev:shipq") -> None:
        self.redis = redis
        self.prefix = prefix

    async def get(self, key: str) -> list[CarrierOption] | None:
        try:
            raw = await self.redis.get(f"{self.prefix}:{key}")
            return load(raw) if raw else None
        except Exception as exc:  # a cache is an optimisation: ask the carrier
            log.warning("quote_cache_unavailable", error=f"{type(exc).__name__}: {exc}")
            return None

    async def put(self, key: str, options: Sequence[CarrierOption], ttl: float) -> None:
        try:
            await self.redis.set(f"{self.prefix}:{key}", dump(options), ex=max(1, int(ttl)))
        except Exception as exc:
            log.warning("quote_cache_unavailable", error=f"{type(exc).__name__}: {exc}")

    async def clear(self, tenant_id: object = None) -> None:
        match = f"{self.prefix}:{tenant_id}:*" if tenant_id is not None else f"{self.prefix}:*"
        async for k in self.redis.scan_iter(match=match, count=500):
            await self.redis.delete(k)
