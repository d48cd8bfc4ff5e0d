"""Scheduled jobs of the contexts (certification expiry, reservation expiry...), run by workers."""

from __future__ import annotations

import asyncio

import structlog

from .core.container import Container

log = structlog.get_logger("ecovarejo.jobs")


async def run_jobs(container: Container) -> None:
    tasks = []
    for spec in container.ports.get("contexts", []):
        for name, interval, fn in spec.jobs:
            tasks.append(asyncio.create_task(_every(container, name, interval, fn), name=f"job:{name}"))
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()


async def _every(container: Container, name: str, interval: float, fn: object) -> None:
    assert callable(fn)
    while True:
        try:
            await fn(container)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job_failed", job=name)
        await asyncio.sleep(interval)
