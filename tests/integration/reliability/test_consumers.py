"""Supervised, self-healing consumers: a dying loop is restarted, a failing dead-letter write does not
kill it, readiness and metrics report it, and malformed messages land in the dead letters."""

from __future__ import annotations

import json
import uuid

import httpx

from ecovarejo.core import consumers as consumers_module
from ecovarejo.core.bus import NatsBus
from ecovarejo.core.consumers import RAW_PAYLOAD_CAP, Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import needs_nats
from tests.support import Probe, eventually

pytestmark = needs_nats


async def test_a_consumer_loop_that_dies_is_restarted_and_reported(probed, monkeypatch) -> None:
    real = NatsBus._consume
    deaths = 0

    async def dies_twice(self, consumer, topic):
        nonlocal deaths
        if deaths < 2:
            deaths += 1
            raise ConnectionError("the broker hung up")
        await real(self, consumer, topic)

    monkeypatch.setattr(NatsBus, "_consume", dies_twice)
    p = await probed(nats=True)
    events = await p.emit(3)
    await eventually(lambda: _all_done(p, events), timeout=30)
    health = p.container.tasks.health["nats-consumer:probe:order-events"]
    assert health.restarts == 2 and health.running and "the broker hung up" in (health.last_error or "")
    checks = await p.container.readiness()
    assert checks["consumers"] == "ok"


async def _all_done(p, events: list[Event]) -> bool:
    effects = await p.effects()
    return all(effects.get(str(e.id)) == 1 for e in events)


async def test_readiness_and_metrics_report_a_consumer_loop_that_keeps_dying(probed, monkeypatch) -> None:
    from ecovarejo.app import create_app
    from ecovarejo.gateway.metrics import exposition

    async def always_dies(self, consumer, topic):
        raise ConnectionError("no broker")

    monkeypatch.setattr(NatsBus, "_consume", always_dies)
    p = await probed(nats=True, consumer_backoff_base=0.05)
    name = "nats-consumer:probe:order-events"
    await eventually(lambda: p.container.tasks.health[name].restarts >= 2, timeout=20)
    await eventually(lambda: not p.container.tasks.health[name].running, timeout=20)
    checks = await p.container.readiness()
    assert checks["consumers"].startswith("error: " + name) and "no broker" in checks["consumers"]

    app = create_app(container=p.container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        ready = await c.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["consumers"].startswith("error")
    metrics = (await exposition(p.container)).decode()
    assert f'ecovarejo_consumer_restarts_total{{task="{name}"}}' in metrics
    assert 'ecovarejo_consumer_up{task="outbox-relay"} 1.0' in metrics


async def test_a_failing_dead_letter_write_does_not_kill_the_consumer(probed, monkeypatch) -> None:
    calls: list[str] = []

    async def handler(uow: UnitOfWork, event: Event) -> None:
        calls.append(str(event.id))
        if event.data.get("poison"):
            raise ValueError("cannot handle this one")
        uow.session.add(Probe(label=str(event.id)))

    real = consumers_module.DeadLetter
    failed_writes = 0

    def flaky_dead_letter(**values: object) -> object:
        nonlocal failed_writes
        if failed_writes < 2:
            failed_writes += 1
            raise ConnectionError("database went away while writing the dead letter")
        return real(**values)

    monkeypatch.setattr(consumers_module, "DeadLetter", flaky_dead_letter)
    p = await probed(nats=True, consumer=Consumer("probe", ("order-events",), handler), consumer_max_attempts=2)
    async with p.container.uow(p.tenant) as uow:
        poison = uow.emit("order-events", "order.placed", {"poison": True})
        await uow.commit()

    async def one_dead_letter() -> bool:
        return [d.event_id for d in await p.dead_letters()] == [poison.id]

    await eventually(one_dead_letter, timeout=30)
    assert failed_writes == 2
    good = await p.emit(1)
    await eventually(lambda: _all_done(p, good), timeout=30)
    assert p.container.tasks.health["nats-consumer:probe:order-events"].restarts == 0


MALFORMED = [  # (raw payload, reason in the dead letter)
    (b"\xff\xfe not json", "not JSON"),
    (b'["an", "array"]', "not an event envelope"),
    (json.dumps({"type": "ecovarejo.order.placed", "data": {}}).encode(), "without id"),
    (
        json.dumps({"id": "not-a-uuid", "type": "ecovarejo.order.placed", "time": "2026-01-01T00:00:00Z"}).encode(),
        "bad envelope field",
    ),
    (
        json.dumps(
            {"id": str(uuid.uuid4()), "type": "ecovarejo.x", "time": "2026-01-01T00:00:00Z", "topic": "nope"}
        ).encode(),
        "unknown topic",
    ),
    (b"{" + b"x" * (RAW_PAYLOAD_CAP * 2), "not JSON"),  # oversized: capped
]


async def test_each_malformed_message_lands_in_dead_letters_with_raw_payload_and_reason(probed) -> None:
    p = await probed(nats=True)
    bus = p.container.bus
    assert isinstance(bus, NatsBus)
    for payload, _ in MALFORMED:
        await bus._js.publish(bus.subject("order-events"), payload)
    letters = await eventually(lambda: _n_dead(p, len(MALFORMED)), timeout=60)
    by_raw = {dl.envelope["raw"]: dl for dl in letters}
    for payload, reason in MALFORMED:
        dl = by_raw[payload[:RAW_PAYLOAD_CAP].decode("utf-8", "replace")]
        assert dl.consumer == "probe" and dl.type == "malformed" and reason in dl.error, (reason, dl.error)
        assert dl.envelope["raw_bytes"] == len(payload)
        assert dl.envelope["truncated"] is (len(payload) > RAW_PAYLOAD_CAP)
        assert dl.envelope["subject"] == bus.subject("order-events")
    good = await p.emit(1)  # the consumer goes on
    await eventually(lambda: _all_done(p, good), timeout=30)


async def _n_dead(p, n: int):
    letters = await p.dead_letters()
    return letters if len(letters) >= n else None


async def test_envelope_without_topic_takes_it_from_the_subject(probed) -> None:
    p = await probed(nats=True)
    bus = p.container.bus
    assert isinstance(bus, NatsBus)
    ev = Event(topic="order-events", type="order.placed", data={}, tenant_id=p.tenant)
    env = ev.envelope()
    del env["topic"]
    await bus._js.publish(bus.subject("order-events"), json.dumps(env).encode())
    await eventually(lambda: _all_done(p, [ev]), timeout=30)
    assert await p.dead_letters() == []
