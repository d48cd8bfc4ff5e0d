"""Scheduled jobs in every mode: the embedded ``serve`` (app lifespan), the worker, and several
processes on one PostgreSQL database (one runs a job at a time: advisory lock)."""

from __future__ import annotations

import asyncio

import pytest

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.jobs import job_lease, run_job_once, start_jobs
from tests.conftest import needs_pg
from tests.support import eventually


def _spec(runs: list[str], who: str = "p", pause: float = 0.0) -> ContextSpec:
    async def job(container) -> None:
        runs.append(f"{who}:start")
        try:
            await asyncio.sleep(pause)
        finally:  # a run cancelled by its container's stop ends there (and its lock goes with it)
            runs.append(f"{who}:end")

    return ContextSpec(name="probe", jobs=[("probe.tick", 0.05, job)])


async def test_embedded_serve_runs_the_scheduled_jobs(settings) -> None:
    settings.embedded_workers = True
    runs: list[str] = []
    container = build_container(settings, contexts=[_spec(runs)])
    app = create_app(container=container)
    async with app.router.lifespan_context(app):
        await eventually(lambda: runs.count("p:end") >= 2, timeout=20)
        assert "job:probe.tick" in container.tasks.names()
    assert container.tasks.names() == []  # the server's stop ended them


async def test_a_process_without_embedded_workers_leaves_jobs_to_the_worker(settings) -> None:
    settings.embedded_workers = False
    runs: list[str] = []
    container = build_container(settings, contexts=[_spec(runs)])
    app = create_app(container=container)
    async with app.router.lifespan_context(app):
        assert "job:probe.tick" not in container.tasks.names()
    # the worker (``ecovarejo worker``) starts them the same way
    worker = build_container(settings, contexts=[_spec(runs, "w")], run_consumers=True)
    await worker.start()
    start_jobs(worker)
    await eventually(lambda: runs.count("w:end") >= 2, timeout=20)
    await worker.stop()
    assert not any(r.startswith("p:") for r in runs)


@needs_pg
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_processes_sharing_postgresql_run_a_job_one_at_a_time(settings) -> None:
    runs: list[str] = []
    a = build_container(settings, contexts=[_spec(runs, "a", pause=0.2)])
    b = build_container(settings, contexts=[_spec(runs, "b", pause=0.2)])
    for c in (a, b):
        await c.start()
        start_jobs(c)
    await eventually(lambda: runs.count("a:end") + runs.count("b:end") >= 8, timeout=60)
    for c in (a, b):
        await c.stop()
    inside: str | None = None
    for r in runs:  # never two runs at once: every start is followed by its own end
        who, what = r.split(":")
        if what == "start":
            assert inside is None, runs
            inside = who
        else:
            assert inside == who, runs
            inside = None


@needs_pg
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_lock_is_the_jobs_and_goes_with_its_holder(settings) -> None:
    a = build_container(settings, contexts=[])
    b = build_container(settings, contexts=[])
    ran: list[str] = []

    async def job(container) -> None:
        ran.append("b")

    async with job_lease(a.db, "probe.lock") as mine:
        assert mine
        assert not await run_job_once(b, "probe.lock", job)  # another process holds it
        assert await run_job_once(b, "probe.other", job)  # other jobs are free
    assert await run_job_once(b, "probe.lock", job)  # released with the lease
    assert ran == ["b", "b"]
    await a.db.dispose()
    await b.db.dispose()
