"""The container's task registry: named tasks, supervision with backoff, bounded stop."""

from __future__ import annotations

import asyncio

import pytest

from ecovarejo.core.tasks import TaskRegistry
from tests.support import eventually


async def test_spawned_tasks_are_named_and_forgotten_when_done() -> None:
    tasks = TaskRegistry()
    gate = asyncio.Event()
    t = tasks.spawn(gate.wait(), name="waiter")
    assert t.get_name() == "waiter" and tasks.names() == ["waiter"]
    gate.set()
    await t
    assert tasks.names() == []


async def test_stop_cancels_and_awaits_every_task() -> None:
    tasks = TaskRegistry()
    ended: list[str] = []

    async def forever(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            ended.append(name)

    for n in ("a", "b", "c"):
        tasks.spawn(forever(n), name=n)
    await asyncio.sleep(0)  # they are running
    assert await tasks.stop(grace=5) == []
    assert sorted(ended) == ["a", "b", "c"] and len(tasks) == 0


async def test_stop_is_bounded_and_names_a_task_that_ignores_cancellation() -> None:
    tasks = TaskRegistry()
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue  # the bug this guards against

    t = tasks.spawn(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    assert await tasks.stop(grace=0.1) == ["stubborn"]
    release.set()
    t.cancel()
    await asyncio.wait({t})


async def test_supervised_loop_is_restarted_after_dying_and_its_deaths_counted() -> None:
    deaths: list[str] = []
    tasks = TaskRegistry(on_death=lambda name, exc: deaths.append(f"{name}:{exc}"))
    runs = 0
    steady = asyncio.Event()

    async def loop() -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise ConnectionError(f"boom {runs}")
        steady.set()
        await asyncio.Event().wait()

    tasks.supervise("consumer:x", loop, backoff_base=0.001)
    await eventually(steady.is_set, timeout=5)
    health = tasks.health["consumer:x"]
    assert health.restarts == 2 and health.running and "boom 2" in (health.last_error or "")
    assert deaths == ["consumer:x:boom 1", "consumer:x:boom 2"]
    await tasks.stop()
    assert not health.running


async def test_no_task_starts_while_stopping() -> None:
    tasks = TaskRegistry()

    async def spawn_late() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            with pytest.raises(RuntimeError, match="stopping"):
                tasks.spawn(asyncio.sleep(0), name="late")

    tasks.spawn(spawn_late(), name="first")
    await asyncio.sleep(0)
    assert await tasks.stop() == []
