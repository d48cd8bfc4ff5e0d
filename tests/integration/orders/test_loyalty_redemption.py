"""Eco-loyalty points spent as a discount at checkout: debited once with the order, refused beyond the
balance (nothing else happens then), given back when the order is cancelled."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import new_id
from ecovarejo.inventory import service as inventory
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from ecovarejo.users import service as users
from tests.support import make_tenant

from .shop import checkout_body

PASSWORD = "Um-Segredo-Verde-42"


async def _balance(client, h) -> int:
    r = await client.get("/api/v1/users/loyalty", headers=h)
    assert r.status_code == 200, r.text
    return int(r.json()["balance"])


async def test_points_pay_part_of_an_order_and_come_back_on_cancel(container, client) -> None:
    tid = await make_tenant(container)
    t = {"X-Tenant-ID": str(tid)}
    admin = Principal(user_id=new_id(), tenant_id=tid, user_type="admin")
    async with container.uow(tid, actor="test") as uow:
        await products.create_product(
            uow, ProductCreate(sku="ECO-SOAP-1", name="Sabonete", price=Decimal("30.00")), admin
        )
        wh = await inventory.create_warehouse(uow, "CD-SP", "CD SP")
        await uow.commit()
    async with container.uow(tid, actor="test") as uow:
        await inventory.adjust(uow, "ECO-SOAP-1", wh.id, 10, reason="received", actor="t")
        await uow.commit()
    body = {"email": "pontos@example.com", "password": PASSWORD, "first_name": "Ana", "last_name": "Lima",
            "accept_terms": True, "accept_privacy": True}  # fmt: skip
    r = await client.post("/api/v1/auth/register", json=body, headers=t)
    assert r.status_code == 201, r.text
    user_id = uuid.UUID(r.json()["id"])
    tokens = (
        await client.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD}, headers=t)
    ).json()
    h = {**t, "Authorization": f"Bearer {tokens['access_token']}"}
    async with container.uow(tid, actor="test") as uow:  # a delivered order earned 150 points
        assert await users.earn_order_points(uow, user_id, new_id(), "150.00") == 150
        await uow.commit()
    assert await _balance(client, h) == 150

    items = [{"sku": "ECO-SOAP-1", "quantity": 1}]
    too_many = checkout_body(items=items, loyalty_points=151)
    r = await client.post("/api/v1/orders", json=too_many, headers={**h, "Idempotency-Key": "l-0"})
    assert (r.status_code, r.json()["code"]) == (409, "insufficient_points")
    assert await _balance(client, h) == 150
    async with container.uow(tid, read_only=True) as uow:
        assert (await inventory.availability(uow, ["ECO-SOAP-1"]))["ECO-SOAP-1"] == 10  # stock released

    r = await client.post(
        "/api/v1/orders", json=checkout_body(items=items, loyalty_points=100), headers={**h, "Idempotency-Key": "l-1"}
    )
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["loyalty_discount"] == "5.00"  # 100 points × R$ 0,05
    assert Decimal(order["total_amount"]) == Decimal(order["subtotal"]) + Decimal(order["shipping_cost"]) - Decimal(
        "5.00"
    )
    assert await _balance(client, h) == 50

    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "changed my mind"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert await _balance(client, h) == 150
