"""The outbox relay: publishes committed, unpublished outbox rows to the bus and marks them.

Rows are selected by ``published_at IS NULL`` (not by a high-water mark), so a transaction that
commits after a later one still has its event published. On PostgreSQL the batch is locked with
``FOR UPDATE SKIP LOCKED``, so several relays share the work and never publish one row at once.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy import select, update

from .bus import Bus
from .db import Database, utcnow
from .models import OutboxEvent
from .tasks import TaskRegistry

log = structlog.get_logger("ecovarejo.relay")


async def relay_once(db: Database, bus: Bus, *, batch: int = 100) -> int:
    """Publish up to ``batch`` rows; returns how many were published."""
    if not db.is_postgres:
        return await _relay_once_single(db, bus, batch=batch)
    published = 0
    async with db.system_session() as s:
        q = (
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = (await s.execute(q)).scalars().all()
        for row in rows:
            try:
                await bus.publish(row.topic, row.envelope)
            except Exception as exc:
                log.warning("publish_failed", event_id=str(row.id), error=str(exc))
                break
            row.published_at = utcnow()
            published += 1
        await s.commit()
    return published


async def _relay_once_single(db: Database, bus: Bus, *, batch: int) -> int:
    """SQLite has one writer and one relay: read, publish, then mark, holding no lock while publishing
    (the in-process bus runs consumers that write to the same database)."""
    async with db.session(None, read_only=True) as s:
        q = select(OutboxEvent).where(OutboxEvent.published_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        rows = (await s.execute(q)).scalars().all()
    done = []
    for row in rows:
        try:
            await bus.publish(row.topic, row.envelope)
        except Exception as exc:
            log.warning("publish_failed", event_id=str(row.id), error=str(exc))
            break
        done.append(row.id)
    if done:
        async with db.system_session() as s:
            await s.execute(update(OutboxEvent).where(OutboxEvent.id.in_(done)).values(published_at=utcnow()))
            await s.commit()
    return len(done)


class Relay:
    """Runs :func:`relay_once` in a loop; :meth:`wake` skips the wait after a commit with events.

    While the outbox stays empty the wait between polls doubles from ``interval`` up to
    ``idle_interval``; a batch or a wake-up starts again from ``interval``. An idle relay polled
    ``1/interval`` times a second before (5/s in production, 20/s in tests: ~5 % of a core per idle
    container, the tests' largest fixed cost); a commit in this process (a request's unit of work, a
    consumer's) wakes it at once, so only an event committed by another process waits up to
    ``idle_interval``."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        interval: float = 0.2,
        idle_interval: float | None = None,
        tasks: TaskRegistry | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.interval = interval
        self.idle_interval = max(interval, idle_interval if idle_interval is not None else interval)
        self.tasks = tasks if tasks is not None else TaskRegistry("relay")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        wait = self.interval
        while not self._stopping:
            self._wake.clear()  # before the poll: a commit during it wakes the next wait at once
            try:
                n = await relay_once(self.db, self.bus)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("relay_failed", error=str(exc))
                n = 0
            if n or self._stopping:
                wait = self.interval
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns normally when it is
            # cancelled just as the wake-up fires, swallowing the cancellation (the loop never ends).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            wait = self.interval if self._wake.is_set() else min(wait * 2, self.idle_interval)

    def start(self) -> None:
        self._stopping = False
        self._task = self.tasks.spawn(self.run(), name="outbox-relay")

    async def kill(self) -> None:
        """End at once, wherever the relay is (what a crash does; tests of recovery use it)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})  # not ``await task``: that would swallow our own cancellation

    async def stop(self, grace: float = 5.0) -> None:
        """Stop fetching and let the batch in hand finish (a delivery cut in half would leave its
        transaction, and on SQLite the write lock, behind); cancel it if it overruns ``grace`` seconds."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait({task}, timeout=grace)
        finally:  # overran, or our caller was cancelled: cancel it and wait for it to end
            await self.kill()
