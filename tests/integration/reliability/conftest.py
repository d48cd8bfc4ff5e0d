"""Fixtures of the reliability tests: containers on a NATS stream of their own, database outages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from ecovarejo.bootstrap import build_container
from ecovarejo.core.bus import NatsBus
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.models import DeadLetter
from ecovarejo.core.settings import Settings
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import BROKER_URL, _pg_admin
from tests.support import Probe, create_probe_table, make_tenant


@dataclass
class Probed:
    """A started container whose consumer ``probe`` writes one Probe row per event (label = event id)."""

    container: Container
    tenant: uuid.UUID
    calls: list[str] = field(default_factory=list)

    async def emit(self, n: int) -> list[Event]:
        out = []
        async with self.container.uow(self.tenant) as uow:
            for i in range(n):
                out.append(uow.emit("order-events", "order.placed", {"i": i}))
            await uow.commit()
        return out

    async def effects(self) -> dict[str, int]:
        async with self.container.uow(self.tenant, read_only=True) as uow:
            rows = (await uow.session.execute(select(Probe.label, func.count()).group_by(Probe.label))).all()
        return {label: int(n) for label, n in rows}

    async def dead_letters(self) -> list[DeadLetter]:
        async with self.container.db.system_session() as s:
            return list((await s.scalars(select(DeadLetter).order_by(DeadLetter.created_at))).all())


def probe_consumer(calls: list[str], name: str = "probe") -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        calls.append(str(event.id))
        uow.session.add(Probe(label=str(event.id)))

    return Consumer(name, ("order-events",), handler)


def nats_bus(container: Container) -> NatsBus:
    """A NATS bus on a stream of this test's own (runs and parallel workers never share messages), with
    the retry policy of the container's settings."""
    suffix = uuid.uuid4().hex[:8]
    st = container.settings
    return NatsBus(
        BROKER_URL,
        container.db,
        stream=f"R{suffix}",
        subject_prefix=f"r{suffix}",
        max_attempts=st.consumer_max_attempts,
        backoff_base=st.consumer_backoff_base,
        backoff_cap=st.consumer_backoff_cap,
        retry_budget=st.consumer_retry_budget,
        tasks=container.tasks,
    )


async def delete_stream(bus: NatsBus) -> None:
    import nats

    nc = await nats.connect(BROKER_URL)
    try:
        await nc.jetstream().delete_stream(bus.stream)
    except Exception:
        pass
    finally:
        await nc.close()


@pytest.fixture
async def probed(settings: Settings) -> AsyncIterator[Callable[..., Awaitable[Probed]]]:
    """``await probed(nats=..., consumer=..., **settings)`` builds and starts a container with the relay
    and consumers running; all are stopped afterwards."""
    built: list[Probed] = []

    async def make(*, nats: bool = False, consumer: Consumer | None = None, **overrides: object) -> Probed:
        st = settings.model_copy(update={"embedded_workers": True, **overrides})
        container = build_container(st, contexts=[])
        calls: list[str] = []
        container.consumers.append(consumer or probe_consumer(calls))
        if nats:
            container.bus = nats_bus(container)
        await create_probe_table(container.db, st.db_app_role)
        await container.start()
        tenant = await make_tenant(container)
        p = Probed(container, tenant, calls)
        built.append(p)
        return p

    yield make
    for p in built:
        await p.container.stop()
        if isinstance(p.container.bus, NatsBus):
            await delete_stream(p.container.bus)


@asynccontextmanager
async def database_outage(db_url: str) -> AsyncIterator[None]:
    """PostgreSQL refuses new connections to this test's database and ends the open ones, until the
    block ends (the same as a database server that went away)."""
    name = db_url.rpartition("/")[2]
    await _pg_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        await _pg_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        yield
    finally:
        await _pg_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
