"""The bus contract, run against every real broker adapter: NATS JetStream and Kafka (Tansu in CI).

Each adapter must: consume a published event once in effect even when it is published twice; redeliver
after a failure and dead-letter after the last attempt; keep one aggregate's events in order; give every
consumer (group) every event while processes of the same consumer share them; and resume after a
restart from what was committed after the inbox write.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ecovarejo.bootstrap import build_bus, build_container
from ecovarejo.core.bus import Bus, NatsBus
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.kafka_bus import KafkaBus, bootstrap_servers
from ecovarejo.core.models import DeadLetter
from ecovarejo.core.relay import relay_once
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import BROKER_URL, KAFKA_URL, needs_kafka, needs_nats
from tests.support import Probe, create_probe_table, eventually, make_tenant

BROKERS = [pytest.param("nats", id="nats", marks=needs_nats), pytest.param("kafka", id="kafka", marks=needs_kafka)]

BusFactory = Callable[..., Any]


@pytest.fixture(params=BROKERS)
async def setup(request: pytest.FixtureRequest, settings: Any) -> AsyncIterator[tuple[Container, BusFactory]]:
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])
    await container.start()
    await create_probe_table(container.db, settings.db_app_role)
    # Streams/topics of this test's own, so runs never see each other's messages.
    suffix = uuid.uuid4().hex[:8]
    made: list[Any] = []

    def make(**kw: Any) -> Any:
        opts = {"max_attempts": 3, "backoff_base": 0.05} | kw
        bus: Any
        if request.param == "nats":
            bus = NatsBus(BROKER_URL, container.db, stream=f"T{suffix}", subject_prefix=f"t{suffix}", **opts)
        else:
            bus = KafkaBus(
                KAFKA_URL, container.db, topic_prefix=f"t{suffix}.", partitions=3, session_timeout_ms=3000, **opts
            )
        made.append(bus)
        return bus

    yield container, make
    for bus in made:
        await bus.close()
    await container.stop()


def _consumer(calls: list[str], fail_times: int = 0, name: str = "probe") -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        calls.append(str(event.id))
        uow.session.add(Probe(label=f"{name}-{event.id}"))
        if len(calls) <= fail_times:
            raise RuntimeError("boom")

    return Consumer(name, ("order-events",), handler)


async def _probes(container: Container, tenant: uuid.UUID, prefix: str = "") -> int:
    async with container.uow(tenant, read_only=True) as u:
        q = select(func.count()).select_from(Probe)
        if prefix:
            q = q.where(Probe.label.startswith(prefix))
        return int(await u.session.scalar(q) or 0)


async def _emit(container: Container, tenant: uuid.UUID, n: int = 1, subject: str | None = None) -> list[Event]:
    async with container.uow(tenant) as uow:
        events = [uow.emit("order-events", "order.placed", {"n": i}, subject=subject) for i in range(n)]
        await uow.commit()
    return events


async def test_published_event_is_consumed_once_even_if_published_twice(setup) -> None:
    container, make = setup
    bus: Bus = make()
    calls: list[str] = []
    bus.subscribe(_consumer(calls))
    await bus.start()
    await bus.ping()
    tenant = await make_tenant(container)
    [ev] = await _emit(container, tenant)
    assert await relay_once(container.db, bus) == 1
    # A relay that died between publish and marking publishes the same event again.
    await bus.publish("order-events", ev.envelope())
    await bus.publish("order-events", ev.envelope())
    # A later event on the same key is consumed only after the duplicates were dealt with.
    [marker] = await _emit(container, tenant)
    await relay_once(container.db, bus)

    async def marker_done() -> bool:
        return await _probes(container, tenant, f"probe-{marker.id}") == 1

    await eventually(marker_done)
    assert await _probes(container, tenant, f"probe-{ev.id}") == 1


async def test_redelivery_after_failure_then_dead_letter(setup) -> None:
    container, make = setup
    bus = make()
    calls: list[str] = []
    bus.subscribe(_consumer(calls, fail_times=1))
    await bus.start()
    tenant = await make_tenant(container)
    [ok] = await _emit(container, tenant)
    await relay_once(container.db, bus)

    async def effect() -> bool:
        return await _probes(container, tenant, f"probe-{ok.id}") == 1

    await eventually(effect)
    assert calls == [str(ok.id), str(ok.id)]  # failed once, delivered again

    calls.clear()
    await bus.close()
    bus2 = make()
    bus2.subscribe(_consumer(calls, fail_times=99))
    await bus2.start()
    [bad] = await _emit(container, tenant)
    await relay_once(container.db, bus2)

    async def dead() -> bool:
        async with container.db.system_session() as s:
            return bool(
                await s.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.event_id == bad.id))
            )

    await eventually(dead)
    assert calls.count(str(bad.id)) == 3
    assert str(ok.id) not in calls  # the committed event was not delivered again after the restart


async def test_one_aggregate_stays_in_order_and_each_consumer_gets_every_event(setup) -> None:
    container, make = setup
    bus = make()
    seen: dict[str, list[int]] = {"a": [], "b": []}

    def recorder(name: str) -> Consumer:
        async def handler(uow: UnitOfWork, event: Event) -> None:
            seen[name].append(int(event.data["n"]))
            uow.session.add(Probe(label=f"{name}-{event.id}"))

        return Consumer(name, ("order-events",), handler)

    bus.subscribe(recorder("a"))
    bus.subscribe(recorder("b"))
    await bus.start()
    tenant = await make_tenant(container)
    order_id = str(uuid.uuid4())
    await _emit(container, tenant, n=12, subject=order_id)
    await relay_once(container.db, bus)

    async def both() -> bool:
        return await _probes(container, tenant) == 24

    await eventually(both)
    assert seen["a"] == list(range(12))
    assert seen["b"] == list(range(12))


async def test_processes_of_one_consumer_share_the_work_and_resume_after_a_restart(setup) -> None:
    container, make = setup
    calls: list[str] = []
    first, second = make(), make()
    first.subscribe(_consumer(calls))
    second.subscribe(_consumer(calls))
    await first.start()
    await second.start()
    tenant = await make_tenant(container)
    events = []
    for _ in range(10):
        events += await _emit(container, tenant, subject=str(uuid.uuid4()))
    await relay_once(container.db, first)

    async def all_done() -> bool:
        return await _probes(container, tenant) == 10

    await eventually(all_done)
    # Both processes stop; events published meanwhile wait for the next process of the consumer.
    await first.close()
    await second.close()
    publisher = make()
    later = await _emit(container, tenant, n=3)
    await relay_once(container.db, publisher)
    third = make()
    third.subscribe(_consumer(calls))
    await third.start()

    async def later_done() -> bool:
        return await _probes(container, tenant) == 13

    await eventually(later_done, timeout=30)
    # Effects once each; the offsets/acks committed before the restart mean no earlier event was redone.
    assert sorted(set(calls)) == sorted(str(e.id) for e in events + later)
    assert all(calls.count(str(e.id)) == 1 for e in later)


def test_broker_url_selects_the_adapter(settings: Any) -> None:
    container = build_container(settings, contexts=[])
    settings.broker_url = "kafka://k1:9092,k2"
    bus = build_bus(settings, container.db)
    assert isinstance(bus, KafkaBus)
    assert bus.servers == "k1:9092,k2:9092"
    settings.broker_url = "nats://127.0.0.1:4222"
    assert isinstance(build_bus(settings, container.db), NatsBus)
    with pytest.raises(ValueError):
        bootstrap_servers("nats://x")


async def test_a_batch_consumer_has_each_effect_once_and_dead_letters_only_the_bad_event(setup) -> None:
    """A consumer with a batch handler (#17): NATS hands it its fetched messages together (one unit of work,
    an inbox row per event); duplicates add nothing and one failing event falls back to one-by-one
    delivery, so only it is retried and dead-lettered. Kafka delivers to the same consumer one by one."""
    container, make = setup
    bus = make()
    batches: list[int] = []

    async def one(uow: UnitOfWork, event: Event) -> None:
        await many(uow, [event])

    async def many(uow: UnitOfWork, events: list[Event]) -> None:
        batches.append(len(events))
        for event in events:
            if event.data.get("bad"):
                raise RuntimeError("boom")
            uow.session.add(Probe(label=f"batch-{event.id}"))

    bus.subscribe(Consumer("batch", ("order-events",), one, batch_handler=many))
    tenant = await make_tenant(container)
    async with container.uow(tenant, actor="test") as uow:
        for n in range(6):
            uow.emit("order-events", "order.placed", {"order_id": str(uuid.uuid4()), "bad": n == 3})
        await uow.commit()
    assert await relay_once(container.db, bus) == 6  # all waiting before the consumer starts: one fetch
    await bus.start()

    async def done() -> bool:
        async with container.db.system_session() as s:
            dead = await s.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.consumer == "batch"))
        return await _probes(container, tenant, "batch-") == 5 and dead == 1

    await eventually(done, timeout=30)
    assert max(batches) == (6 if isinstance(bus, NatsBus) else 1)  # the failed batch of 6, then one by one
