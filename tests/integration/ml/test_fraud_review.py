"""Fraud screening at checkout: a risky card order is held (authorized, stock committed) until staff
approve it (captured, paid) or reject it (cancelled, authorization voided, stock back); above the
decline threshold checkout refuses before reserving anything; a calm order is paid at once."""

from __future__ import annotations

import uuid

import httpx

from ecovarejo.app import create_app
from ecovarejo.ml import repository as ml_repo
from ecovarejo.ml.public import ports_of
from ecovarejo.orders.public import OrdersPorts
from ecovarejo.payments import refunds
from ecovarejo.payments.models import Payment
from tests.integration.orders.shop import ADDRESS, checkout_body, open_shop
from tests.support import eventually

RISKY = {"billing_address": {**ADDRESS, "state": "RJ"}, "items": [{"sku": "TEE", "quantity": 2}]}


async def test_hold_approve_reject_and_decline(container, client) -> None:
    shop = await open_shop(container, fraud_screen=True)
    assert container.ports.get(OrdersPorts).fraud is ports_of(container).screen  # provided by the ml context
    shop.catalog.put("TEE", "600.00")
    await shop.stock("TEE", 10)
    r = await client.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.3, "decline_at": 0.95}, headers=shop.admin)
    assert r.status_code == 200, r.text
    bad = await client.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.9, "decline_at": 0.3}, headers=shop.admin)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_thresholds"

    # a first order of R$ 1.200 billed in another state: held, money authorized, stock committed
    _, ana = shop.customer()
    r = await client.post("/api/v1/orders", json=checkout_body(**RISKY), headers={**ana, "Idempotency-Key": "a1"})
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["status"] == "awaiting_payment" and held["fraud_review"] == "pending"
    assert [p["status"] for p in held["payments"]] == ["authorized"]
    assert await shop.available("TEE") == 8

    queue = (await client.get("/api/v1/ml/fraud/reviews", headers=shop.admin)).json()["items"]
    [item] = queue
    assert item["order_id"] == held["id"] and item["review_status"] == "pending"
    assert {"billing_shipping_states_differ", "high_first_order"} <= set(item["reasons"])
    assert 0.3 <= item["score"] < 0.95
    # customers cannot review
    assert (await client.post(f"/api/v1/ml/fraud/reviews/{held['id']}/approve", headers=ana)).status_code == 403

    r = await client.post(f"/api/v1/ml/fraud/reviews/{held['id']}/approve", headers=shop.admin)
    assert r.status_code == 200, r.text
    paid = r.json()
    assert paid["status"] == "paid" and [p["status"] for p in paid["payments"]] == ["captured"]
    again = await client.post(f"/api/v1/ml/fraud/reviews/{held['id']}/reject", headers=shop.admin)
    assert again.status_code == 409 and again.json()["code"] == "already_reviewed"
    assert await shop.available("TEE") == 8

    # another one, rejected: cancelled, authorization voided, stock back
    _, bia = shop.customer()
    r = await client.post("/api/v1/orders", json=checkout_body(**RISKY), headers={**bia, "Idempotency-Key": "b1"})
    assert r.status_code == 201 and r.json()["fraud_review"] == "pending"
    order_id = r.json()["id"]
    assert await shop.available("TEE") == 6
    r = await client.post(f"/api/v1/ml/fraud/reviews/{order_id}/reject", headers=shop.admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and [p["status"] for p in r.json()["payments"]] == ["voided"]
    assert await shop.available("TEE") == 8
    decided = (await client.get("/api/v1/ml/fraud/reviews?status=rejected", headers=shop.admin)).json()["items"]
    assert [d["order_id"] for d in decided] == [order_id]
    assert (await client.get("/api/v1/ml/fraud/reviews", headers=shop.admin)).json()["items"] == []

    # above the decline threshold: refused before anything is reserved or charged
    r = await client.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.2, "decline_at": 0.3}, headers=shop.admin)
    assert r.status_code == 200
    _, caio = shop.customer()
    r = await client.post("/api/v1/orders", json=checkout_body(**RISKY), headers={**caio, "Idempotency-Key": "c1"})
    assert r.status_code == 402 and r.json()["code"] == "order_declined_risk", r.text
    assert await shop.available("TEE") == 8
    assert (await client.get("/api/v1/orders", headers=caio)).json()["items"] == []

    # a calm order goes straight through (the default thresholds; the sandbox's test card is shared by
    # every account, so it carries no card velocity)
    r = await client.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.6, "decline_at": 0.9}, headers=shop.admin)
    _, dora = shop.customer()
    calm = checkout_body(items=[{"sku": "TEE", "quantity": 1}])
    r = await client.post("/api/v1/orders", json=calm, headers={**dora, "Idempotency-Key": "d1"})
    assert r.status_code == 201 and r.json()["status"] == "paid" and "fraud_review" not in r.json()


