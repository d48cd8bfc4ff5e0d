"""The DPO's API: the audit log with its verification and the ROPA, behind ``handle_privacy``."""

from __future__ import annotations

import csv
import io
import uuid

from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.privacy import public as privacy
from tests.integration.privacy.conftest import PrivacyApi


async def test_only_the_dpo_reads_the_audit_log_and_ropa(api: PrivacyApi) -> None:
    _, tokens = await api.user()
    customer = api.auth(tokens)
    for path in ("/api/v1/privacy/audit", "/api/v1/privacy/audit/verify", "/api/v1/privacy/ropa"):
        r = await api.client.get(path, headers=customer)
        assert r.status_code == 403 and r.json()["code"] == "permission_denied"
        assert (await api.client.get(path)).status_code == 401
    dpo = await api.dpo()
    subject = uuid.uuid4()
    async with api.container.uow(DEFAULT_TENANT_ID, actor="user:x") as uow:
        await privacy.audit(uow, "collection", subject_id=subject, purpose="checkout", consent_id="c-1")
        await uow.commit()
    r = await api.client.get("/api/v1/privacy/audit", params={"subject_id": str(subject)}, headers=dpo)
    assert r.status_code == 200
    assert [(e["action"], e["purpose"], e["consent_id"]) for e in r.json()] == [("collection", "checkout", "c-1")]
    r = await api.client.get("/api/v1/privacy/audit/verify", headers=dpo)
    assert r.json()["ok"] is True and r.json()["entries"] >= 1


async def test_ropa_lists_every_operation_with_its_basis(api: PrivacyApi) -> None:
    dpo = await api.dpo()
    r = await api.client.get("/api/v1/privacy/ropa", headers=dpo)
    assert r.status_code == 200
    ops = {op["table"]: op for op in r.json()["operations"]}
    email = next(f for f in ops["users"]["fields"] if f["column"] == "email")
    assert email["legal_basis"].startswith("LGPD art. 7") and email["retention"]
    total = next(f for f in ops["orders"]["fields"] if f["column"] == "total_amount")
    assert total["erasure"] == "keep" and "CTN" in total["law"]
    assert any("payment providers" in k for k in r.json()["shared_with"])
    r = await api.client.get("/api/v1/privacy/ropa.csv", headers=dpo)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {"users", "orders", "notification_recipients"} <= {row["table"] for row in rows}


async def test_incident_register_with_notice_deadline(api: PrivacyApi) -> None:
    _, tokens = await api.user()
    body = {"title": "Planilha de pedidos enviada ao destinatário errado", "categories": ["contact", "address"],
            "affected_subjects": 12, "risk": "high", "detected_at": "2030-11-29T10:00:00Z"}  # fmt: skip
    r = await api.client.post("/api/v1/privacy/admin/incidents", json=body, headers=api.auth(tokens))
    assert r.status_code == 403
    dpo = await api.dpo()
    r = await api.client.post("/api/v1/privacy/admin/incidents", json={**body, "risk": "huge"}, headers=dpo)
    assert r.status_code == 422 and r.json()["code"] == "invalid_risk"
    r = await api.client.post("/api/v1/privacy/admin/incidents", json={**body, "categories": ["x"]}, headers=dpo)
    assert r.status_code == 422 and r.json()["code"] == "invalid_category"
    r = await api.client.post("/api/v1/privacy/admin/incidents", json=body, headers=dpo)
    assert r.status_code == 201, r.text
    incident = r.json()
    # detected on a Friday: 3 business days is the next Wednesday
    assert incident["notice_due_at"].startswith("2030-12-04") and incident["notice_overdue"] is False
    url = f"/api/v1/privacy/admin/incidents/{incident['id']}"
    r = await api.client.patch(url, json={"anpd_notified_at": "2026-11-28T09:00:00Z",
                                          "subjects_notified_at": "2026-11-28T12:00:00Z", "status": "closed"},
                               headers=dpo)  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["anpd_notified_at"]
    listed = (await api.client.get("/api/v1/privacy/admin/incidents", headers=dpo)).json()
    assert [i["id"] for i in listed] == [incident["id"]]
    actions = {e["action"] for e in (await api.client.get("/api/v1/privacy/audit", headers=dpo)).json()}
    assert {"incident.recorded", "incident.updated"} <= actions
