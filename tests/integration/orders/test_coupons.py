"""Coupons: kinds, conditions, validity window, per-customer and global limits, stacking."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from ecovarejo.core.db import utcnow

from .shop import checkout_body, open_shop


async def coupon(client, shop, **kw):
    r = await client.post("/api/v1/admin/coupons", json=kw, headers=shop.admin)
    assert r.status_code == 201, r.text
    return r.json()


async def test_coupon_kinds_conditions_and_stacking(container, client):
    shop = await open_shop(container)
    cat = uuid.uuid4()
    shop.catalog.put("ECO", "100.00", certified=True, category_path=[cat])
    shop.catalog.put("STD", "50.00")
    await shop.stock("ECO", 20)
    await shop.stock("STD", 20)
    now = utcnow()
    container.clock = lambda: now
    await coupon(client, shop, code="dez", kind="percent", value="10")
    await coupon(client, shop, code="ECO20", kind="fixed", value="20", certified_only=True, stackable=True)
    await coupon(client, shop, code="FRETE", kind="free_shipping", min_subtotal="120", stackable=True)
    await coupon(client, shop, code="CAT15", kind="percent", value="15", category_ids=[str(cat)])
    await coupon(client, shop, code="B2B", kind="percent", value="5", b2b_only=True)
    await coupon(client, shop, code="FIRST", kind="fixed", value="10", first_order_only=True)
    await coupon(client, shop, code="LATER", kind="fixed", value="5",
                 starts_at=(now + timedelta(days=1)).isoformat())  # fmt: skip
    r = await client.post("/api/v1/admin/coupons", json={"code": "DEZ", "kind": "percent", "value": "5"},
                          headers=shop.admin)  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (409, "coupon_exists")
    r = await client.post("/api/v1/admin/coupons", json={"code": "X", "kind": "percent", "value": "150"},
                          headers=shop.admin)  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (422, "invalid_coupon_value")

    _, h = shop.customer()
    await client.post("/api/v1/cart/items", json={"sku": "ECO", "quantity": 1}, headers=h)
    await client.post("/api/v1/cart/items", json={"sku": "STD", "quantity": 1}, headers=h)
    r = await client.post("/api/v1/cart/coupons", json={"code": "dez"}, headers=h)
    assert r.status_code == 200 and r.json()["summary"]["discount_amount"] == "15.00"  # 10 % of 150
    r = await client.post("/api/v1/cart/coupons", json={"code": "FRETE"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "coupon_not_stackable")  # DEZ must be alone
    await client.delete("/api/v1/cart/coupons/DEZ", headers=h)
    for code in ("ECO20", "FRETE"):
        r = await client.post("/api/v1/cart/coupons", json={"code": code}, headers=h)
        assert r.status_code == 200, r.text
    s = (await client.get("/api/v1/cart?state=RS", headers=h)).json()["summary"]
    assert (s["discount_amount"], s["shipping_cost"], s["total"]) == ("20.00", "0.00", "130.00")
    for code, status, reason in [
        ("B2B", 422, "coupon_b2b_only"),
        ("LATER", 422, "coupon_not_started"),
        ("NOPE", 422, "coupon_not_found"),
    ]:
        await client.delete("/api/v1/cart/coupons/ECO20", headers=h)
        await client.delete("/api/v1/cart/coupons/FRETE", headers=h)
        r = await client.post("/api/v1/cart/coupons", json={"code": code}, headers=h)
        assert (r.status_code, r.json()["code"]) == (status, reason), code
    r = await client.post("/api/v1/cart/coupons", json={"code": "CAT15"}, headers=h)
    assert r.json()["summary"]["discount_amount"] == "15.00"  # only the ECO line is in the category

    _, b2b = shop.customer(company_id=uuid.uuid4())
    await client.post("/api/v1/cart/items", json={"sku": "STD", "quantity": 2}, headers=b2b)
    r = await client.post("/api/v1/cart/coupons", json={"code": "B2B"}, headers=b2b)
    assert r.status_code == 200 and r.json()["summary"]["discount_amount"] == "5.00"
    r = await client.post("/api/v1/cart/coupons", json={"code": "ECO20"}, headers=b2b)
    assert (r.status_code, r.json()["code"]) == (422, "coupon_not_stackable")

    # first order only: fine for the first, refused afterwards
    _, newbie = shop.customer()
    body = checkout_body(items=[{"sku": "STD", "quantity": 1}], coupons=["FIRST"])
    r = await client.post("/api/v1/orders", json=body, headers={**newbie, "Idempotency-Key": "f1"})
    assert r.status_code == 201 and r.json()["discount_amount"] == "10.00" and r.json()["coupon_codes"] == ["FIRST"]
    r = await client.post("/api/v1/orders", json=body, headers={**newbie, "Idempotency-Key": "f2"})
    assert (r.status_code, r.json()["code"]) == (422, "coupon_first_order_only")

    # the validity window follows the (controlled) clock
    container.clock = lambda: now + timedelta(days=2)
    body = checkout_body(items=[{"sku": "STD", "quantity": 1}], coupons=["LATER"])
    r = await client.post("/api/v1/orders", json=body, headers={**newbie, "Idempotency-Key": "f3"})
    assert r.status_code == 201 and Decimal(r.json()["discount_amount"]) == Decimal("5")


async def test_usage_limits(container, client):
    shop = await open_shop(container)
    shop.catalog.put("STD", "50.00")
    await shop.stock("STD", 20)
    await coupon(client, shop, code="ONCE", kind="fixed", value="5", max_uses_per_customer=1)
    await coupon(client, shop, code="TWO", kind="fixed", value="5", max_uses=2)
    _, h = shop.customer()
    body = checkout_body(items=[{"sku": "STD", "quantity": 1}], coupons=["ONCE"])
    assert (await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "1"})).status_code == 201
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "2"})
    assert (r.status_code, r.json()["code"]) == (409, "coupon_limit_reached")
    body = checkout_body(items=[{"sku": "STD", "quantity": 1}], coupons=["TWO"])
    for n in range(2):
        _, other = shop.customer()
        r = await client.post("/api/v1/orders", json=body, headers={**other, "Idempotency-Key": "t"})
        assert r.status_code == 201
        last = r.json()["id"]
    _, late = shop.customer()
    r = await client.post("/api/v1/orders", json=body, headers={**late, "Idempotency-Key": "t"})
    assert (r.status_code, r.json()["code"]) == (409, "coupon_exhausted")
    # a cancelled order gives its use back
    r = await client.post(f"/api/v1/admin/orders/{last}/cancel", json={"reason": "test"}, headers=shop.admin)
    assert r.status_code == 200
    r = await client.post("/api/v1/orders", json=body, headers={**late, "Idempotency-Key": "t2"})
    assert r.status_code == 201
    assert await shop.available("STD") == 20 - 3  # 4 orders, one cancelled and restocked
