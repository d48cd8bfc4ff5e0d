"""The background tasks of one container: each one named, supervised if it must keep running, and all
of them cancelled and awaited (with a bounded wait) when the container stops.

A task nobody owns outlives its container: it keeps a database connection (and on SQLite the write
lock) after ``stop``, or hangs the event loop's shutdown. So every task the platform starts (the relay,
bus consumers and retries, the notification dispatcher, scheduled jobs) goes through a
:class:`TaskRegistry`, and the test suite fails any test that leaves a task behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from .db import utcnow

log = structlog.get_logger("ecovarejo.tasks")


@dataclass
class TaskHealth:
    """What a supervised loop reports: how often it died and what killed it last."""

    name: str
    restarts: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    running: bool = False


@dataclass
class TaskRegistry:
    """Named tasks of one owner (the container). ``stop`` cancels and awaits them all, bounded."""

    owner: str = "container"
    _tasks: dict[asyncio.Task[Any], str] = field(default_factory=dict)
    health: dict[str, TaskHealth] = field(default_factory=dict)
    #: Called with (task name, exception) when a supervised loop dies (a metric counts it).
    on_death: Callable[[str, BaseException], None] | None = None
    _stopping: bool = False

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a task named ``name``, owned by this registry until it ends."""
        if self._stopping:
            coro.close()
            raise RuntimeError(f"{self.owner} is stopping: task {name!r} not started")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks[task] = name
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(task, None)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task_failed", task=task.get_name(), error=f"{type(exc).__name__}: {exc}")

    def supervise(
        self,
        name: str,
        run: Callable[[], Awaitable[None]],
        *,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
    ) -> asyncio.Task[Any]:
        """Run ``run()`` until it returns, restarting it (exponential backoff with jitter) whenever it
        raises; every death is logged and counted in :attr:`health`."""
        health = self.health.setdefault(name, TaskHealth(name))
        return self.spawn(self._supervised(health, run, backoff_base, backoff_cap), name=name)

    async def _supervised(
        self, health: TaskHealth, run: Callable[[], Awaitable[None]], base: float, cap: float
    ) -> None:
        failures = 0
        while True:
            health.running = True
            started = asyncio.get_running_loop().time()
            try:
                await run()
            except asyncio.CancelledError:
                health.running = False
                raise
            except Exception as exc:
                error: BaseException = exc
            else:  # it ended by design (its owner is closing)
                health.running = False
                return
            health.running = False
            health.restarts += 1
            health.last_error = f"{type(error).__name__}: {error}"[:500]
            health.last_error_at = utcnow()
            if self.on_death is not None:
                with contextlib.suppress(Exception):
                    self.on_death(health.name, error)
            # a loop that ran a good while before dying starts its backoff over
            failures = 1 if asyncio.get_running_loop().time() - started > 60 else failures + 1
            delay = min(cap, base * 2 ** (failures - 1)) * random.uniform(0.5, 1.0)  # jitter
            log.error(
                "task_died",
                task=health.name,
                restarts=health.restarts,
                error=health.last_error,
                retry_in=round(delay, 2),
            )
            await asyncio.sleep(delay)

    def names(self) -> list[str]:
        return sorted(self._tasks.values())

    def __len__(self) -> int:
        return len(self._tasks)

    async def stop(self, grace: float = 5.0) -> list[str]:
        """Cancel every task and wait for them at most ``grace`` seconds; returns the names of those
        that did not end (they swallow cancellation or block in a thread), after logging them."""
        self._stopping = True
        try:
            pending = set(self._tasks)
            for task in pending:
                task.cancel()
            if pending:
                _, still = await asyncio.wait(pending, timeout=grace)
            else:
                still = set()
            left = sorted(t.get_name() for t in still)
            if left:
                log.error("tasks_outlived_stop", owner=self.owner, tasks=left, grace=grace)
            return left
        finally:
            self._stopping = False
