"""Behaviour events: recorded server-side only with analytics consent (the users' consent ledger for a
signed-in visitor, the cookie banner's recorded choice for an anonymous one), under a pseudonym, never an IP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ecovarejo.analytics import public as analytics
from ecovarejo.analytics.behaviour import BehaviourRecorder, Seen
from ecovarejo.analytics.models import BehaviourEvent
from ecovarejo.privacy import public as privacy
from tests.conftest import make_settings
from tests.support import make_tenant

from .conftest import SERVICES

PASSWORD = "Um-Segredo-Verde-42"


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path, services=SERVICES + ",web")  # the storefront pages too


async def _events(container, tenant_id) -> list[BehaviourEvent]:
    await asyncio.gather(*list(container.ports.get(BehaviourRecorder).tasks))  # the recorder's writes, done
    async with container.uow(tenant_id, read_only=True) as uow:
        return list((await uow.session.scalars(select(BehaviourEvent).order_by(BehaviourEvent.at))).all())


async def test_anonymous_visitors_count_only_with_the_banners_recorded_consent(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    r = await client.get("/api/v1/products", params={"q": "camiseta"}, headers=h)
    assert r.status_code == 200 and "ev_vid" not in r.headers.get("set-cookie", "")
    assert await _events(container, tid) == []  # no consent: nothing recorded, no visitor cookie

    client.cookies.set("ev_consent", "analytics")
    client.cookies.set("ev_vid", "visitante-1")  # (a Secure cookie: the browser sends it back over HTTPS)
    await client.get("/api/v1/products", params={"q": "painel solar"}, headers=h)
    assert await _events(container, tid) == []  # the cookie alone (no choice recorded by the banner): nothing

    vid = "visitante-1"
    async with container.uow(tid) as uow:  # what the banner records (tests/integration/web/test_consent_banner.py)
        pseudo = analytics.visitor_pseudonym(container, vid)
        await privacy.record_visitor_choice(uow, pseudo, {"analytics": True}, policy_version=privacy.POLICY_VERSION)
        await uow.commit()
    r = await client.get("/api/v1/products", params={"q": "painel solar"}, headers=h)
    assert "ev_vid" not in r.headers.get("set-cookie", "")  # the banner sets it, not the recorder
    await client.get("/api/v1/products", params={"q": "painel solar"}, headers=h)  # same visitor again
    await client.get("/api/v1/products", params={"q": "x"}, headers={**h, "x-ecovarejo-inproc": "1"})  # a page's call
    events = await _events(container, tid)
    assert [(e.kind, e.query, e.results) for e in events] == [("search_performed", "painel solar", 0)] * 2
    assert events[0].visitor == events[1].visitor == pseudo and len(pseudo) == 32 and vid not in pseudo
    stored = " ".join(str(getattr(e, c.key)) for e in events for c in BehaviourEvent.__table__.columns)
    assert "127.0.0.1" not in stored and "testclient" not in stored  # never an address

    client.cookies.set("ev_consent", "marketing")  # analytics withdrawn in the banner
    await client.get("/api/v1/products", params={"q": "painel solar"}, headers=h)
    assert len(await _events(container, tid)) == 2
    client.cookies.set("ev_consent", "analytics")
    async with container.uow(tid) as uow:  # ... and in the ledger: the latest entry wins
        await privacy.record_visitor_choice(uow, pseudo, {"analytics": False}, policy_version=privacy.POLICY_VERSION)
        await uow.commit()
    await client.get("/api/v1/products", params={"q": "painel solar"}, headers=h)
    assert len(await _events(container, tid)) == 2


async def test_the_consent_ledger_decides_for_signed_in_visitors(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    body = {"email": "ana@example.com", "password": PASSWORD, "first_name": "Ana", "last_name": "Lima",
            "accept_terms": True, "accept_privacy": True}  # fmt: skip
    assert (await client.post("/api/v1/auth/register", json=body, headers=h)).status_code == 201
    login = await client.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD}, headers=h)
    auth = {**h, "Authorization": f"Bearer {login.json()['access_token']}"}
    client.cookies.set("ev_consent", "analytics")  # the banner says yes, but the ledger has no analytics consent
    await client.get("/api/v1/products", params={"q": "sabonete"}, headers=auth)
    assert await _events(container, tid) == []

    r = await client.post("/api/v1/users/consents", json={"purpose": "analytics", "granted": True}, headers=auth)
    assert r.status_code in (200, 201), r.text
    client.cookies.clear()
    await client.get("/api/v1/products", params={"q": "sabonete"}, headers=auth)
    events = await _events(container, tid)
    assert [(e.kind, e.query) for e in events] == [("search_performed", "sabonete")]

    r = await client.post("/api/v1/users/consents", json={"purpose": "analytics", "granted": False}, headers=auth)
    assert r.status_code in (200, 201)
    await client.get("/api/v1/products", params={"q": "sabonete"}, headers=auth)
    assert len(await _events(container, tid)) == 1


async def test_storefront_pages_count_once_with_the_result_count(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    client.cookies.set("ev_consent", "analytics,personalisation")
    client.cookies.set("ev_vid", "a-visitor")
    async with container.uow(tid) as uow:  # the banner's recorded choice
        pseudo = analytics.visitor_pseudonym(container, "a-visitor")
        await privacy.record_visitor_choice(uow, pseudo, {"analytics": True}, policy_version=privacy.POLICY_VERSION)
        await uow.commit()
    r = await client.get("/busca", params={"q": "composteira gigante"}, headers=h)
    assert r.status_code == 200
    r = await client.get("/p/nao-existe", params={"rec": "bought_together"}, headers=h)
    assert r.status_code == 404  # no product page, nothing counted
    events = await _events(container, tid)
    # the page's own in-process call to the products API is not counted a second time
    assert [(e.kind, e.query, e.results) for e in events] == [("search_performed", "composteira gigante", 0)]


async def test_a_request_is_judged_by_the_choice_in_force_when_it_was_made(container, client) -> None:
    """The recorder writes in the background: a choice recorded between the request and the task does not
    decide for the request, the one in force when it was answered does (both ways)."""
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    recorder = container.ports.get(BehaviourRecorder)
    pseudo = analytics.visitor_pseudonym(container, "visitante-2")

    def seen(at: datetime, token: str | None = None, query: str = "bambu") -> Seen:
        return Seen(tenant_id=tid, kinds=("search_performed",), token=token, visitor_cookie="visitante-2",
                    consent_cookie="analytics", product=None, query=query, results=1, source=None, at=at)  # fmt: skip

    async def choose(granted: bool) -> None:
        async with container.uow(tid) as uow:
            await privacy.record_visitor_choice(
                uow, pseudo, {"analytics": granted}, policy_version=privacy.POLICY_VERSION
            )
            await uow.commit()

    before_yes = datetime.now(UTC)
    await choose(True)  # ... the request's task runs only now
    recorder.submit(seen(before_yes))
    assert await _events(container, tid) == []  # no consent when it was made
    while_yes = datetime.now(UTC)
    await choose(False)
    recorder.submit(seen(while_yes))
    events = await _events(container, tid)
    assert [(e.kind, e.query) for e in events] == [("search_performed", "bambu")]  # consent when it was made
    assert abs((events[0].at.replace(tzinfo=UTC) - while_yes).total_seconds()) < 1  # dated when it was made

    # a signed-in visitor: the account's ledger, as it stood at the request
    body = {"email": "bia@example.com", "password": PASSWORD, "first_name": "Bia", "last_name": "Reis",
            "accept_terms": True, "accept_privacy": True}  # fmt: skip
    assert (await client.post("/api/v1/auth/register", json=body, headers=h)).status_code == 201
    login = await client.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD}, headers=h)
    token = login.json()["access_token"]
    before_yes = datetime.now(UTC)
    r = await client.post("/api/v1/users/consents", json={"purpose": "analytics", "granted": True},
                          headers={**h, "Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code in (200, 201), r.text
    recorder.submit(seen(before_yes, token, "sabonete"))
    recorder.submit(seen(datetime.now(UTC), token, "vela"))
    assert [e.query for e in await _events(container, tid)] == ["bambu", "vela"]
