"""The transactional outbox, the relay, and idempotent consumers, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from ecovarejo.core.bus import InProcessBus
from ecovarejo.core.consumers import Consumer, Outcome, deliver
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.models import DeadLetter, OutboxEvent
from ecovarejo.core.relay import Relay, relay_once
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import needs_pg
from tests.support import Probe, create_probe_table, make_tenant


class RecordingBus:
    """A bus that records what the relay publishes; optionally slow, to widen race windows."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.published: list[dict[str, Any]] = []

    async def publish(self, topic: str, envelope: dict[str, Any]) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.published.append(envelope)


async def _unpublished(container: Container) -> int:
    async with container.db.system_session() as s:
        return int(
            await s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None)))
        )


@pytest.fixture
def quiet_settings(settings):  # no relay in the background: the tests drive it
    settings.embedded_workers = False
    return settings


@pytest.fixture
async def c(quiet_settings) -> Container:
    from ecovarejo.bootstrap import build_container

    container = build_container(quiet_settings, contexts=[])
    await container.start()
    await create_probe_table(container.db, quiet_settings.db_app_role)
    yield container
    await container.stop()


async def test_event_envelope_is_cloudevents(c: Container) -> None:
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        ev = uow.emit("order-events", "order.placed", {"order_id": "1"}, subject="orders/1")
        await uow.commit()
    async with c.db.system_session() as s:
        row = await s.get(OutboxEvent, ev.id)
    env = row.envelope
    assert env["specversion"] == "1.0"
    assert env["type"] == "ecovarejo.order.placed"
    assert env["id"] == str(ev.id) and env["tenantid"] == str(tenant) and env["subject"] == "orders/1"
    assert env["time"].endswith("Z") and env["data"] == {"order_id": "1"}
    assert Event.from_envelope(env) == ev


async def test_unknown_topic_is_refused(c: Container) -> None:
    async with c.uow(await make_tenant(c)) as uow:
        with pytest.raises(ValueError):
            uow.emit("no-such-topic", "x", {})


async def test_rolled_back_transaction_leaves_no_event(c: Container) -> None:
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        uow.session.add(Probe(label="x"))
        uow.emit("order-events", "order.placed", {})
        await uow.flush()
        await uow.rollback()
    with pytest.raises(RuntimeError):
        async with c.uow(tenant) as uow:
            uow.emit("order-events", "order.placed", {})
            raise RuntimeError("handler failed before commit")
    assert await _unpublished(c) == 0
    bus = RecordingBus()
    assert await relay_once(c.db, bus) == 0 and bus.published == []


async def test_relay_killed_before_publish_publishes_after_restart(c: Container) -> None:
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        ev = uow.emit("order-events", "order.placed", {"n": 1})
        await uow.commit()
    stuck = RecordingBus(delay=30)
    relay = Relay(c.db, stuck)
    relay.start()
    await asyncio.sleep(0.2)  # the relay has read the row and hangs in publish
    await relay.kill()
    assert stuck.published == []
    assert await _unpublished(c) == 1
    bus = RecordingBus()
    assert await relay_once(c.db, bus) == 1
    assert [e["id"] for e in bus.published] == [str(ev.id)]
    assert await _unpublished(c) == 0


async def test_transaction_committing_after_a_later_one_is_still_published(c: Container) -> None:
    tenant = await make_tenant(c)
    bus = RecordingBus()
    early = UnitOfWork(c.db, tenant)
    first = early.emit("order-events", "order.placed", {"n": "early"})
    if c.db.is_postgres:
        await early.flush()  # holds an open transaction with an earlier id
    async with c.uow(tenant) as late:
        second = late.emit("order-events", "order.placed", {"n": "late"})
        await late.commit()
    assert first.id < second.id
    await relay_once(c.db, bus)
    await early.commit()
    await early.close()
    await relay_once(c.db, bus)
    assert [e["id"] for e in bus.published] == [str(second.id), str(first.id)]


@needs_pg
@pytest.mark.parametrize("backend", ["postgres"])
async def test_two_relays_never_publish_the_same_row(c: Container, backend: str) -> None:
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        ids = [uow.emit("order-events", "order.placed", {"n": i}).id for i in range(60)]
        await uow.commit()
    bus = RecordingBus(delay=0.005)

    async def drain() -> None:
        while await relay_once(c.db, bus, batch=7):
            pass

    await asyncio.gather(drain(), drain(), drain())
    counts = Counter(e["id"] for e in bus.published)
    assert set(counts) == {str(i) for i in ids}
    assert max(counts.values()) == 1


async def _effect_count(c: Container, tenant: uuid.UUID, label: str) -> int:
    async with c.uow(tenant, read_only=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Probe).where(Probe.label == label)))


def _probe_consumer(calls: list[str], fail_times: int = 0) -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        calls.append(str(event.id))
        uow.session.add(Probe(label=f"effect-{event.id}"))
        await uow.flush()
        if len(calls) <= fail_times:
            raise RuntimeError("transient failure")

    return Consumer("probe-writer", ("order-events",), handler, frozenset({"order.placed"}))


async def test_message_delivered_twice_has_one_effect(c: Container) -> None:
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        ev = uow.emit("order-events", "order.placed", {})
        await uow.commit()
    calls: list[str] = []
    consumer = _probe_consumer(calls)
    first = await deliver(c.db, consumer, ev, attempt=1, max_attempts=3)
    second = await deliver(c.db, consumer, ev, attempt=1, max_attempts=3)
    concurrent = await asyncio.gather(*(deliver(c.db, consumer, ev, attempt=1, max_attempts=3) for _ in range(5)))
    assert first is Outcome.DONE and second is Outcome.DUPLICATE
    assert set(concurrent) == {Outcome.DUPLICATE}
    assert await _effect_count(c, tenant, f"effect-{ev.id}") == 1


async def test_failure_rolls_back_effect_retries_then_succeeds(c: Container) -> None:
    tenant = await make_tenant(c)
    calls: list[str] = []
    bus = InProcessBus(c.db, max_attempts=5, backoff_base=0.01)
    bus.subscribe(_probe_consumer(calls, fail_times=2))
    async with c.uow(tenant) as uow:
        ev = uow.emit("order-events", "order.placed", {})
        await uow.commit()
    await relay_once(c.db, bus)
    await bus.drain()
    assert len(calls) == 3
    assert await _effect_count(c, tenant, f"effect-{ev.id}") == 1


async def test_exhausted_retries_land_in_dead_letters(c: Container) -> None:
    tenant = await make_tenant(c)
    calls: list[str] = []
    bus = InProcessBus(c.db, max_attempts=3, backoff_base=0.01)
    bus.subscribe(_probe_consumer(calls, fail_times=99))
    async with c.uow(tenant) as uow:
        ev = uow.emit("order-events", "order.placed", {"x": 1})
        await uow.commit()
    await relay_once(c.db, bus)
    await bus.drain()
    assert len(calls) == 3
    assert await _effect_count(c, tenant, f"effect-{ev.id}") == 0
    async with c.db.system_session() as s:
        dead = (await s.scalars(select(DeadLetter))).all()
    assert [(d.consumer, d.event_id, d.attempts) for d in dead] == [("probe-writer", ev.id, 3)]
    assert "transient failure" in dead[0].error
