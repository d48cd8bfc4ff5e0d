"""Retention: published events and old dead letters are deleted per tenant (periods the tenant may change),
never an unpublished event; every run is audited; the NATS stream keeps messages for a limited time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from ecovarejo.core.bus import NatsBus
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.models import DEFAULT_TENANT_ID, DeadLetter, OutboxEvent, Tenant
from ecovarejo.privacy import public as privacy
from ecovarejo.privacy.retention import run
from tests.conftest import BROKER_URL, needs_nats
from tests.support import make_tenant


async def _event(container: Container, tenant: uuid.UUID, *, published_days_ago: float | None) -> uuid.UUID:
    async with container.uow(tenant) as uow:
        ev = uow.emit("user-events", "user.updated", {"user_id": str(uuid.uuid4()), "email": "a@example.com"})
        await uow.commit()
    async with container.db.system_session() as s:
        when = None if published_days_ago is None else utcnow() - timedelta(days=published_days_ago)
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == ev.id).values(published_at=when))
        await s.commit()
    return ev.id


async def _ids(container: Container) -> set[uuid.UUID]:
    async with container.db.system_session() as s:
        return set((await s.scalars(select(OutboxEvent.id))).all())


async def test_published_events_are_purged_after_the_grace_period(container: Container) -> None:
    await container.stop()  # no relay: the test decides what is published
    container.run_relay = container.run_consumers = False
    other = await make_tenant(container, "loja-curta")
    old = await _event(container, DEFAULT_TENANT_ID, published_days_ago=8)
    recent = await _event(container, DEFAULT_TENANT_ID, published_days_ago=1)
    pending = await _event(container, DEFAULT_TENANT_ID, published_days_ago=None)
    other_recent = await _event(container, other, published_days_ago=1)
    async with container.db.system_session() as s:
        t = await s.get(Tenant, other)
        assert t is not None
        t.settings = {"privacy": {"retention_days": {"outbox": 0.5}}}
        s.add(DeadLetter(consumer="x", event_id=uuid.uuid4(), tenant_id=DEFAULT_TENANT_ID, topic="user-events",
                         type="user.updated", envelope={}, error="boom", attempts=3,
                         created_at=utcnow() - timedelta(days=40)))  # fmt: skip
        await s.commit()

    counts = await run(container)
    left = await _ids(container)
    assert old not in left and other_recent not in left
    assert {recent, pending} <= left
    assert (counts["default"]["outbox"], counts["default"]["dead_letters"]) == (1, 1)
    assert counts["loja-curta"]["outbox"] == 1
    async with container.uow(other, read_only=True) as uow:
        entries = await privacy.recent_audit(uow)
        assert (await privacy.verify_audit_chain(uow)).ok
    assert entries[0].action == "retention.run" and entries[0].details["periods"]["outbox_days"] == 0.5


@needs_nats
async def test_the_nats_stream_has_a_maximum_age(container: Container) -> None:
    suffix = uuid.uuid4().hex[:8]
    bus = NatsBus(BROKER_URL, container.db, stream=f"P{suffix}", subject_prefix=f"p{suffix}", max_age=3 * 86400)
    await bus.connect()
    try:
        info = await bus._js.stream_info(f"P{suffix}")
        assert info.config.max_age == 3 * 86400
        await bus._js.delete_stream(f"P{suffix}")
    finally:
        await bus.close()
