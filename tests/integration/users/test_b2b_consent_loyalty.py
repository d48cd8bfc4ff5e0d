"""B2B companies (point 9), LGPD consent ledger (point 10), eco loyalty (point 11), and the public
service other contexts call."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.models import DEFAULT_TENANT_ID, InboxEntry
from ecovarejo.users import service
from ecovarejo.users.models import ConsentEntry
from ecovarejo.users.public import UsersCompanyJoinRequests
from tests.support import eventually

from .conftest import PASSWORD, Api

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}


async def test_company_account_with_alphanumeric_cnpj_and_buyers(api: Api) -> None:
    admin, tokens = await api.user("compras@verde.example", company=COMPANY)
    assert admin["company_id"] and admin["is_company_admin"] is True
    h = api.auth(tokens)
    company = (await api.client.get("/api/v1/users/company", headers=h)).json()
    assert company["company"]["cnpj"] == "12ABC34501DE35" and company["company"]["state_registration"] == "110042490114"
    r = await api.client.post(
        "/api/v1/users/company/buyers",
        headers=h,
        json={"email": "buyer1@verde.example", "first_name": "B", "last_name": "One", "password": PASSWORD},
    )
    assert r.status_code == 201 and r.json()["company_id"] == admin["company_id"] and not r.json()["is_company_admin"]
    buyer_tokens = await api.login("buyer1@verde.example")
    members = (await api.client.get("/api/v1/users/company", headers=api.auth(buyer_tokens))).json()["members"]
    assert {m["email"] for m in members} == {"compras@verde.example", "buyer1@verde.example"}
    r = await api.client.post(
        "/api/v1/users/company/buyers",
        headers=api.auth(buyer_tokens),
        json={"email": "buyer2@verde.example", "first_name": "B", "last_name": "Two", "password": PASSWORD},
    )
    assert r.status_code == 403 and r.json()["code"] == "company_admin_required"
    # the access token carries the company
    principal = await api.container.ports.get(Authenticator).authenticate(
        buyer_tokens["access_token"], DEFAULT_TENANT_ID
    )
    assert str(principal.company_id) == admin["company_id"]
    # the same CNPJ cannot open a second company account, and the answer does not reveal that it has one
    # (issue #12): it looks like a sign-up and the company's administrators are e-mailed instead
    r = await api.client.post(
        "/api/v1/auth/register",
        json={
            "email": "other@verde.example",
            "password": PASSWORD,
            "first_name": "O",
            "last_name": "T",
            "accept_terms": True,
            "accept_privacy": True,
            "company": {**COMPANY, "cnpj": "12ABC34501DE35"},
        },
    )
    assert r.status_code == 201 and r.json()["email"] == "other@verde.example", r.text
    assert r.json().get("company_id") is None
    attempts = await api.events("user.company_registration_attempted")
    # the administrator by id (their address is resolved when the mail is sent); the stranger has no account:
    # their address stays in the users context's join requests, the event names the request
    assert [e["user_id"] for e in attempts] == [admin["id"]] and "requester_email" not in attempts[0]
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        email = await UsersCompanyJoinRequests().requester_email(uow, uuid.UUID(attempts[0]["join_request_id"]))
        assert email == "other@verde.example"
    r = await api.client.post("/api/v1/auth/login", json={"email": "other@verde.example", "password": PASSWORD})
    assert r.status_code == 401  # nothing was created
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        assert await service.is_b2b(uow, uuid.UUID(admin["id"])) is True
        view = await service.get_user(uow, uuid.UUID(admin["id"]))
        assert view and view.email == "compras@verde.example" and str(view.company_id) == admin["company_id"]
        assert await service.get_user(uow, uuid.uuid4()) is None


async def test_invalid_documents_are_refused_and_nothing_is_written(api: Api) -> None:
    for company, code in [
        ({**COMPANY, "cnpj": "12.ABC.345/01DE-36"}, "invalid_cnpj"),
        ({**COMPANY, "cnpj": "11.111.111/1111-11"}, "invalid_cnpj"),
        ({**COMPANY, "state_registration": "abc!"}, "invalid_ie"),
        ({**COMPANY, "state_registration": "110.042.490.115", "state": "SP"}, "invalid_ie"),
    ]:
        r = await api.client.post(
            "/api/v1/auth/register",
            json={
                "email": "bad@verde.example",
                "password": PASSWORD,
                "first_name": "O",
                "last_name": "T",
                "accept_terms": True,
                "accept_privacy": True,
                "company": company,
            },
        )
        assert r.status_code == 422 and r.json()["code"] == code
    r = await api.client.post(
        "/api/v1/auth/register",
        json={
            "email": "bad@verde.example",
            "password": PASSWORD,
            "first_name": "O",
            "last_name": "T",
            "accept_terms": True,
            "accept_privacy": True,
            "cpf": "123.456.789-00",
        },
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_cpf"
    individual = await api.register(cpf="529.982.247-25")
    assert individual["cpf"] == "52998224725" and individual["company_id"] is None
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        assert await service.is_b2b(uow, uuid.UUID(individual["id"])) is False


async def test_consent_ledger_is_append_only_and_revocable(api: Api) -> None:
    profile, tokens = await api.user(marketing_opt_in=True)
    h = api.auth(tokens)
    body = (await api.client.get("/api/v1/users/consents", headers=h)).json()
    assert body["current"] == {"terms": True, "privacy": True, "marketing": True}
    assert {(e["purpose"], e["channel"], e["policy_version"]) for e in body["history"]} == {
        ("terms", "web", "2026-01"),
        ("privacy", "web", "2026-01"),
        ("marketing", "web", "2026-01"),
    }
    r = await api.client.post("/api/v1/users/consents", json={"purpose": "marketing", "granted": False}, headers=h)
    assert r.status_code == 201 and r.json()["granted"] is False and r.json()["channel"] == "api"
    body = (await api.client.get("/api/v1/users/consents", headers=h)).json()
    assert body["current"]["marketing"] is False and len(body["history"]) == 4  # appended, not changed
    assert (await api.client.get("/api/v1/users/profile", headers=h)).json()["marketing_opt_in"] is False
    r = await api.client.post("/api/v1/users/consents", json={"purpose": "terms", "granted": False}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "consent_required_for_account"
    events = await api.events("user.consent_changed")
    assert events[-1] == {  # the person by id only (docs/events.md, payload rule)
        "user_id": profile["id"],
        "purpose": "marketing",
        "granted": False,
        "policy_version": "2026-01",
        "channel": "api",
    }
    async with api.container.db.system_session() as s:
        assert await s.scalar(select(func.count()).select_from(ConsentEntry)) == 4


async def test_order_delivered_earns_points_once(api: Api) -> None:
    profile, tokens = await api.user()
    h = api.auth(tokens)
    order_id = str(uuid.uuid4())
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        event = uow.emit(
            "order-events",
            "order.delivered",
            {"order_id": order_id, "user_id": profile["id"], "total": "259.90", "sustainability_score": 80},
        )
        await uow.commit()

    async def credited() -> bool:
        return (await api.client.get("/api/v1/users/loyalty", headers=h)).json()["balance"] > 0

    await eventually(credited)
    body = (await api.client.get("/api/v1/users/loyalty", headers=h)).json()
    # 259 base points + floor(259 * 80 / 100) = 207 eco bonus
    assert body["balance"] == 466 and body["sustainability_score"] == 207
    assert body["items"][0]["order_id"] == order_id and body["items"][0]["details"]["eco_bonus"] == 207
    # the same event delivered again (at-least-once) and a second event for the same order change nothing
    await api.container.bus.publish(event.topic, event.envelope())
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        uow.emit("order-events", "order.delivered", {"order_id": order_id, "user_id": profile["id"], "total": "259.90"})
        await uow.commit()

    async def both_handled() -> bool:
        async with api.container.db.system_session() as s:
            n = await s.scalar(
                select(func.count()).select_from(InboxEntry).where(InboxEntry.consumer == "users.loyalty")
            )
        return n == 2

    await eventually(both_handled)
    body = (await api.client.get("/api/v1/users/loyalty", headers=h)).json()
    assert body["balance"] == 466 and len(body["items"]) == 1


async def test_loyalty_history_pages_and_service_rule(api: Api) -> None:
    profile, tokens = await api.user()
    uid = uuid.UUID(profile["id"])
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        for total in ("10.99", "20.00", "0.50"):
            await service.earn_order_points(uow, uid, uuid.uuid4(), total)
        await uow.commit()
    h = api.auth(tokens)
    page = (await api.client.get("/api/v1/users/loyalty", params={"limit": 2}, headers=h)).json()
    assert page["balance"] == 30 and [i["points"] for i in page["items"]] == [0, 20] and page["next_cursor"]
    rest = (
        await api.client.get("/api/v1/users/loyalty", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h)
    ).json()
    assert [i["points"] for i in rest["items"]] == [10] and rest["next_cursor"] is None
