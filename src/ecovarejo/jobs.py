"""Scheduled jobs of the contexts (reservation expiry, checkout recovery, Pix/boleto expiry, key purging,
notification retries...), run by ``ecovarejo worker`` and by the embedded ``serve`` alike.

Several processes may share one database (N API processes, workers): each run of a job takes a
PostgreSQL advisory lock named after the job first, so one process runs it at a time and another takes
over at its next tick if that one dies (the lock goes with its connection). SQLite is one process's.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from sqlalchemy import text

from .core.container import Container
from .core.db import Database

log = structlog.get_logger("ecovarejo.jobs")


def start_jobs(container: Container) -> list[asyncio.Task[None]]:
    """Start every context's jobs as tasks of the container (``Container.stop`` cancels them)."""
    return [
        container.tasks.spawn(_every(container, name, interval, fn), name=f"job:{name}")
        for spec in container.contexts
        for name, interval, fn in spec.jobs
    ]


async def run_jobs(container: Container) -> None:
    """Run the jobs until cancelled."""
    tasks = start_jobs(container)
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.sha256(f"ecovarejo.job:{name}".encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def job_lease(db: Database, name: str) -> AsyncIterator[bool]:
    """``True`` inside when this process may run ``name`` now (it holds the job's advisory lock)."""
    if not db.is_postgres:
        yield True
        return
    key = lock_key(name)
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


async def run_job_once(container: Container, name: str, fn: Callable[[Container], Awaitable[object]]) -> bool:
    """Run ``fn`` if no other process is running job ``name``; ``True`` when it ran here."""
    async with job_lease(container.db, name) as mine:
        if mine:
            await fn(container)
        return mine


#: Jobs at most this often run as soon as a process starts (reservations held past their expiry are
#: freed at once after a restart); rarer ones (retraining, purges) first wait a random part of this.
PROMPT_INTERVAL = 60.0


async def _every(container: Container, name: str, interval: float, fn: Callable[[Container], Awaitable[None]]) -> None:
    if interval > PROMPT_INTERVAL:  # many processes starting together do not all run it at once
        await asyncio.sleep(random.uniform(0.1, 1.0) * min(interval, 5 * PROMPT_INTERVAL))
    while True:
        try:
            await run_job_once(container, name, fn)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job_failed", job=name)
        await asyncio.sleep(interval)
