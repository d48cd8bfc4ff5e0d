"""Rate-limit counters: fixed windows per period (Kong's default), in-process or shared through Redis.

A request is counted in every window of its limit (minute and hour) at once, only when none of them is
exhausted, atomically: a Lua script on Redis (so N API processes hold one limit), plain dict operations
without an ``await`` in between in-process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

log = structlog.get_logger("ecovarejo.gateway")

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Usage:
    """Per period: (limit, remaining after this request, seconds until the window resets)."""

    periods: dict[str, tuple[int, int, int]]
    blocked: bool

    def tightest(self) -> tuple[str, int, int, int]:
        """The window with the least remaining (ties: the one resetting last): what ``RateLimit-*`` report."""
        name = min(self.periods, key=lambda p: (self.periods[p][1], -self.periods[p][2]))
        limit, remaining, reset = self.periods[name]
        return name, limit, remaining, reset


class Counter(Protocol):
    async def hit(self, key: str, limits: dict[str, int], now: float | None = None) -> Usage: ...


def _windows(limits: dict[str, int], now: float) -> list[tuple[str, int, int, int]]:
    """(period, limit, window start, seconds to reset) for each period."""
    out = []
    for period, limit in limits.items():
        size = PERIODS[period]
        start = int(now // size) * size
        out.append((period, limit, start, max(1, start + size - int(now))))
    return out


class MemoryCounter:
    """Counters of this process only (embedded mode)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._ops = 0

    async def hit(self, key: str, limits: dict[str, int], now: float | None = None) -> Usage:
        now = time.time() if now is None else now
        wins = _windows(limits, now)
        keys = [f"{key}:{p}:{start}" for p, _, start, _ in wins]
        counts = [self._get(k, now) for k in keys]
        blocked = any(c >= lim for c, (_, lim, _, _) in zip(counts, wins, strict=True))
        if not blocked:
            for k, c, (p, _, start, _) in zip(keys, counts, wins, strict=True):
                self._counts[k] = (start + PERIODS[p], c + 1)
            counts = [c + 1 for c in counts]
        self._ops += 1
        if self._ops % 1024 == 0:
            self._prune(now)
        return Usage(
            {p: (lim, max(0, lim - c), reset) for c, (p, lim, _, reset) in zip(counts, wins, strict=True)}, blocked
        )

    def _get(self, key: str, now: float) -> int:
        entry = self._counts.get(key)
        if entry is None or entry[0] <= now:
            return 0
        return entry[1]

    def _prune(self, now: float) -> None:
        for k in [k for k, (exp, _) in self._counts.items() if exp <= now]:
            del self._counts[k]


# KEYS: one counter per window; ARGV: limit_1, ttl_1, limit_2, ttl_2, ...
# Returns {blocked, count_1, count_2, ...} (counts after this request when not blocked).
_LUA = """
local counts = {}
local blocked = 0
for i, key in ipairs(KEYS) do
  local c = tonumber(redis.call('GET', key) or '0')
  counts[i] = c
  if c >= tonumber(ARGV[2 * i - 1]) then blocked = 1 end
end
if blocked == 0 then
  for i, key in ipairs(KEYS) do
    counts[i] = redis.call('INCR', key)
    if counts[i] == 1 then redis.call('EXPIRE', key, tonumber(ARGV[2 * i])) end
  end
end
table.insert(counts, 1, blocked)
return counts
"""


class RedisCounter:
    """Counters in Redis, shared by every API process (scale-out)."""

    def __init__(self, redis: Any, prefix: str = "ev:rl") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_LUA)

    async def hit(self, key: str, limits: dict[str, int], now: float | None = None) -> Usage:
        now = time.time() if now is None else now
        wins = _windows(limits, now)
        keys = [f"{self.prefix}:{key}:{p}:{start}" for p, _, start, _ in wins]
        args: list[int] = []
        for p, lim, _, _ in wins:
            args += [lim, PERIODS[p] + 5]
        res = await self._script(keys=keys, args=args)
        blocked = bool(int(res[0]))
        counts = [int(c) for c in res[1:]]
        return Usage(
            {p: (lim, max(0, lim - c), reset) for c, (p, lim, _, reset) in zip(counts, wins, strict=True)}, blocked
        )
