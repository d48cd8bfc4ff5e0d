"""A 30-second PostgreSQL outage under load: consumers keep retrying (a budget of minutes, not seconds),
and once the database is back every event is consumed exactly once in effect, on NATS JetStream and on
the in-process bus, with no dead letter and the consumer loops alive."""

from __future__ import annotations

import asyncio

import pytest

from ecovarejo.core.events import Event
from tests.conftest import needs_nats, needs_pg
from tests.integration.reliability.conftest import Probed, database_outage
from tests.support import eventually

OUTAGE_SECONDS = 30.0

BUSES = [pytest.param(True, id="nats", marks=needs_nats), pytest.param(False, id="in-process")]


@pytest.fixture
def backend() -> str:  # PostgreSQL only: an outage of an embedded SQLite file is not a thing
    return "postgres"


@needs_pg
@pytest.mark.parametrize("nats", BUSES)
@pytest.mark.timeout(240)
async def test_events_around_a_30_second_database_outage_are_each_consumed_once(probed, db_url, nats: bool) -> None:
    # a short backoff cap so the test does not wait long after the outage; the budget stays minutes
    p: Probed = await probed(nats=nats, consumer_backoff_base=0.2, consumer_backoff_cap=2.0)
    before = await p.emit(20)  # in the outbox, being relayed and consumed as the database goes away
    during: list[Event] = []
    async with database_outage(db_url):
        for i in range(20):  # a producer elsewhere keeps publishing while the database is down
            ev = Event(topic="order-events", type="order.placed", data={"during": i}, tenant_id=p.tenant)
            await p.container.bus.publish(ev.topic, ev.envelope())
            during.append(ev)
        checks = await p.container.readiness()
        assert checks["database"].startswith("error")
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: its length is what is tested
    after = await p.emit(20)

    every = before + during + after

    async def all_consumed_once() -> bool:
        effects = await p.effects()
        return all(effects.get(str(e.id)) == 1 for e in every)

    await eventually(all_consumed_once, timeout=90, interval=0.5)
    effects = await p.effects()
    assert len(effects) == 60 and set(effects.values()) == {1}
    assert await p.dead_letters() == []
    assert (await p.container.readiness())["consumers"] == "ok"
    assert all(h.running and h.restarts == 0 for h in p.container.tasks.health.values())
