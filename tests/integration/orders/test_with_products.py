"""Checkout against the real catalog (the products service behind the default catalog port)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import new_id
from ecovarejo.core.models import OutboxEvent
from ecovarejo.inventory import service as inventory
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from tests.support import bearer, make_tenant, token_for

from .shop import checkout_body


async def test_checkout_prices_from_the_products_service(container, client):
    tid = await make_tenant(container)
    admin = Principal(user_id=new_id(), tenant_id=tid, user_type="admin")
    async with container.uow(tid, actor="test") as uow:
        p = await products.create_product(
            uow,
            ProductCreate(sku="ECO-TSHIRT-001", name="Camiseta Orgânica Básica", price=Decimal("89.90"),
                          carbon_footprint_kg=Decimal("2.5")),
            admin,
        )  # fmt: skip
        wh = await inventory.create_warehouse(uow, "CD-SP", "CD SP")
        await uow.commit()
    async with container.uow(tid, actor="test") as uow:
        view = await inventory.adjust(uow, "ECO-TSHIRT-001", wh.id, 150, reason="received", actor="t", reorder_level=20)
        await uow.commit()
    assert view.product_id == p.id  # inventory learnt the product from the catalog

    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer"))}
    r = await client.post("/api/v1/cart/items", json={"sku": "ECO-TSHIRT-001", "quantity": 2}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["unit_price"] == "89.90"
    assert r.json()["items"][0]["product_id"] == str(p.id)
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**h, "Idempotency-Key": "real"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["subtotal"] == "179.80" and order["items"][0]["product_id"] == str(p.id)
    assert order["carbon_footprint"] == "5.90"  # 2.5 × 2 + SP transport 0.80 + eco packaging 0.10
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tid))).all()
    replenished = [r.envelope["data"] for r in rows if r.type == "stock.replenished"]
    assert replenished == [{"sku": "ECO-TSHIRT-001", "product_id": str(p.id), "available": 150}]
