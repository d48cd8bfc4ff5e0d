"""The NATS JetStream adapter against a real server: durable consumers, ack, redelivery, dead letters."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from ecovarejo.bootstrap import build_container
from ecovarejo.core.bus import NatsBus
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.models import DeadLetter
from ecovarejo.core.relay import relay_once
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import BROKER_URL, needs_nats
from tests.support import Probe, create_probe_table, make_tenant

pytestmark = needs_nats


async def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
async def setup(settings):
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])
    await container.start()
    await create_probe_table(container.db, settings.db_app_role)
    # A stream of this test's own, so runs never see each other's messages.
    suffix = uuid.uuid4().hex[:8]
    bus = NatsBus(
        BROKER_URL, container.db, stream=f"T{suffix}", subject_prefix=f"t{suffix}", max_attempts=3, backoff_base=0.05
    )
    yield container, bus
    await bus.close()
    await container.stop()


def _consumer(calls: list[str], fail_times: int = 0) -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        calls.append(str(event.id))
        uow.session.add(Probe(label=f"effect-{event.id}"))
        if len(calls) <= fail_times:
            raise RuntimeError("boom")

    return Consumer("nats-probe", ("order-events",), handler)


async def test_published_event_is_consumed_once_even_if_published_twice(setup) -> None:
    container, bus = setup
    calls: list[str] = []
    bus.subscribe(_consumer(calls))
    await bus.start()
    tenant = await make_tenant(container)
    async with container.uow(tenant) as uow:
        ev = uow.emit("order-events", "order.placed", {"k": 1})
        await uow.commit()
    assert await relay_once(container.db, bus) == 1
    # A relay that died between publish and marking publishes the same event again.
    await bus.publish("order-events", ev.envelope())
    await bus.publish("order-events", ev.envelope())

    async def done() -> bool:
        async with container.uow(tenant, read_only=True) as u:
            return (await u.session.scalar(select(func.count()).select_from(Probe))) == 1

    await _wait_for(done)
    await asyncio.sleep(0.5)
    async with container.uow(tenant, read_only=True) as u:
        assert await u.session.scalar(select(func.count()).select_from(Probe)) == 1


async def test_redelivery_after_failure_then_dead_letter(setup) -> None:
    container, bus = setup
    calls: list[str] = []
    bus.subscribe(_consumer(calls, fail_times=1))
    await bus.start()
    tenant = await make_tenant(container)
    async with container.uow(tenant) as uow:
        ok = uow.emit("order-events", "order.placed", {})
        await uow.commit()
    await relay_once(container.db, bus)

    async def effect() -> bool:
        async with container.uow(tenant, read_only=True) as u:
            return bool(
                await u.session.scalar(select(func.count()).select_from(Probe).where(Probe.label == f"effect-{ok.id}"))
            )

    await _wait_for(effect)
    assert calls == [str(ok.id), str(ok.id)]  # failed once, redelivered by JetStream

    calls.clear()
    bus2 = NatsBus(
        BROKER_URL, container.db, stream=bus.stream, subject_prefix=bus.prefix, max_attempts=3, backoff_base=0.05
    )
    await bus.close()
    bus2.subscribe(_consumer(calls, fail_times=99))
    await bus2.start()
    try:
        async with container.uow(tenant) as uow:
            bad = uow.emit("order-events", "order.placed", {})
            await uow.commit()
        await relay_once(container.db, bus2)

        async def dead() -> bool:
            async with container.db.system_session() as s:
                return bool(
                    await s.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.event_id == bad.id))
                )

        await _wait_for(dead)
        assert calls.count(str(bad.id)) == 3
    finally:
        await bus2.close()
