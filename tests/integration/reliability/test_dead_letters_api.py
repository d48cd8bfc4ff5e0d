"""Dead letters from the API (``/api/v1/admin/events/dead-letters``) and the admin pages: administrators with
MFA only, this tenant's letters only, replay through the consumer's normal path (once-only, resolved on
success, 409 problem+json and still open on failure), discard, each audited in the tenant's audit log."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from ecovarejo.core.consumers import Consumer, Outcome, deliver
from ecovarejo.core.events import Event
from ecovarejo.core.models import DEFAULT_TENANT_ID, DeadLetter
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.privacy import public as privacy
from tests.integration.web.helpers import csrf_from, make_staff
from tests.support import Probe, bearer, create_probe_table, make_tenant, token_for

BASE = "/api/v1/admin/events/dead-letters"


def _flaky(state: dict[str, bool]) -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        if state["broken"]:
            raise ValueError("cannot handle yet")
        uow.session.add(Probe(label=str(event.id)))

    return Consumer("ops-probe", ("order-events",), handler)


async def _dead(container, consumer: Consumer, tenant: uuid.UUID) -> Event:
    event = Event(topic="order-events", type="order.placed", data={}, tenant_id=tenant)
    assert await deliver(container.db, consumer, event, attempt=1, max_attempts=1) is Outcome.DEAD
    return event


async def _effects(container, tenant, event) -> int:
    async with container.uow(tenant, read_only=True) as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(Probe).where(Probe.label == str(event.id)))
        )


@pytest.fixture
async def flaky(container):
    await create_probe_table(container.db, container.settings.db_app_role)
    state = {"broken": True}
    consumer = _flaky(state)
    container.consumers.append(consumer)  # replay finds it among this process's consumers
    return state, consumer


async def test_api_replays_once_discards_and_audits(container, client: httpx.AsyncClient, flaky) -> None:
    state, consumer = flaky
    tenant = await make_tenant(container)
    other = await make_tenant(container)
    event = await _dead(container, consumer, tenant)
    theirs = await _dead(container, consumer, other)
    second = await _dead(container, consumer, tenant)
    admin_id = uuid.uuid4()
    h = {"X-Tenant-ID": str(tenant), **bearer(token_for(container, tenant, "admin", user_id=admin_id))}

    # who may: administrators signed in with MFA
    assert (await client.get(BASE, headers={"X-Tenant-ID": str(tenant)})).status_code == 401
    customer = await client.get(BASE, headers={"X-Tenant-ID": str(tenant), **bearer(token_for(container, tenant))})
    assert customer.status_code == 403 and customer.headers["content-type"] == "application/problem+json"
    no_mfa = await client.get(
        BASE, headers={"X-Tenant-ID": str(tenant), **bearer(token_for(container, tenant, "admin", mfa=False))}
    )
    assert no_mfa.status_code == 403 and no_mfa.json()["code"] == "staff_mfa_required"

    listed = await client.get(BASE, headers=h)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert {i["event_id"] for i in items} == {str(event.id), str(second.id)}  # not the other tenant's
    assert all(i["replayable"] and i["resolved_at"] is None and "cannot handle yet" in i["error"] for i in items)
    first_page = await client.get(BASE, headers=h, params={"limit": 1})
    rest = await client.get(BASE, headers=h, params={"limit": 1, "cursor": first_page.json()["next_cursor"]})
    assert [i["id"] for i in first_page.json()["items"] + rest.json()["items"]] == [i["id"] for i in items]
    letter = next(i["id"] for i in items if i["event_id"] == str(event.id))

    # still broken: the replay fails, the letter stays open
    failed = await client.post(f"{BASE}/{letter}/replay", headers=h)
    assert failed.status_code == 409 and failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["code"] == "dead_letter_replay_failed"
    assert (await client.get(f"{BASE}/{letter}", headers=h)).json()["resolved_at"] is None

    state["broken"] = False
    done = await client.post(f"{BASE}/{letter}/replay", headers=h)
    assert done.status_code == 200, done.text
    assert done.json() == {"id": letter, "action": "replay", "outcome": "done", "resolved": True}
    assert await _effects(container, tenant, event) == 1
    again = await client.post(f"{BASE}/{letter}/replay", headers=h)
    assert again.status_code == 409 and again.json()["code"] == "dead_letter_resolved"
    # the bus delivering it once more is a no-op too: the inbox saw it
    assert await deliver(container.db, consumer, event, attempt=1, max_attempts=1) is Outcome.DUPLICATE
    assert await _effects(container, tenant, event) == 1

    other_letter = next(i["id"] for i in items if i["event_id"] == str(second.id))
    gone = await client.post(f"{BASE}/{other_letter}/discard", headers=h)
    assert gone.status_code == 200 and gone.json()["outcome"] == "discarded"
    assert await _effects(container, tenant, second) == 0
    assert (await client.get(BASE, headers=h)).json()["items"] == []
    everything = (await client.get(BASE, headers=h, params={"include_resolved": "true"})).json()["items"]
    assert {i["id"] for i in everything} == {letter, other_letter}

    # another tenant's letter is not there for this tenant
    async with container.db.system_session() as s:
        their_letter = await s.scalar(select(DeadLetter.id).where(DeadLetter.event_id == theirs.id))
    for action in ("replay", "discard"):
        r = await client.post(f"{BASE}/{their_letter}/{action}", headers=h)
        assert r.status_code == 404 and r.json()["code"] == "dead_letter_not_found"
    assert (await client.post(f"{BASE}/not-an-id/replay", headers=h)).status_code == 422
    assert (await client.get(BASE, headers=h, params={"cursor": "x"})).json()["code"] == "invalid_cursor"

    async with container.uow(tenant, read_only=True) as uow:
        audit = await privacy.recent_audit(uow)
    trail = sorted((a.action, a.actor, a.details.get("outcome")) for a in audit if a.action.startswith("events."))
    assert trail == [
        ("events.dead_letter_discarded", f"user:{admin_id}", None),
        ("events.dead_letter_replayed", f"user:{admin_id}", "done"),
        ("events.dead_letter_replayed", f"user:{admin_id}", "retry"),
    ]


async def test_a_malformed_letter_can_only_be_discarded(container, client: httpx.AsyncClient) -> None:
    tenant = await make_tenant(container)
    async with container.db.system_session() as s:
        s.add(
            DeadLetter(
                consumer="ops-probe",
                event_id=uuid.uuid4(),
                tenant_id=tenant,
                topic="ecovarejo.order-events",
                type="malformed",
                envelope={"raw": "garbage"},
                error="malformed message: not JSON",
                attempts=1,
            )
        )
        await s.commit()
    h = {"X-Tenant-ID": str(tenant), **bearer(token_for(container, tenant, "admin"))}
    [item] = (await client.get(BASE, headers=h)).json()["items"]
    assert item["replayable"] is False
    r = await client.post(f"{BASE}/{item['id']}/replay", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "dead_letter_malformed"
    assert (await client.post(f"{BASE}/{item['id']}/discard", headers=h)).status_code == 200


@pytest.fixture
async def web(container):
    from ecovarejo.app import create_app

    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def test_admin_page_replays_and_discards_in_portuguese_and_english(container, web, flaky) -> None:
    state, consumer = flaky
    events = [await _dead(container, consumer, DEFAULT_TENANT_ID) for _ in range(2)]
    await make_staff(web, container, "ops@example.com")
    page = await web.get("/admin/eventos")
    assert page.status_code == 200
    assert "Reprocessar" in page.text and "Descartar" in page.text and "Corrija a causa" in page.text
    assert '<strong id="dead-letter-count">2</strong>' in page.text
    replays = re.findall(r'action="(/admin/eventos/[0-9a-f-]+/reprocessar)"', page.text)
    assert len(replays) == 2
    csrf = csrf_from(page.text)

    failed = await web.post(replays[0], data={"csrf_token": csrf})
    assert failed.status_code == 303 and failed.headers["location"] == "/admin/eventos?err=dead_letter_replay_failed"
    shown = await web.get(failed.headers["location"])
    assert "falhou de novo" in shown.text and '<strong id="dead-letter-count">2</strong>' in shown.text

    state["broken"] = False
    ok = await web.post(replays[0], data={"csrf_token": csrf})
    assert ok.headers["location"] == "/admin/eventos?ok=dead_letter_replayed"
    assert "Evento reprocessado" in (await web.get(ok.headers["location"])).text
    discards = re.findall(r'action="(/admin/eventos/[0-9a-f-]+/descartar)"', (await web.get("/admin/eventos")).text)
    [discard] = discards
    gone = await web.post(discard, data={"csrf_token": csrf})
    assert gone.headers["location"] == "/admin/eventos?ok=dead_letter_discarded"
    after = await web.get("/admin/eventos")
    assert '<strong id="dead-letter-count">0</strong>' in after.text
    # one replayed (its effect once), one discarded (none)
    assert sorted([await _effects(container, DEFAULT_TENANT_ID, e) for e in events]) == [0, 1]

    english = await web.get("/admin/eventos?resolved=1&lang=en")
    assert english.status_code == 200
    assert "Failed events" in english.text and "Fix the cause" in english.text and "Resolved" in english.text
    assert "Reprocessar" not in english.text and "Resolvido" not in english.text
