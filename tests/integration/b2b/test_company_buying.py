"""Company buying: the administrator sets roles and spending limits; an order above a buyer's limit is
refused (403 problem, nothing reserved) until an approver approves the request for it; then checkout
goes through once. SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import bearer

PASSWORD = "correct horse battery staple 42"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}


async def _login(client, shop, email: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=shop.h)
    assert r.status_code == 200, r.text
    return {**shop.h, **bearer(r.json()["access_token"])}


async def test_spending_limit_and_approval(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "150.00")
    await shop.stock("TEE", 10)
    r = await client.post(
        "/api/v1/auth/register",
        json={"email": "admin@verde.example", "password": PASSWORD, "first_name": "A", "last_name": "D",
              "accept_terms": True, "accept_privacy": True, "company": COMPANY},
        headers=shop.h,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    admin = await _login(client, shop, "admin@verde.example")
    ids = {}
    for email in ("buyer@verde.example", "approver@verde.example"):
        member = {"email": email, "first_name": "B", "last_name": "X", "password": PASSWORD}
        r = await client.post("/api/v1/users/company/buyers", headers=admin, json=member)
        assert r.status_code == 201, r.text
        ids[email] = r.json()["id"]
    buyer = await _login(client, shop, "buyer@verde.example")
    approver = await _login(client, shop, "approver@verde.example")
    assert (await client.get("/api/v1/b2b/me", headers=admin)).json()["role"] == "admin"
    assert (await client.get("/api/v1/b2b/me", headers=buyer)).json()["role"] == "buyer"

    # only the administrator manages members; bad roles and limits are refused
    url = f"/api/v1/b2b/members/{ids['buyer@verde.example']}"
    r = await client.put(url, json={"role": "buyer", "spending_limit": "200.00"}, headers=buyer)
    assert r.status_code == 403 and r.json()["code"] == "company_admin_required"
    r = await client.put(url, json={"role": "boss"}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_role"
    r = await client.put(url, json={"role": "buyer", "spending_limit": "-1"}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_spending_limit"
    r = await client.put(url, json={"role": "buyer", "spending_limit": "200.00"}, headers=admin)
    assert r.status_code == 200 and r.json()["spending_limit"] == "200.00"
    r = await client.put(f"/api/v1/b2b/members/{ids['approver@verde.example']}", json={"role": "approver"},
                         headers=admin)  # fmt: skip
    assert r.status_code == 200

    # above the limit: a problem answer, nothing reserved, no order
    body = checkout_body(items=[{"sku": "TEE", "quantity": 2}])
    r = await client.post("/api/v1/orders", json=body, headers={**buyer, "Idempotency-Key": "b2b-1"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert (r.json()["code"], r.json()["spending_limit"], r.json()["total"]) == (
        "approval_required",
        "200.00",
        "300.00",
    )
    assert await shop.available("TEE") == 10
    assert (await client.get("/api/v1/orders", headers=buyer)).json()["items"] == []

    # the buyer asks; a buyer cannot decide; the approver approves once
    r = await client.post("/api/v1/b2b/approvals", json={"lines": {"TEE": 2}, "amount": "300.00", "note": "feira"},
                          headers=buyer)  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    approval = r.json()["id"]
    r = await client.post(f"/api/v1/b2b/approvals/{approval}/approve", json={}, headers=buyer)
    assert r.status_code == 403 and r.json()["code"] == "approver_required"
    pending = (await client.get("/api/v1/b2b/approvals?status=pending", headers=approver)).json()["items"]
    assert [a["id"] for a in pending] == [approval]
    r = await client.post(f"/api/v1/b2b/approvals/{approval}/approve", json={"note": "ok"}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = await client.post(f"/api/v1/b2b/approvals/{approval}/reject", json={}, headers=approver)
    assert r.status_code == 409 and r.json()["code"] == "approval_not_pending"

    # another basket is not covered; the approved one goes through once
    other = checkout_body(items=[{"sku": "TEE", "quantity": 3}])
    r = await client.post("/api/v1/orders", json=other, headers={**buyer, "Idempotency-Key": "b2b-2"})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    r = await client.post("/api/v1/orders", json={**body, "po_number": "PO-2026/0042"},
                          headers={**buyer, "Idempotency-Key": "b2b-3"})  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "paid", r.text
    assert r.json()["po_number"] == "PO-2026/0042"  # the buyer's purchase-order number stays on the order
    r = await client.post("/api/v1/orders", json={**body, "po_number": "<script>"},
                          headers={**buyer, "Idempotency-Key": "b2b-bad-po"})  # fmt: skip
    assert r.status_code == 422
    [mine] = (await client.get("/api/v1/b2b/approvals", headers=buyer)).json()["items"]
    assert mine["status"] == "used"
    r = await client.post("/api/v1/orders", json=body, headers={**buyer, "Idempotency-Key": "b2b-4"})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    # within the limit: no approval needed
    small = checkout_body(items=[{"sku": "TEE", "quantity": 1}])
    r = await client.post("/api/v1/orders", json=small, headers={**buyer, "Idempotency-Key": "b2b-5"})
    assert r.status_code == 201, r.text
