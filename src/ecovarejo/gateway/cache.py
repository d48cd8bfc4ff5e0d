"""The response cache of the ``response-caching`` plugin: in-process or in Redis.

Entries are keyed under a per-tenant *generation*; purging a tenant's catalog bumps its generation, so
every entry of that tenant is gone at once (old ones expire by TTL) without scanning keys.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored_at: float

    def dump(self) -> bytes:
        head = json.dumps(
            {
                "s": self.status,
                "h": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in self.headers],
                "t": self.stored_at,
            }
        ).encode()
        return head + b"\n" + self.body

    @classmethod
    def load(cls, raw: bytes) -> Entry:
        head, _, body = raw.partition(b"\n")
        meta = json.loads(head)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["h"]]
        return cls(int(meta["s"]), headers, body, float(meta["t"]))


class ResponseCache(Protocol):
    async def get(self, tenant: uuid.UUID, key: str) -> Entry | None: ...
    async def put(self, tenant: uuid.UUID, key: str, entry: Entry, ttl: int) -> None: ...
    async def purge(self, tenant: uuid.UUID) -> None: ...


class MemoryCache:
    """Bounded LRU of this process (embedded mode)."""

    def __init__(self, max_entries: int = 2000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._gen: dict[uuid.UUID, int] = {}

    def _key(self, tenant: uuid.UUID, key: str) -> str:
        return f"{tenant}:{self._gen.get(tenant, 0)}:{key}"

    async def get(self, tenant: uuid.UUID, key: str) -> Entry | None:
        k = self._key(tenant, key)
        hit = self._entries.get(k)
        if hit is None:
            return None
        if hit[0] <= time.time():
            del self._entries[k]
            return None
        self._entries.move_to_end(k)
        return hit[1]

    async def put(self, tenant: uuid.UUID, key: str, entry: Entry, ttl: int) -> None:
        k = self._key(tenant, key)
        self._entries[k] = (time.time() + ttl, entry)
        self._entries.move_to_end(k)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def purge(self, tenant: uuid.UUID) -> None:
        self._gen[tenant] = self._gen.get(tenant, 0) + 1
        prefix = f"{tenant}:"
        for k in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[k]


_GET = """
local gen = redis.call('GET', KEYS[1]) or '0'
return redis.call('GET', ARGV[1] .. ':' .. gen .. ':' .. ARGV[2])
"""
_PUT = """
local gen = redis.call('GET', KEYS[1]) or '0'
redis.call('SET', ARGV[1] .. ':' .. gen .. ':' .. ARGV[2], ARGV[3], 'EX', tonumber(ARGV[4]))
return gen
"""


class RedisCache:
    """Entries in Redis, shared by every API process; one purge reaches them all."""

    def __init__(self, redis: Any, prefix: str = "ev:gwc") -> None:
        self.redis = redis
        self.prefix = prefix
        self._get = redis.register_script(_GET)
        self._put = redis.register_script(_PUT)

    def _gen_key(self, tenant: uuid.UUID) -> str:
        return f"{self.prefix}:gen:{tenant}"

    async def get(self, tenant: uuid.UUID, key: str) -> Entry | None:
        raw = await self._get(keys=[self._gen_key(tenant)], args=[f"{self.prefix}:{tenant}", key])
        return Entry.load(raw) if raw else None

    async def put(self, tenant: uuid.UUID, key: str, entry: Entry, ttl: int) -> None:
        await self._put(keys=[self._gen_key(tenant)], args=[f"{self.prefix}:{tenant}", key, entry.dump(), ttl])

    async def purge(self, tenant: uuid.UUID) -> None:
        await self.redis.incr(self._gen_key(tenant))
