"""Checkout: the saga (reserve, authorize, create, commit, capture), its compensations, idempotency,
and the order events."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select, text

from ecovarejo.core.models import OutboxEvent
from ecovarejo.payments.gateway import PaymentGateway

from .shop import ADDRESS, checkout_body, open_shop


async def events(shop, type_):
    async with shop.container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == shop.tenant_id))).all()
    return [r.envelope["data"] for r in rows if r.type == type_]


async def register(client, shop) -> uuid.UUID:
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "email": "ana@example.com",
            "password": "correct horse battery staple 42",
            "first_name": "Ana",
            "last_name": "Souza",
            "locale": "pt-BR",
            "accept_terms": True,
            "accept_privacy": True,
        },
        headers=shop.h,
    )
    assert r.status_code == 201, r.text
    return uuid.UUID(r.json()["id"])


async def test_checkout_from_cart_creates_a_paid_order_and_replays(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"), sustainability_score=Decimal("9.2"))
    await shop.stock("TEE", 5)
    uid = await register(client, shop)
    _, h = shop.customer(uid)
    assert (await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 2}, headers=h)).status_code == 200

    r = await client.post("/api/v1/orders", json=checkout_body(), headers=h)
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_required"

    key = {"Idempotency-Key": "order-1"}
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**h, **key})
    assert r.status_code == 201, r.text
    assert r.headers["Idempotent-Replayed"] == "false"
    order = r.json()
    assert order["status"] == "paid" and order["order_number"].startswith("EV-")
    assert (order["subtotal"], order["shipping_cost"], order["total_amount"]) == ("179.80", "14.90", "194.70")
    assert order["tax_amount"] == "35.05"  # ICMS por dentro: SP 18 % of 194.70
    assert order["carbon_footprint"] == "5.90" and order["sustainability_score"] == 92 and order["eco_packaging"]
    assert [h["to_status"] for h in order["history"]] == ["pending", "awaiting_payment", "paid"]
    [pay] = order["payments"]
    assert (pay["status"], pay["captured_amount"], pay["card_last4"]) == ("captured", "194.70", "4242")
    assert await shop.available("TEE") == 3
    r = await client.get("/api/v1/cart", headers=h)
    assert r.json()["items"] == []  # the cart was emptied

    # same key and body: the first answer again, nothing new happens
    again = await client.post("/api/v1/orders", json=checkout_body(), headers={**h, **key})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == order["id"]
    # same key, another body: refused
    other = await client.post("/api/v1/orders", json=checkout_body(eco_packaging=False), headers={**h, **key})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # another customer's identical key is theirs
    _, h2 = shop.customer()
    r2 = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": "TEE", "quantity": 1}]),
                           headers={**h2, **key})  # fmt: skip
    assert r2.status_code == 201 and r2.json()["id"] != order["id"]
    assert await shop.available("TEE") == 2

    placed, paid = await events(shop, "order.placed"), await events(shop, "order.paid")
    mine = [e for e in paid if e["order_id"] == order["id"]]
    assert len([e for e in placed if e["order_id"] == order["id"]]) == 1 and len(mine) == 1
    e = mine[0]
    assert (e["locale"], e["user_id"]) == ("pt-BR", str(uid))
    assert "email" not in e and "first_name" not in e  # ids only (docs/events.md, payload rule)
    assert (e["total"], e["currency"], e["carbon_footprint_kg"], e["sustainability_score"]) == (
        "194.70", "BRL", "5.90", 92,
    )  # fmt: skip
    assert e["items"] == [
        {"product_id": str(shop.catalog.items["TEE"].product_id), "sku": "TEE", "name": "Tee", "quantity": 2,
         "unit_price": "89.90"},
    ]  # fmt: skip

    r = await client.get("/api/v1/orders", headers=h)
    assert [o["id"] for o in r.json()["items"]] == [order["id"]]
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=h2)).status_code == 404


async def test_declined_and_timed_out_payments_release_the_stock(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "50.00")
    await shop.stock("TEE", 2)
    _, h = shop.customer()
    items = [{"sku": "TEE", "quantity": 2}]
    for n, (card, code) in enumerate(
        [("tok_decline", "payment_declined"), ("tok_insufficient_funds", "payment_declined"),
         ("tok_timeout", "payment_unavailable")]
    ):  # fmt: skip
        body = checkout_body(items=items, payment={"method": "card", "source": card})
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": f"k{n}"})
        assert (r.status_code, r.json()["code"]) == (402, code), r.text
        assert await shop.available("TEE") == 2
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/api/v1/orders", headers=h)
    assert r.json()["items"] == []
    r = await client.post("/api/v1/orders", json=checkout_body(items=items), headers={**h, "Idempotency-Key": "ok"})
    assert r.status_code == 201 and await shop.available("TEE") == 0
    r = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": "TEE", "quantity": 1}]),
                          headers={**h, "Idempotency-Key": "late"})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (409, "insufficient_stock")


async def test_bad_checkout_input_is_a_clear_4xx(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "50.00")
    await shop.stock("TEE", 2)
    _, h = shop.customer()
    k = {"Idempotency-Key": "x"}
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**shop.h, **k})
    assert r.status_code == 401
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**h, **k})
    assert (r.status_code, r.json()["code"]) == (422, "cart_empty")
    bad = {**ADDRESS, "state": "XX"}
    r = await client.post("/api/v1/orders", json=checkout_body(shipping_address=bad, items=[{"sku": "TEE"}]),
                          headers={**h, "Idempotency-Key": "y"})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    assert await shop.available("TEE") == 2


async def test_failure_after_authorization_voids_the_payment_and_releases_stock(container, client):
    """The last coupon use is taken by someone else while this checkout is at the payment provider."""
    shop = await open_shop(container)
    shop.catalog.put("TEE", "50.00")
    await shop.stock("TEE", 3)
    r = await client.post("/api/v1/admin/coupons", json={"code": "LAST", "kind": "fixed", "value": "5", "max_uses": 1},
                          headers=shop.admin)  # fmt: skip
    assert r.status_code == 201
    real = container.ports.get(PaymentGateway)

    class RacingGateway:
        name = "sandbox"

        async def authorize(self, **kw):
            result = await real.authorize(**kw)
            async with container.db.system_session() as s:  # meanwhile, another order uses the coupon up
                await s.execute(text("UPDATE coupons SET used_count = 1 WHERE code = 'LAST'"))
                await s.commit()
            return result

        def __getattr__(self, name):
            return getattr(real, name)

    container.ports.provide(PaymentGateway, RacingGateway())
    _, h = shop.customer()
    body = checkout_body(items=[{"sku": "TEE", "quantity": 2}], coupons=["LAST"])
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "race"})
    assert (r.status_code, r.json()["code"]) == (409, "coupon_exhausted")
    assert await shop.available("TEE") == 3
    async with container.db.system_session() as s:
        payments = (await s.execute(text("SELECT status, gateway_reference FROM payments"))).all()
        orders = await s.scalar(text("SELECT count(*) FROM orders"))
    assert orders == 0 and [p.status for p in payments] == ["voided"]
    assert (await real.status(payments[0].gateway_reference)).status == "voided"
