"""Scheduled jobs of the contexts (certification expiry, reservation expiry...), run by workers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from .core.container import Container

log = structlog.get_logger("ecovarejo.jobs")


def start_jobs(container: Container) -> list[asyncio.Task[None]]:
    """Start every context's jobs as tasks of the container (``Container.stop`` cancels them)."""
    return [
        container.tasks.spawn(_every(container, name, interval, fn), name=f"job:{name}")
        for spec in container.ports.get("contexts", [])
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


async def _every(container: Container, name: str, interval: float, fn: Callable[[Container], Awaitable[None]]) -> None:
    while True:
        try:
            await fn(container)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job_failed", job=name)
        await asyncio.sleep(interval)
