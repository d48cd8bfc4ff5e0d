"""Container lifecycle: every task named and ended by ``stop``, work in hand finished, stop bounded."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from ecovarejo.bootstrap import build_container
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import needs_nats
from tests.support import Probe, create_probe_table, eventually, make_tenant


async def _effects(container, tenant, label: str) -> int:
    async with container.uow(tenant, read_only=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Probe).where(Probe.label == label)))


async def test_running_container_names_its_tasks_and_stop_ends_them_all(settings) -> None:
    settings.embedded_workers = True
    c = build_container(settings)
    await c.start()
    assert "outbox-relay" in c.tasks.names()
    assert all(
        t.get_name() != "" and not t.get_name().startswith("Task-") for t in asyncio.all_tasks() if t in c.tasks._tasks
    )
    await c.stop()
    assert c.tasks.names() == []


async def test_stopping_lets_a_delivery_in_flight_finish(settings) -> None:
    """A container stopped right after a commit with events ends its delivery cleanly: the effect is
    written, no transaction or (SQLite) write lock is left behind."""
    started = asyncio.Event()

    async def slow_handler(uow: UnitOfWork, event: Event) -> None:
        started.set()
        await asyncio.sleep(0.3)
        uow.session.add(Probe(label="slow-effect"))

    settings.embedded_workers = True
    c = build_container(settings, contexts=[])
    c.consumers.append(Consumer("slow", ("order-events",), slow_handler))
    await c.start()
    await create_probe_table(c.db, settings.db_app_role)
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        uow.emit("order-events", "order.placed", {})
        await uow.commit()
    await eventually(started.is_set, timeout=20)
    await asyncio.wait_for(c.stop(), timeout=30)
    again = build_container(settings, contexts=[])
    async with again.uow(tenant) as uow:  # writable at once: nothing was left locked
        uow.session.add(Probe(label="after"))
        await asyncio.wait_for(uow.commit(), timeout=5)
    assert await _effects(again, tenant, "slow-effect") == 1
    await again.db.dispose()


async def test_stop_is_bounded_when_a_delivery_hangs(settings) -> None:
    """A handler that never returns is cancelled after the grace period; stop still ends everything."""
    started = asyncio.Event()

    async def stuck(uow: UnitOfWork, event: Event) -> None:
        started.set()
        await asyncio.Event().wait()

    settings.embedded_workers = True
    c = build_container(settings, contexts=[])
    c.stop_grace = 0.5
    c.consumers.append(Consumer("stuck", ("order-events",), stuck))
    await c.start()
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        uow.emit("order-events", "order.placed", {})
        await uow.commit()
    await eventually(started.is_set, timeout=20)
    await asyncio.wait_for(c.stop(), timeout=20)
    assert c.tasks.names() == []


@needs_nats
async def test_nats_consumer_stop_finishes_the_message_in_hand_and_stops_fetching(probed) -> None:
    from tests.integration.reliability.conftest import Probed

    started = asyncio.Event()
    handled: list[str] = []

    async def slow(uow: UnitOfWork, event: Event) -> None:
        started.set()
        await asyncio.sleep(0.5)
        handled.append(str(event.id))
        uow.session.add(Probe(label=str(event.id)))

    p: Probed = await probed(nats=True, consumer=Consumer("probe", ("order-events",), slow))
    [ev] = await p.emit(1)
    await eventually(started.is_set, timeout=30)
    await asyncio.wait_for(p.container.stop(), timeout=15)
    assert handled == [str(ev.id)]
    assert p.container.tasks.names() == []


async def test_a_failing_stop_step_does_not_leave_tasks_running(settings) -> None:
    """The relay or the bus failing to stop (the database or the broker gone) is logged; the ports are
    still closed and every task still cancelled and awaited."""
    c = build_container(settings)
    await c.start()
    blocked = c.tasks.spawn(asyncio.Event().wait(), name="blocked-forever")

    async def broken_close() -> None:
        raise ConnectionError("broker gone")

    c.bus.close = broken_close  # type: ignore[method-assign]
    await c.stop()
    assert blocked.cancelled() and c.tasks.names() == []
