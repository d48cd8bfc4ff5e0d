"""The cookie/analytics consent banner: shown until the visitor chooses, in pt-BR and English; the choice
sets ``ev_consent`` and is recorded in the consent ledger with the tenant's privacy-policy version (under
the account when signed in, under the pseudonymous visitor id otherwise); it really gates the analytics
behaviour events; the footer's "Cookies" link reopens the choice. Without JS (a form post) and with htmx."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from ecovarejo.analytics import public as analytics
from ecovarejo.analytics.behaviour import BehaviourRecorder
from ecovarejo.analytics.models import BehaviourEvent
from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID, Tenant
from ecovarejo.privacy import public as privacy
from ecovarejo.privacy.models import AuditEntry, VisitorConsent
from ecovarejo.users.models import ConsentEntry, User

from .helpers import csrf_from, register


async def _events(container: Container) -> list[BehaviourEvent]:
    await asyncio.gather(*list(container.ports.get(BehaviourRecorder).tasks))
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        return list((await uow.session.scalars(select(BehaviourEvent).order_by(BehaviourEvent.at))).all())


async def _visitor_ledger(container: Container) -> list[VisitorConsent]:
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        q = select(VisitorConsent).order_by(VisitorConsent.recorded_at, VisitorConsent.purpose)
        return list((await uow.session.scalars(q)).all())


async def _search(web: httpx.AsyncClient, q: str) -> None:
    r = await web.get("/busca", params={"q": q})
    assert r.status_code == 200


async def test_banner_shows_until_chosen_and_the_footer_reopens_it(web: httpx.AsyncClient) -> None:
    home = await web.get("/")
    assert home.status_code == 200 and 'id="consent-banner"' in home.text
    for text in ("Cookies e privacidade", ">Aceitar<", ">Recusar<", ">Personalizar<", "Cookies de marketing"):
        assert text in home.text, text
    assert 'action="/privacidade/cookies"' in home.text and 'hx-post="/privacidade/cookies"' in home.text
    assert 'href="/privacidade/cookies"' in home.text  # the footer's link
    en = await web.get("/?lang=en")
    for text in ("Cookies and privacy", ">Accept<", ">Refuse<", ">Customise<", "Marketing cookies"):
        assert text in en.text, text
    await web.get("/?lang=pt-BR")

    bad = await web.post("/privacidade/cookies", data={"csrf_token": csrf_from(home.text), "choice": "talvez"})
    assert bad.status_code == 422 and "Escolha Aceitar, Recusar ou Personalizar." in bad.text
    assert "ev_consent" not in bad.headers.get("set-cookie", "")

    r = await web.post(
        "/privacidade/cookies",
        data={"csrf_token": csrf_from(home.text), "choice": "custom", "analytics": "on", "next": "/busca?q=x&ok=saved"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/busca?q=x&ok=consent_saved"
    assert web.cookies.get("ev_consent") == "analytics" and web.cookies.get("ev_vid")
    after = await web.get("/")
    assert 'id="consent-banner"' not in after.text  # chosen: no banner
    page = await web.get("/privacidade/cookies")  # the footer's link reopens the choice
    assert page.status_code == 200 and 'id="consent-page-form"' in page.text
    assert "Estatísticas de uso da loja: permitido" in page.text and "Cookies de marketing: recusado" in page.text
    assert f"<strong data-version>{privacy.POLICY_VERSION}</strong>" in page.text

    foreign = await web.post("/privacidade/cookies", data={"choice": "accept"})  # no CSRF token
    assert foreign.status_code == 403


async def test_a_visitors_choice_is_ledgered_and_gates_behaviour_events(
    web: httpx.AsyncClient, container: Container
) -> None:
    await _search(web, "sem escolha")
    assert await _events(container) == []  # no choice: nothing recorded

    home = await web.get("/")
    r = await web.post("/privacidade/cookies", data={"csrf_token": csrf_from(home.text), "choice": "reject"})
    assert r.status_code == 303 and web.cookies.get("ev_consent") == "none"
    vid = web.cookies.get("ev_vid")
    assert vid
    await _search(web, "depois de recusar")
    assert await _events(container) == []  # refused: nothing recorded
    ledger = await _visitor_ledger(container)
    pseudonym = analytics.visitor_pseudonym(container, vid)
    assert {(e.visitor, e.purpose, e.granted, e.policy_version, e.channel) for e in ledger} == {
        (pseudonym, "analytics", False, privacy.POLICY_VERSION, "cookie_banner"),
        (pseudonym, "marketing_cookies", False, privacy.POLICY_VERSION, "cookie_banner"),
    }
    assert vid not in pseudonym

    # the footer's page, with htmx: accept everything; the banner is swapped for a confirmation
    page = await web.get("/privacidade/cookies")
    r = await web.post(
        "/privacidade/cookies",
        data={"choice": "accept"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page.text)},
    )
    assert r.status_code == 200 and 'id="consent-banner"' in r.text and "Sua escolha de cookies foi salva." in r.text
    assert "<html" not in r.text  # a fragment
    assert web.cookies.get("ev_consent") == "analytics.marketing" and web.cookies.get("ev_vid") == vid
    await _search(web, "painel solar")
    events = await _events(container)
    assert [(e.kind, e.query, e.visitor) for e in events] == [("search_performed", "painel solar", pseudonym)]

    # a hand-made cookie saying yes, for a visitor id the banner never recorded, counts nothing
    other = httpx.AsyncClient(transport=web._transport, base_url="https://testserver")
    async with other:
        other.cookies.set("ev_consent", "analytics")
        other.cookies.set("ev_vid", "forjado")
        assert (await other.get("/busca", params={"q": "forjado"})).status_code == 200
    assert len(await _events(container)) == 1

    # withdrawn on the footer's page: no more events
    page = await web.get("/privacidade/cookies")
    r = await web.post("/privacidade/cookies", data={"csrf_token": csrf_from(page.text), "choice": "custom"})
    assert r.status_code == 303 and web.cookies.get("ev_consent") == "none"
    await _search(web, "depois de revogar")
    assert len(await _events(container)) == 1


async def test_a_signed_in_customers_choice_goes_to_their_ledger_with_the_tenants_policy_version(
    web: httpx.AsyncClient, container: Container
) -> None:
    async with container.db.system_session() as s:
        tenant = await s.get(Tenant, DEFAULT_TENANT_ID)
        assert tenant is not None
        own = {"privacy": {"version": "v9-loja", "pt-BR": "Própria."}}
        tenant.settings = {**(tenant.settings or {}), "privacy": own}
        await s.commit()
    container.tenants.invalidate()
    await register(web, "cookies@example.com")
    home = await web.get("/")
    assert 'id="consent-banner"' in home.text
    await _search(web, "antes")
    assert await _events(container) == []  # (waits for the recorder: its consent check runs in the background)
    r = await web.post("/privacidade/cookies", data={"csrf_token": csrf_from(home.text), "choice": "accept"})
    assert r.status_code == 303 and web.cookies.get("ev_consent") == "analytics.marketing"
    assert web.cookies.get("ev_vid") is None  # a customer is known by the account's pseudonym
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        user = await uow.session.scalar(select(User).where(User.email == "cookies@example.com"))
        assert user is not None
        entries = (await uow.session.scalars(select(ConsentEntry).where(ConsentEntry.user_id == user.id))).all()
        banner = {(e.purpose, e.granted, e.policy_version) for e in entries if e.channel == "cookie_banner"}
        assert banner == {("analytics", True, "v9-loja"), ("marketing_cookies", True, "v9-loja")}
        marketing = [e for e in entries if e.purpose == "marketing"]  # e-mail marketing: another consent
        assert not any(e.granted for e in marketing)
        audit = (await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.changed"))).all()
        assert [a.subject_id for a in audit] == [user.id] and audit[0].details["policy_version"] == "v9-loja"
    assert await _visitor_ledger(container) == []
    await _search(web, "depois")
    events = await _events(container)
    assert [(e.kind, e.query) for e in events] == [("search_performed", "depois")]
