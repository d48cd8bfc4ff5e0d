"""A buyer's approval request e-mails the company's approvers and administrators, never the requester
nor the other buyers; a refused request e-mails no one. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from ecovarejo.notifications.models import NotificationMessage
from tests.integration.orders.shop import open_shop
from tests.support import bearer

PASSWORD = "correct horse battery staple 42"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda"}


async def test_approvers_are_emailed(container, client) -> None:
    shop = await open_shop(container)
    r = await client.post("/api/v1/auth/register", headers=shop.h, json={
        "email": "admin@verde.example", "password": PASSWORD, "first_name": "A", "last_name": "D",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY})  # fmt: skip
    assert r.status_code == 201, r.text

    async def login(email: str) -> dict[str, str]:
        r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=shop.h)
        return {**shop.h, **bearer(r.json()["access_token"])}

    admin = await login("admin@verde.example")
    ids = {}
    for who in ("buyer", "approver", "other"):
        r = await client.post("/api/v1/users/company/buyers", headers=admin, json={
            "email": f"{who}@verde.example", "first_name": who, "last_name": "X", "password": PASSWORD})  # fmt: skip
        ids[who] = r.json()["id"]
    r = await client.put(f"/api/v1/b2b/members/{ids['approver']}", json={"role": "approver"}, headers=admin)
    assert r.status_code == 200
    buyer = await login("buyer@verde.example")

    async def told() -> list[tuple[str, str]]:
        async with container.uow(shop.tenant_id, read_only=True) as uow:
            rows = (await uow.session.scalars(
                select(NotificationMessage).where(NotificationMessage.template == "approval_requested")
            )).all()  # fmt: skip
        return sorted((str(m.user_id), m.to_address) for m in rows)

    r = await client.post("/api/v1/b2b/approvals", json={"lines": {}, "amount": "300.00"}, headers=buyer)
    assert r.status_code == 422 and await told() == []  # refused: nothing recorded, nobody told
    r = await client.post("/api/v1/b2b/approvals", json={"lines": {"TEE": 2}, "amount": "300.00", "note": "feira"},
                          headers=buyer)  # fmt: skip
    assert r.status_code == 201, r.text
    admin_id = (await client.get("/api/v1/users/profile", headers=admin)).json()["id"]
    assert await told() == sorted([(ids["approver"], "approver@verde.example"), (admin_id, "admin@verde.example")])
