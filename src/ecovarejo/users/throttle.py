"""Brute-force protection for logins: failure counters per account and per client IP.

After ``FREE_ATTEMPTS`` failures a key is delayed (must wait ``2**(n - FREE_ATTEMPTS)`` seconds, capped,
before the next attempt); after ``LOCK_AFTER`` failures it is locked for ``LOCK_SECONDS``. Counters
expire ``WINDOW`` seconds after the last failure; a success clears the account's counter. The state
lives in Redis when configured (shared by every API process), in-process otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

FREE_ATTEMPTS = 3
LOCK_AFTER = 10
LOCK_SECONDS = 15 * 60
MAX_DELAY = 60
WINDOW = 60 * 60
IP_FACTOR = 5  # an IP (many users behind one NAT) gets this many times the account's allowance


@dataclass(frozen=True)
class Limits:
    free: int = FREE_ATTEMPTS
    lock_after: int = LOCK_AFTER
    lock_seconds: int = LOCK_SECONDS
    max_delay: int = MAX_DELAY


def wait_seconds(failures: int, last_failure: float, now: float, limits: Limits) -> float:
    """Seconds before another attempt is allowed (0: now)."""
    if failures >= limits.lock_after:
        return max(0.0, last_failure + limits.lock_seconds - now)
    if failures >= limits.free:
        delay = float(min(limits.max_delay, 2 ** (failures - limits.free)))
        return max(0.0, last_failure + delay - now)
    return 0.0


class CounterStore(Protocol):
    async def get(self, key: str, now: float) -> tuple[int, float]: ...
    async def fail(self, key: str, now: float) -> tuple[int, float]: ...
    async def clear(self, key: str) -> None: ...


class MemoryCounters:
    """One process's counters, bounded: past ``max_keys`` the expired and then the oldest are dropped."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._data: dict[str, tuple[int, float]] = {}
        self.max_keys = max_keys

    def _prune(self, now: float) -> None:
        self._data = {k: v for k, v in self._data.items() if v[1] + WINDOW >= now}
        if len(self._data) >= self.max_keys:
            keep = sorted(self._data.items(), key=lambda kv: kv[1][1])[len(self._data) // 2 :]
            self._data = dict(keep)

    async def get(self, key: str, now: float) -> tuple[int, float]:
        count, last = self._data.get(key, (0, 0.0))
        if count and last + WINDOW < now:
            self._data.pop(key, None)
            return 0, 0.0
        return count, last

    async def fail(self, key: str, now: float) -> tuple[int, float]:
        count, _ = await self.get(key, now)
        if key not in self._data and len(self._data) >= self.max_keys:
            self._prune(now)
        self._data[key] = (count + 1, now)
        return count + 1, now

    async def clear(self, key: str) -> None:
        self._data.pop(key, None)


class RedisCounters:
    """A hash per key (``n`` failures, ``t`` last failure), updated atomically, expiring after WINDOW."""

    def __init__(self, redis: Any, prefix: str = "ev:login-throttle:") -> None:
        self.redis = redis
        self.prefix = prefix

    async def get(self, key: str, now: float) -> tuple[int, float]:
        raw = await self.redis.hmget(self.prefix + key, "n", "t")
        return (int(raw[0]), float(raw[1])) if raw[0] is not None else (0, 0.0)

    async def fail(self, key: str, now: float) -> tuple[int, float]:
        name = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "n", 1)
            pipe.hset(name, "t", repr(now))
            pipe.expire(name, WINDOW)
            count, _, _ = await pipe.execute()
        return int(count), now

    async def clear(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)


class LoginThrottle:
    def __init__(self, store: CounterStore, *, limits: Limits | None = None, clock: Callable[[], float] = time.time):
        self.store = store
        self.limits = limits or Limits()
        self.ip_limits = Limits(
            free=self.limits.free * IP_FACTOR,
            lock_after=self.limits.lock_after * IP_FACTOR,
            lock_seconds=self.limits.lock_seconds,
            max_delay=self.limits.max_delay,
        )
        self.clock = clock

    @staticmethod
    def _keys(tenant: str, email: str, ip: str | None) -> tuple[str, str | None]:
        return f"acct:{tenant}:{email.strip().lower()}", (f"ip:{tenant}:{ip}" if ip else None)

    async def retry_after(self, tenant: str, email: str, ip: str | None) -> float:
        """Seconds the caller must still wait (0 when an attempt is allowed)."""
        now = self.clock()
        acct, ipkey = self._keys(tenant, email, ip)
        n, last = await self.store.get(acct, now)
        wait = wait_seconds(n, last, now, self.limits)
        if ipkey:
            n, last = await self.store.get(ipkey, now)
            wait = max(wait, wait_seconds(n, last, now, self.ip_limits))
        return wait

    async def failed(self, tenant: str, email: str, ip: str | None) -> None:
        now = self.clock()
        acct, ipkey = self._keys(tenant, email, ip)
        await self.store.fail(acct, now)
        if ipkey:
            await self.store.fail(ipkey, now)

    async def succeeded(self, tenant: str, email: str) -> None:
        acct, _ = self._keys(tenant, email, None)
        await self.store.clear(acct)


def build_throttle(redis: Any) -> LoginThrottle:
    return LoginThrottle(RedisCounters(redis) if redis is not None else MemoryCounters())
