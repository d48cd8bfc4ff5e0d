"""A retry with the same Idempotency-Key after its first request's process died: taken over at once when
the owner is known dead (a request of this process that is over, a pid of this host that is gone), after
the lease when it may be alive elsewhere (409 with Retry-After until then, never a 5xx); a live owner
keeps its key by renewing the lease."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ecovarejo.bootstrap import build_container
from ecovarejo.core import idempotency
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict
from ecovarejo.core.faults import ProcessCrash
from ecovarejo.core.idempotency import Idempotency, fingerprint
from ecovarejo.core.models import IdempotencyRecord
from tests.support import eventually, make_tenant

H = fingerprint("/p", {"a": 1})


@pytest.fixture
async def c(settings):
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])
    await container.start()
    yield container
    await container.stop()


async def _planted(c, tenant, *, owner: str | None, age: timedelta) -> None:
    """A key left in progress by ``owner`` (its lease last renewed ``age`` ago)."""
    at = utcnow() - age
    async with c.uow(tenant) as uow:
        uow.session.add(
            IdempotencyRecord(
                scope="u1",
                key="K",
                request_hash=H,
                status="in_progress",
                created_at=at,
                locked_at=at,
                owner=owner,
                expires_at=at + idempotency.RETENTION,
            )
        )
        await uow.commit()


def _handler(calls: list[int]):
    async def handler():
        calls.append(1)
        return 201, {"n": len(calls)}, {}

    return handler


async def _run(c, tenant, calls):
    return await Idempotency(c).run(tenant_id=tenant, scope="u1", key="K", request_hash=H, handler=_handler(calls))


async def test_a_request_of_this_process_that_died_is_taken_over_at_once(c) -> None:
    tenant = await make_tenant(c)

    async def dies():
        raise ProcessCrash("here")

    with pytest.raises(ProcessCrash):
        await Idempotency(c).run(tenant_id=tenant, scope="u1", key="K", request_hash=H, handler=dies)
    calls: list[int] = []
    r = await _run(c, tenant, calls)
    assert (r.status, r.body, r.replayed, calls) == (201, {"n": 1}, False, [1])
    again = await _run(c, tenant, calls)
    assert (again.replayed, again.body, calls) == (True, {"n": 1}, [1])


async def test_a_dead_process_of_this_host_loses_its_key_at_once(c) -> None:
    tenant = await make_tenant(c)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)  # that process has exited
    await _planted(c, tenant, owner=f"{socket.gethostname()}/{dead_pid}/abc123/req1", age=timedelta(seconds=1))
    calls: list[int] = []
    r = await _run(c, tenant, calls)
    assert (r.status, r.replayed, calls) == (201, False, [1])


async def test_an_owner_that_may_be_alive_keeps_its_key_for_its_lease(c) -> None:
    tenant = await make_tenant(c)
    await _planted(c, tenant, owner="another-host/42/abc123/req1", age=timedelta(seconds=2))
    calls: list[int] = []
    with pytest.raises(Conflict) as refused:
        await _run(c, tenant, calls)
    assert refused.value.code == "idempotency_in_progress" and calls == []
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 5
    # the lease lapses (the owner stopped renewing it): the next retry takes over and runs it once
    async with c.uow(tenant) as uow:
        await uow.session.execute(
            update(IdempotencyRecord).values(locked_at=utcnow() - idempotency.LEASE - timedelta(seconds=1))
        )
        await uow.commit()
    r = await _run(c, tenant, calls)
    assert (r.status, r.replayed, calls) == (201, False, [1])


async def test_a_live_owner_renews_its_lease_while_it_runs(c, monkeypatch) -> None:
    monkeypatch.setattr(idempotency, "LEASE", timedelta(seconds=0.3))
    tenant = await make_tenant(c)
    gate = asyncio.Event()

    async def slow():
        await gate.wait()
        return 201, {"slow": True}, {}

    first = asyncio.create_task(Idempotency(c).run(tenant_id=tenant, scope="u1", key="K", request_hash=H, handler=slow))

    async def locked_at():
        async with c.uow(tenant, read_only=True) as uow:
            return await uow.session.scalar(select(IdempotencyRecord.locked_at))

    started = await eventually(locked_at)
    await eventually(lambda: _later_than(locked_at, started), message="the owner renewed its lease")
    monkeypatch.setattr(idempotency, "LEASE", timedelta(seconds=30))
    with pytest.raises(Conflict):  # its request is running in this process, its lease fresh: not taken over
        await _run(c, tenant, [])
    gate.set()
    assert (await first).body == {"slow": True}


async def _later_than(read, before) -> bool:
    now = await read()
    return now is not None and now > before