async def test_pix_is_never_held(container, client) -> None:
    """A push payment reaches the shop before anything ships: scored and recorded, never held."""
    shop = await open_shop(container, fraud_screen=True)
    shop.catalog.put("TEE", "600.00")
    await shop.stock("TEE", 5)
    await client.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.1, "decline_at": 0.2}, headers=shop.admin)
    _, ana = shop.customer()
    body = checkout_body(**RISKY, payment={"method": "pix"})
    r = await client.post("/api/v1/orders", json=body, headers={**ana, "Idempotency-Key": "p1"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "awaiting_payment" and "fraud_review" not in r.json()
    assert (await client.get("/api/v1/ml/fraud/reviews", headers=shop.admin)).json()["items"] == []


async def test_the_buyers_ip_feeds_the_screen(container) -> None:
    """Checkout hands the client's address to the screen (hashed there): a fourth account ordering from
    one IP within the month is flagged; a loopback address carries no identity."""
    shop = await open_shop(container, fraud_screen=True)
    shop.catalog.put("TEE", "60.00")
    await shop.stock("TEE", 20)
    app = create_app(container=container)

    async def order_from(ip: str, n: int) -> dict:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            if n == 0:
                r = await c.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.15, "decline_at": 0.95},
                                headers=shop.admin)  # fmt: skip
                assert r.status_code == 200, r.text
            _, h = shop.customer()
            body = checkout_body(items=[{"sku": "TEE", "quantity": 1}])
            r = await c.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": f"ip{ip}{n}"})
            assert r.status_code == 201, r.text
            return r.json()

    for n in range(3):  # three accounts behind one address: fine
        assert (await order_from("203.0.113.7", n))["status"] == "paid"
    fourth = await order_from("203.0.113.7", 3)
    assert fourth.get("fraud_review") == "pending"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        [item] = (await c.get("/api/v1/ml/fraud/reviews", headers=shop.admin)).json()["items"]
    assert item["order_id"] == fourth["id"] and "ip_shared_by_accounts" in item["reasons"]
    for n in range(4, 8):  # loopback (the shop's own machine, a proxy without its header): no identity
        assert (await order_from("127.0.0.1", n))["status"] == "paid"


async def test_a_chargeback_labels_the_order_as_fraud(container, client) -> None:
    """``payment.disputed`` from the payments context makes the order's assessment a fraud example."""
    shop = await open_shop(container, fraud_screen=True)
    shop.catalog.put("TEE", "60.00")
    await shop.stock("TEE", 5)
    _, ana = shop.customer()
    r = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": "TEE", "quantity": 1}]),
                          headers={**ana, "Idempotency-Key": "cb1"})  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "paid", r.text
    order_id = r.json()["id"]
    async with container.uow(shop.tenant_id, actor="test") as uow:
        a = await ml_repo.assessment_for_order(uow, uuid.UUID(order_id))
        assert a is not None and a.label is None
        payment = await uow.session.get(Payment, uuid.UUID(r.json()["payments"][0]["id"]))
        assert payment is not None and payment.gateway_reference
        await refunds.record_dispute(uow, provider=payment.gateway, dispute_id="dp_1",
                                     reference=payment.gateway_reference, amount=payment.amount,
                                     reason="fraudulent", status="open")  # fmt: skip
        await uow.commit()

    async def labelled() -> bool:
        async with container.uow(shop.tenant_id, read_only=True) as uow:
            a = await ml_repo.assessment_for_order(uow, uuid.UUID(order_id))
            return a is not None and a.label == 1

    await eventually(labelled, message="the chargeback labels the assessment")
