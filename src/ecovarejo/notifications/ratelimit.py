"""Per-recipient caps, so that nobody can use the platform to flood an inbox or a phone.

Fixed windows counted per (tenant, channel, address): in Redis when the container has one (shared by
every process), in this process otherwise. Addresses are hashed, so the counters hold no personal data.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any


def _key(tenant_id: uuid.UUID, channel: str, address: str, window: int, now: float) -> str:
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    return f"ev:notify:rl:{tenant_id}:{channel}:{digest}:{int(now // window)}"


class InProcessRateLimiter:
    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self._counts: dict[str, int] = {}

    async def hit(self, tenant_id: uuid.UUID, channel: str, address: str) -> bool:
        """Count one message; ``False`` when the recipient is over the cap for this window."""
        now = time.time()
        key = _key(tenant_id, channel, address, self.window, now)
        current = int(now // self.window)
        if len(self._counts) > 10_000:  # forget past windows
            self._counts = {k: v for k, v in self._counts.items() if k.endswith(f":{current}")}
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key] <= self.limit


class RedisRateLimiter:
    def __init__(self, redis: Any, limit: int, window: int) -> None:
        self.redis = redis
        self.limit = limit
        self.window = window

    async def hit(self, tenant_id: uuid.UUID, channel: str, address: str) -> bool:
        key = _key(tenant_id, channel, address, self.window, time.time())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window + 60)
            count, _ = await pipe.execute()
        return int(count) <= self.limit
