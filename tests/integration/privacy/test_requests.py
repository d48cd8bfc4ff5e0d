"""Data subjects' requests through the API: filed only for oneself, rate-limited, identity re-verified,
single-use expiring export links, and the DPO's queue with the 15-day deadline."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from ecovarejo.privacy import public as privacy
from ecovarejo.privacy.models import SubjectRequest
from tests.integration.privacy.conftest import PrivacyApi
from tests.integration.users.conftest import PASSWORD


async def test_portability_archive_with_reverified_identity_and_single_use_link(api: PrivacyApi) -> None:
    profile, tokens = await api.user(cpf="529.982.247-25")
    h = api.auth(tokens)
    address = {"address_line1": "Rua Ipê Roxo, 12", "city": "Campinas", "state": "SP", "postal_code": "13010-001"}
    await api.client.post("/api/v1/users/addresses", json=address, headers=h)
    r = await api.client.post("/api/v1/privacy/requests", json={"kind": "portability"}, headers=h)
    assert r.status_code == 403 and r.json()["code"] == "identity_not_verified"
    r = await api.client.post(
        "/api/v1/privacy/requests", json={"kind": "portability", "password": PASSWORD, "user_id": "someone"}, headers=h
    )
    assert r.status_code == 422  # unknown fields (such as another person's id) are refused
    r = await api.client.post("/api/v1/privacy/requests", json={"kind": "portability", "password": PASSWORD}, headers=h)
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["status"] == "identity_verified" and req["days_left"] in (14, 15) and not req["overdue"]
    dup = await api.client.post(
        "/api/v1/privacy/requests", json={"kind": "portability", "password": PASSWORD}, headers=h
    )
    assert dup.status_code == 409 and dup.json()["code"] == "request_already_open"

    link = f"/api/v1/privacy/requests/{req['id']}/export-link"
    bad = await api.client.post(link, json={"password": "wrong-password-123"}, headers=h)
    assert bad.status_code == 403
    r = await api.client.post(link, json={"password": PASSWORD}, headers=h)
    assert r.status_code == 201
    url = r.json()["url"]
    other = await api.user()
    assert (await api.client.get(url, headers=api.auth(other[1]))).status_code == 404  # not theirs
    r = await api.client.get(url, headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    doc = json.loads(z.read("data.json"))
    assert doc["data"]["users"][0]["email"] == profile["email"] and doc["data"]["users"][0]["cpf"] == "52998224725"
    assert doc["data"]["user_addresses"][0]["address_line1"] == "Rua Ipê Roxo, 12"
    assert {"consent_ledger", "orders", "reviews", "notification_messages", "privacy_requests"} <= set(doc["data"])
    assert "password_hash" not in doc["data"]["users"][0]
    # every table the registry ties to a person, with every column it marks exported, is in the archive
    reg = privacy.registry(api.container)
    listed = {t.table: {f.column for f in t.fields if f.export} for _, t in reg.tables() if t.subject or t.via}
    listed = {name: cols for name, cols in listed.items() if cols}
    assert set(listed) <= set(doc["data"]), sorted(set(listed) - set(doc["data"]))
    for name, rows in doc["data"].items():
        for row in rows:
            assert listed.get(name, set()) <= set(row), (name, sorted(listed[name] - set(row)))
    assert "users.csv" in z.namelist() and profile["email"] in z.read("users.csv").decode()
    again = await api.client.get(url, headers=h)
    assert again.status_code == 410 and again.json()["code"] == "export_link_used"

    # a fresh link that has expired
    r = await api.client.post(link, json={"password": PASSWORD}, headers=h)
    async with api.container.db.system_session() as s:
        await s.execute(update(SubjectRequest).values(export_expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        await s.commit()
    expired = await api.client.get(r.json()["url"], headers=h)
    assert expired.status_code == 410 and expired.json()["code"] == "export_link_expired"


async def test_access_summary_sharing_and_rate_limit(api: PrivacyApi) -> None:
    _, tokens = await api.user()
    h = api.auth(tokens)
    r = await api.client.get("/api/v1/privacy/me", headers=h)
    assert r.status_code == 200
    tables = {t["table"]: t for t in r.json()["tables"]}
    assert tables["users"]["rows"] == 1 and "contact" in tables["users"]["categories"]
    assert tables["consent_ledger"]["rows"] == 3
    assert any("payment providers" in k for k in r.json()["shared_with"])
    assert (await api.client.get("/api/v1/privacy/sharing")).status_code == 200
    kinds = ["access", "correction", "consent_revocation", "sharing_info"]
    for kind in kinds:
        r = await api.client.post("/api/v1/privacy/requests", json={"kind": kind}, headers=h)
        assert r.status_code == 201, r.text
    r = await api.client.post("/api/v1/privacy/requests", json={"kind": "nonsense"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request_kind"
    r = await api.client.post("/api/v1/privacy/requests", json={"kind": "erasure", "password": PASSWORD}, headers=h)
    assert r.status_code == 201
    r = await api.client.post("/api/v1/privacy/requests", json={"kind": "portability", "password": PASSWORD}, headers=h)
    assert r.status_code == 429 and r.json()["code"] == "too_many_requests"
    assert len((await api.client.get("/api/v1/privacy/requests", headers=h)).json()) == 5


async def test_dpo_queue_deadline_identity_and_answer(api: PrivacyApi) -> None:
    _, tokens = await api.user()
    h = api.auth(tokens)
    r = await api.client.post("/api/v1/privacy/requests", json={"kind": "correction", "details": {"field": "last_name",
                              "value": "Souza"}}, headers=h)  # fmt: skip
    rid = r.json()["id"]
    assert (await api.client.get("/api/v1/privacy/admin/requests", headers=h)).status_code == 403
    dpo = await api.dpo()
    queue = (await api.client.get("/api/v1/privacy/admin/requests", headers=dpo)).json()
    item = next(i for i in queue if i["id"] == rid)
    assert item["status"] == "received" and item["days_left"] in (14, 15) and item["due_at"] > item["created_at"]
    r = await api.client.post(f"/api/v1/privacy/admin/requests/{rid}/answer", json={"answer": "feito"}, headers=dpo)
    assert r.status_code == 409 and r.json()["code"] == "identity_not_verified"
    r = await api.client.post(f"/api/v1/privacy/admin/requests/{rid}/verify-identity", json={"method": "document"},
                              headers=dpo)  # fmt: skip
    assert r.json()["status"] == "identity_verified" and r.json()["identity_method"] == "document"
    r = await api.client.post(f"/api/v1/privacy/admin/requests/{rid}/answer", json={"answer": "Sobrenome corrigido."},
                              headers=dpo)  # fmt: skip
    assert r.json()["status"] == "answered" and r.json()["answer"] == "Sobrenome corrigido."
    assert rid not in {i["id"] for i in (await api.client.get("/api/v1/privacy/admin/requests", headers=dpo)).json()}
    mine = (await api.client.get("/api/v1/privacy/requests", headers=h)).json()
    assert mine[0]["answer"] == "Sobrenome corrigido."
    audit = (await api.client.get("/api/v1/privacy/audit", headers=dpo)).json()
    assert {"request.filed", "request.identity_verified", "request.answered"} <= {e["action"] for e in audit}
    assert (await api.client.get("/api/v1/privacy/audit/verify", headers=dpo)).json()["ok"] is True


async def test_reviews_never_show_the_email(api: PrivacyApi) -> None:
    from decimal import Decimal

    from ecovarejo.core.auth import Principal
    from ecovarejo.core.db import new_id
    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from ecovarejo.products import service as products
    from ecovarejo.products.schemas import ProductCreate

    admin = Principal(user_id=new_id(), tenant_id=DEFAULT_TENANT_ID, user_type="admin")
    async with api.container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        p = await products.create_product(uow, ProductCreate(sku="ECO-REV-1", name="Cesto", price=Decimal("10")), admin)
        await uow.commit()
    _, tokens = await api.user("reviewer.local.part@example.com")
    r = await api.client.post(f"/api/v1/products/{p.id}/reviews", json={"rating": 4}, headers=api.auth(tokens))
    assert r.status_code == 201, r.text
    assert r.json()["author_name"] == "Cliente" and "reviewer" not in r.text
    _, other = await api.user()
    r = await api.client.post(
        f"/api/v1/products/{p.id}/reviews", json={"rating": 5, "author_name": "Ana S."}, headers=api.auth(other)
    )
    assert r.json()["author_name"] == "Ana S."
