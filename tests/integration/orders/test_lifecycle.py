"""The order state machine through the API: fulfilment, illegal moves, cancel, return, refunds, events."""

from __future__ import annotations

from decimal import Decimal

from tests.support import eventually

from .shop import checkout_body, open_shop
from .test_checkout import events


async def place(client, shop, h, key, qty=2, sku="TEE"):
    r = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": sku, "quantity": qty}]),
                          headers={**h, "Idempotency-Key": key})  # fmt: skip
    assert r.status_code == 201, r.text
    return r.json()


async def test_fulfilment_delivery_return_and_refunds(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    await shop.stock("TEE", 10)
    _, h = shop.customer()
    order = await place(client, shop, h, "a")
    oid = order["id"]
    url = f"/api/v1/admin/orders/{oid}"

    assert (await client.post(f"{url}/status", json={"status": "fulfilling"}, headers=h)).status_code == 403
    r = await client.post(f"{url}/status", json={"status": "delivered"}, headers=shop.admin)
    assert (r.status_code, r.json()["code"]) == (409, "illegal_transition")
    r = await client.post(f"{url}/status", json={"status": "fulfilling", "reason": "picking"}, headers=shop.admin)
    assert r.status_code == 200 and r.json()["status"] == "fulfilling"
    # the customer can no longer cancel once fulfilment started
    r = await client.post(f"/api/v1/orders/{oid}/cancel", json={"reason": "changed my mind"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (409, "not_cancellable")
    r = await client.post(f"{url}/status", json={"status": "shipped"}, headers=shop.admin)
    assert (r.status_code, r.json()["code"]) == (422, "tracking_required")
    ship = {"status": "shipped", "carrier": "Correios", "tracking_code": "BR123456789BR",
            "tracking_url": "https://rastreamento.correios.com.br/?objeto=BR123456789BR"}  # fmt: skip
    r = await client.post(f"{url}/status", json=ship, headers=shop.admin)
    assert r.status_code == 200 and r.json()["tracking_code"] == "BR123456789BR"
    r = await client.post(f"{url}/status", json={"status": "delivered"}, headers=shop.admin)
    assert r.json()["status"] == "delivered"

    r = await client.post(f"/api/v1/orders/{oid}/return", json={"reason": "wrong size"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "return_requested"
    r = await client.post(f"{url}/status", json={"status": "returned"}, headers=shop.admin)
    assert r.json()["status"] == "returned"
    assert await shop.available("TEE") == 10  # returned units are back on the shelf

    total = order["total_amount"]
    refund = {"amount": "30.00", "reason": "partial"}
    r = await client.post(f"{url}/refund", json=refund, headers=shop.admin)
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_required")
    r = await client.post(f"{url}/refund", json=refund, headers={**shop.admin, "Idempotency-Key": "r1"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["refunded_amount"]) == ("partially_refunded", "30.00")
    again = await client.post(f"{url}/refund", json=refund, headers={**shop.admin, "Idempotency-Key": "r1"})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["refunded_amount"] == "30.00"
    r = await client.post(f"{url}/refund", json={"reason": "rest"}, headers={**shop.admin, "Idempotency-Key": "r2"})
    assert (r.json()["status"], r.json()["refunded_amount"]) == ("refunded", total)
    assert r.json()["payments"][0]["refunded_amount"] == total
    r = await client.post(f"{url}/refund", json={"amount": "1.00", "reason": "x"},
                          headers={**shop.admin, "Idempotency-Key": "r3"})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (409, "not_refundable")

    detail = (await client.get(url, headers=shop.admin)).json()
    history = [x["to_status"] for x in detail["history"]]
    assert history == ["pending", "awaiting_payment", "paid", "fulfilling", "shipped", "delivered",
                       "return_requested", "returned", "partially_refunded", "refunded"]  # fmt: skip
    assert all(x["actor"] and x["at"] for x in detail["history"])

    shipped = await events(shop, "order.shipped")
    assert [(e["carrier"], e["tracking_code"], e["tracking_url"]) for e in shipped] == [
        ("Correios", "BR123456789BR", ship["tracking_url"])
    ]
    assert [e["order_id"] for e in await events(shop, "order.delivered")] == [oid]
    assert sorted(e["amount"] for e in await events(shop, "order.refunded")) == sorted(
        ["30.00", str(Decimal(total) - Decimal("30.00"))]
    )

    r = await client.get("/api/v1/admin/orders?status=refunded", headers=shop.admin)
    assert [o["id"] for o in r.json()["items"]] == [oid]
    r = await client.get(f"/api/v1/admin/orders?q={order['order_number']}", headers=shop.admin)
    assert [o["id"] for o in r.json()["items"]] == [oid]


async def test_customer_cancel_refunds_and_restocks(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    await shop.stock("TEE", 4)
    _, h = shop.customer()
    order = await place(client, shop, h, "c", qty=3)
    assert await shop.available("TEE") == 1
    _, other = shop.customer()
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=other)
    assert r.status_code == 404
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "oops"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "cancelled" and body["refunded_amount"] == body["total_amount"]
    assert body["payments"][0]["status"] == "refunded"
    assert await shop.available("TEE") == 4
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=h)
    assert (r.status_code, r.json()["code"]) == (409, "not_cancellable")
    [cancelled] = await events(shop, "order.cancelled")
    assert cancelled["order_id"] == order["id"] and cancelled["total"] == order["total_amount"]
    r = await client.post(f"/api/v1/orders/{order['id']}/return", json={}, headers=h)
    assert r.status_code == 409


async def test_orders_coupons_and_carts_stay_in_their_tenant(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    await shop.stock("TEE", 4)
    uid, h = shop.customer()
    order = await place(client, shop, h, "t1", qty=1)
    await client.post("/api/v1/admin/coupons", json={"code": "MINE", "kind": "fixed", "value": "5"}, headers=shop.admin)
    other = await open_shop(container)
    other.catalog = shop.catalog
    # the same user id and an admin of another tenant see nothing of the first tenant
    _, h_other = other.customer(uid)
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=h_other)).status_code == 404
    assert (await client.get("/api/v1/orders", headers=h_other)).json()["items"] == []
    assert (await client.get(f"/api/v1/admin/orders/{order['id']}", headers=other.admin)).status_code == 404
    assert (await client.get("/api/v1/admin/orders", headers=other.admin)).json()["items"] == []
    assert (await client.get("/api/v1/admin/coupons", headers=other.admin)).json()["items"] == []
    r = await client.post(f"/api/v1/admin/orders/{order['id']}/cancel", json={}, headers=other.admin)
    assert r.status_code == 404
    # a token of tenant A is not accepted for tenant B
    r = await client.get("/api/v1/orders", headers={**h, "X-Tenant-ID": str(other.tenant_id)})
    assert r.status_code == 401


async def test_delivery_earns_loyalty_points_through_order_events(container, client):

    from .test_checkout import register

    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00", sustainability_score=Decimal("9"))
    await shop.stock("TEE", 4)
    uid = await register(client, shop)
    _, h = shop.customer(uid)
    order = await place(client, shop, h, "loyal", qty=1)
    url = f"/api/v1/admin/orders/{order['id']}/status"
    for body in ({"status": "fulfilling"}, {"status": "shipped", "carrier": "Correios", "tracking_code": "BR1BR"},
                 {"status": "delivered"}):  # fmt: skip
        assert (await client.post(url, json=body, headers=shop.admin)).status_code == 200

    async def credited() -> dict | None:  # the users context consumes order.delivered asynchronously
        loyalty = (await client.get("/api/v1/users/loyalty", headers=h)).json()
        return loyalty if loyalty["balance"] else None

    loyalty = await eventually(credited)
    assert loyalty["balance"] > 0
