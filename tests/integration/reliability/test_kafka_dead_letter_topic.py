"""Kafka: a dead record lands in the dead-letters table (the operator's view, replayable) *and* in the
dead-letter topic — ``<topic>.dlq`` or one configured topic — unchanged, with headers saying why; a
message that is not an event too. Against a real Kafka-protocol broker (Tansu in CI)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sqlalchemy import select

from ecovarejo.bootstrap import build_bus, build_container
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.kafka_bus import KafkaBus, kafka_topics
from ecovarejo.core.models import DeadLetter
from ecovarejo.core.relay import relay_once
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import KAFKA_URL, needs_kafka
from tests.support import Probe, create_probe_table, eventually, make_tenant


def _failing() -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        raise RuntimeError("boom: cannot handle this order")

    return Consumer("probe", ("order-events",), handler)


async def _read_all(bus: KafkaBus, topic: str, n: int) -> list:
    from aiokafka import AIOKafkaConsumer

    reader = AIOKafkaConsumer(topic, bootstrap_servers=bus.servers, auto_offset_reset="earliest", group_id=None)
    await reader.start()
    got: list = []
    try:

        async def fetched() -> bool:
            for records in (await reader.getmany(timeout_ms=500)).values():
                got.extend(records)
            return len(got) >= n

        await eventually(fetched, message=f"{n} records in {topic}")
    finally:
        await reader.stop()
    return got


@needs_kafka
@pytest.mark.parametrize("dlq_topic", ["", "dead-letters"])
async def test_dead_records_go_to_the_table_and_the_dead_letter_topic(settings, dlq_topic: str) -> None:
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])
    await container.start()
    prefix = f"d{uuid.uuid4().hex[:8]}."
    bus = KafkaBus(
        KAFKA_URL,
        container.db,
        topic_prefix=prefix,
        partitions=1,
        session_timeout_ms=3000,
        max_attempts=1,
        backoff_base=0.01,
        dlq_topic=dlq_topic,
    )
    try:
        bus.subscribe(_failing())
        await bus.start()
        tenant = await make_tenant(container)
        async with container.uow(tenant) as uow:
            event = uow.emit("order-events", "order.placed", {"n": 1}, subject="order-1")
            await uow.commit()
        assert await relay_once(container.db, bus) == 1
        await bus._producer.send_and_wait(bus.kafka_topic("order-events"), b"not json at all", key=b"x")

        async def letters() -> list[DeadLetter]:
            async with container.db.system_session() as s:
                rows = list((await s.scalars(select(DeadLetter).order_by(DeadLetter.created_at))).all())
            return rows if len(rows) == 2 else []

        dead, malformed = await eventually(letters, message="two dead letters in the table")
        assert dead.event_id == event.id and "boom" in dead.error and malformed.type == "malformed"

        target = f"{prefix}{dlq_topic or 'order-events.dlq'}"
        assert bus.dead_letter_topic("order-events") == target
        first, second = await _read_all(bus, target, 2)
        headers = {k: v.decode() for k, v in first.headers}
        assert first.key == b"order-1" and Event.from_envelope(json.loads(first.value)).id == event.id
        assert headers["dlq_consumer"] == "probe" and headers["dlq_dead_letter"] == str(dead.id)
        assert "boom: cannot handle this order" in headers["dlq_reason"] and headers["dlq_attempts"] == "1"
        assert headers["dlq_topic"] == f"{prefix}order-events" and headers["dlq_offset"] == "0"
        raw = {k: v.decode() for k, v in second.headers}
        assert second.value == b"not json at all" and raw["dlq_reason"].startswith("malformed message: not JSON")
    finally:
        await bus.close()
        await container.stop()


def test_the_topics_a_deployment_needs_include_the_dead_letter_topics(settings) -> None:
    assert "order-events.dlq" in kafka_topics() and "ns.payment-events.dlq" in kafka_topics("ns.")
    assert kafka_topics(dlq_topic="dead")[-1] == "dead"
    settings.broker_url = "kafka://k1:9092"
    settings.kafka_dlq_topic = "dead"
    bus = build_bus(settings, build_container(settings, contexts=[]).db)
    assert isinstance(bus, KafkaBus) and bus.dead_letter_topic("order-events") == "dead"


@needs_kafka
@pytest.mark.parametrize("backend", ["postgres"])
async def test_closing_finishes_the_record_in_hand_and_leaves_the_rest_for_later(settings) -> None:
    """Stopping a worker on Kafka: the record being handled completes (effect and commit), the records
    fetched behind it are not started and come again to the next process of the group."""
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])
    await container.start()
    await create_probe_table(container.db, settings.db_app_role)
    prefix = f"g{uuid.uuid4().hex[:8]}."
    started = asyncio.Event()
    handled: list[str] = []

    async def slow(uow: UnitOfWork, event: Event) -> None:
        started.set()
        await asyncio.sleep(0.5)
        handled.append(str(event.id))
        uow.session.add(Probe(label=str(event.id)))

    def bus() -> KafkaBus:
        b = KafkaBus(KAFKA_URL, container.db, topic_prefix=prefix, partitions=1, session_timeout_ms=3000)
        b.subscribe(Consumer("probe", ("order-events",), slow))
        return b

    first = bus()
    try:
        await first.start()
        tenant = await make_tenant(container)
        async with container.uow(tenant) as uow:
            events = [uow.emit("order-events", "order.placed", {"n": i}, subject="order-1") for i in range(3)]
            await uow.commit()
        await relay_once(container.db, first)
        await eventually(started.is_set)
        await asyncio.wait_for(first.close(), timeout=15)
        assert handled == [str(events[0].id)]  # the one in hand finished; the rest were not started
        second = bus()
        try:
            await second.start()
            await eventually(lambda: len(handled) == 3, message="the rest handled by the next process")
        finally:
            await second.close()
        assert handled == [str(e.id) for e in events]  # each once, in order
    finally:
        await first.close()
        await container.stop()
