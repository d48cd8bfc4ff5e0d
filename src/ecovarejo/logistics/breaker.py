"""A small circuit breaker per carrier/provider: after ``failures`` consecutive failures calls are
skipped for ``cooldown`` seconds, then one probe decides (half-open)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CircuitBreaker:
    failures: int = 3
    cooldown: float = 30.0
    clock: Callable[[], float] = time.monotonic
    state: str = "closed"
    count: int = 0
    opened_at: float = 0.0
    probing: bool = field(default=False)

    def allow(self) -> bool:
        if self.state == "closed":
            return True
        if self.state == "open" and self.clock() - self.opened_at >= self.cooldown:
            self.state, self.probing = "half_open", False
        if self.state == "half_open" and not self.probing:
            self.probing = True
            return True
        return False

    def success(self) -> None:
        self.state, self.count, self.probing = "closed", 0, False

    def failure(self) -> None:
        self.count += 1
        if self.state == "half_open" or self.count >= self.failures:
            self.state, self.opened_at, self.probing = "open", self.clock(), False
