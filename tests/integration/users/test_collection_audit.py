"""The audit of collection (issue #15 point 3): registration, profile and address changes are recorded in the
privacy context's hash-chained log with their purpose and the consent they rest on (the privacy policy's
ledger entry), by field name only; a staff member's read of a customer is recorded; the chain verifies."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ecovarejo.privacy.models import AuditEntry
from ecovarejo.privacy.public import verify_audit_chain
from ecovarejo.users.models import ConsentEntry

from .conftest import Api


async def _entries(api: Api, user_id: str) -> list[AuditEntry]:
    async with api.container.db.system_session() as s:
        q = select(AuditEntry).where(AuditEntry.subject_id == uuid.UUID(user_id)).order_by(AuditEntry.seq)
        return list((await s.scalars(q)).all())


async def test_collection_is_audited_with_purpose_and_consent(api: Api) -> None:
    profile, tokens = await api.user(phone="+5511987654321", cpf="52998224725")
    async with api.container.db.system_session() as s:
        privacy_consent = await s.scalar(
            select(ConsentEntry.id).where(
                ConsentEntry.user_id == uuid.UUID(profile["id"]), ConsentEntry.purpose == "privacy"
            )
        )
    r = await api.client.put("/api/v1/users/profile", json={"first_name": "Mariana"}, headers=api.auth(tokens))
    assert r.status_code == 200
    address = {
        "label": "Casa",
        "recipient_name": "Mariana Silva",
        "postal_code": "01310100",
        "address_line1": "Av. Paulista, 1000",
        "city": "São Paulo",
        "state": "SP",
    }
    r = await api.client.post("/api/v1/users/addresses", json=address, headers=api.auth(tokens))
    assert r.status_code == 201, r.text
    r = await api.client.put(
        f"/api/v1/users/addresses/{r.json()['id']}",
        json={**address, "address_line2": "apto 12"},
        headers=api.auth(tokens),
    )
    assert r.status_code == 200, r.text

    entries = await _entries(api, profile["id"])
    by_action = {e.action: e for e in entries}
    assert list(by_action) == [
        "collection.registration",
        "collection.profile",
        "collection.address_added",
        "collection.address_changed",
    ]
    assert all(e.consent_id == str(privacy_consent) and e.purpose for e in entries)
    assert by_action["collection.registration"].details["data_types"] == [
        "cpf", "email", "first_name", "last_name", "locale", "phone",
    ]  # fmt: skip
    assert by_action["collection.profile"].details["data_types"] == ["first_name"]
    assert "address_line2" in by_action["collection.address_changed"].details["data_types"]
    text = " ".join(str(e.details) for e in entries)
    for value in (profile["email"], "Mariana", "52998224725", "Paulista", "01310100"):
        assert value not in text  # names of fields only, never values
    async with api.container.uow(entries[0].tenant_id, read_only=True) as uow:
        assert (await verify_audit_chain(uow)).ok


async def test_a_staff_read_of_a_customer_is_audited(api: Api) -> None:
    customer, _ = await api.user()
    staff, _ = await api.user()
    await api.make_admin(staff["email"], "customer", ["manage_users"])
    tokens = await api.login(staff["email"])
    r = await api.client.get(f"/api/v1/admin/users/{customer['id']}", headers=api.auth(tokens))
    assert r.status_code == 200, r.text
    [read] = [e for e in await _entries(api, customer["id"]) if e.action == "staff_read.customer"]
    assert read.actor == f"user:{staff['id']}" and read.details == {"staff_id": staff["id"]}
    r = await api.client.get(f"/api/v1/admin/users/{uuid.uuid4()}", headers=api.auth(tokens))
    assert r.status_code == 404
    async with api.container.uow(read.tenant_id, read_only=True) as uow:
        assert (await verify_audit_chain(uow)).ok


async def test_a_staff_search_of_customers_is_audited_by_ids(api: Api) -> None:
    customer, _ = await api.user("busca-alvo@example.com")
    staff, _ = await api.user()
    await api.make_admin(staff["email"], "customer", ["manage_users"])
    tokens = await api.login(staff["email"])
    r = await api.client.get("/api/v1/admin/users", params={"q": "busca-alvo"}, headers=api.auth(tokens))
    assert r.status_code == 200 and [u["id"] for u in r.json()["items"]] == [customer["id"]]
    async with api.container.db.system_session() as s:
        q = select(AuditEntry).where(AuditEntry.action == "staff_read.search").order_by(AuditEntry.seq)
        [search] = (await s.scalars(q)).all()
    assert search.actor == f"user:{staff['id']}" and search.purpose.startswith("customer administration")
    assert search.details == {"staff_id": staff["id"], "search": True, "users": [customer["id"]]}
    assert "busca-alvo" not in str(search.details)  # the query may be an e-mail or a CPF: never kept
    customer_tokens = await api.login(customer["email"])
    r = await api.client.get("/api/v1/admin/users", params={"q": "x"}, headers=api.auth(customer_tokens))
    assert r.status_code == 403


async def test_a_buyer_added_by_a_company_admin_is_audited(api: Api) -> None:
    company = {"cnpj": "11.222.333/0001-81", "legal_name": "Verde Compras Ltda"}
    admin, tokens = await api.user("chefe@verde-compras.example", company=company)
    r = await api.client.post(
        "/api/v1/users/company/buyers",
        headers=api.auth(tokens),
        json={"email": "comprador@verde-compras.example", "first_name": "Caio", "last_name": "Prado",
              "password": "Um-Segredo-Verde-42"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    [added] = [e for e in await _entries(api, r.json()["id"]) if e.action == "collection.b2b_buyer_added"]
    assert added.actor == f"user:{admin['id']}" and added.consent_id is None and "LGPD art. 7 V" in added.purpose
    assert added.details == {"data_types": ["company", "email", "first_name", "last_name"], "added_by": admin["id"]}
    assert "Caio" not in str(added.details) and "comprador@" not in str(added.details)
