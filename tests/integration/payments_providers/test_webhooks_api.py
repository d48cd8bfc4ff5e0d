"""Webhooks through the API: each provider's signature (computed here with hmac/hashlib), 400 and no
change on a bad one, one effect for a duplicate, tolerance of out-of-order delivery, disputes."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from ecovarejo.core.models import OutboxEvent
from ecovarejo.payments import service
from ecovarejo.payments.ext_models import Dispute, WebhookEvent
from ecovarejo.payments.gateway import GatewayResult
from ecovarejo.payments.setup import Providers
from tests.support import make_tenant


async def _authorized(container, tid: uuid.UUID, reference: str, amount: str = "50.00", key: str = "chk-1"):
    result = GatewayResult(True, reference, "authorized", Decimal(amount))
    async with container.uow(tid) as uow:
        p = await service.record_authorization(
            uow, result, gateway="failover", amount=Decimal(amount), currency="BRL", method="card", source="",
            idempotency_key=key, order_id=uuid.uuid4(),
        )  # fmt: skip
        await uow.commit()
        return p.id


def stripe_sig(body: bytes, secret: str = "whsec_test", t: int | None = None) -> str:
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def stripe_event(event_id: str, etype: str, obj: dict) -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": etype, "created": int(time.time()), "data": {"object": obj}}
    ).encode()


async def _state(container, tid, pid):
    async with container.uow(tid, read_only=True) as uow:
        p = await service.get_payment(uow, pid)
        txns = [(t.kind, t.idempotency_key) for t in await service.transactions(uow, pid)]
        events = await uow.session.scalar(select(func.count()).select_from(WebhookEvent))
        captured = await uow.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "payment.captured")
        )
        return p.status, p.captured_amount, txns, events, captured


async def test_stripe_webhook_signature_duplicates_and_order(wired, client) -> None:
    tid = await make_tenant(wired)
    h = {"X-Tenant-ID": str(tid), "Content-Type": "application/json"}
    pid = await _authorized(wired, tid, "stripe:pi_w1")
    before = await _state(wired, tid, pid)
    body = stripe_event(
        "evt_1",
        "payment_intent.succeeded",
        {"id": "pi_w1", "object": "payment_intent", "status": "succeeded", "amount_received": 5000},
    )
    # bad signature, wrong secret, stale timestamp, no header: 400, nothing changes
    for sig in (
        stripe_sig(body)[:-2] + "00",
        stripe_sig(body, "whsec_other"),
        stripe_sig(body, t=int(time.time()) - 3600),
        None,
    ):
        r = await client.post(
            "/api/v1/payments/webhooks/stripe",
            content=body,
            headers={**h, **({"Stripe-Signature": sig} if sig else {})},
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid_signature"
    assert await _state(wired, tid, pid) == before
    # good: captured once, with the checkout's own capture key; a duplicate has no second effect
    for outcome in ("processed", "duplicate"):
        r = await client.post(
            "/api/v1/payments/webhooks/stripe", content=body, headers={**h, "Stripe-Signature": stripe_sig(body)}
        )
        assert r.status_code == 200 and r.json()["outcome"] == outcome
    status, captured, txns, events, emitted = await _state(wired, tid, pid)
    assert (status, captured, events, emitted) == ("captured", Decimal("50.00"), 1, 1)
    assert ("capture", "chk-1:capture") in txns
    # the checkout's own capture record arriving afterwards is a no-op (same key)
    async with wired.uow(tid) as uow:
        again = await service.record_capture(
            uow, pid, GatewayResult(True, "stripe:pi_w1", "captured", Decimal("50")), Decimal("50"), "chk-1:capture"
        )
    assert again is False
    # an older event arriving late is kept as stale and changes nothing
    late = stripe_event(
        "evt_0",
        "payment_intent.amount_capturable_updated",
        {"id": "pi_w1", "object": "payment_intent", "status": "requires_capture"},
    )
    r = await client.post(
        "/api/v1/payments/webhooks/stripe", content=late, headers={**h, "Stripe-Signature": stripe_sig(late)}
    )
    assert r.json()["outcome"] == "stale"
    assert (await _state(wired, tid, pid))[:2] == ("captured", Decimal("50.00"))


async def test_event_before_the_payment_exists_is_retried_later(wired, client) -> None:
    tid = await make_tenant(wired)
    h = {"X-Tenant-ID": str(tid), "Content-Type": "application/json"}
    body = stripe_event(
        "evt_early", "payment_intent.succeeded", {"id": "pi_early", "object": "payment_intent", "amount": 100}
    )
    r = await client.post(
        "/api/v1/payments/webhooks/stripe", content=body, headers={**h, "Stripe-Signature": stripe_sig(body)}
    )
    assert r.status_code == 409 and r.json()["code"] == "payment_not_found_yet"
    pid = await _authorized(wired, tid, "stripe:pi_early", "1.00", key="chk-early")
    r = await client.post(
        "/api/v1/payments/webhooks/stripe", content=body, headers={**h, "Stripe-Signature": stripe_sig(body)}
    )
    assert r.json()["outcome"] == "processed"
    assert (await _state(wired, tid, pid))[0] == "captured"


async def test_stripe_dispute_is_recorded_once(wired, client) -> None:
    tid = await make_tenant(wired)
    h = {"X-Tenant-ID": str(tid), "Content-Type": "application/json"}
    pid = await _authorized(wired, tid, "stripe:pi_d1", key="chk-d")
    body = stripe_event(
        "evt_d1",
        "charge.dispute.created",
        {
            "id": "dp_1",
            "object": "dispute",
            "amount": 2000,
            "reason": "fraudulent",
            "status": "needs_response",
            "payment_intent": "pi_d1",
        },
    )
    for _ in range(2):
        r = await client.post(
            "/api/v1/payments/webhooks/stripe", content=body, headers={**h, "Stripe-Signature": stripe_sig(body)}
        )
        assert r.status_code == 200
    async with wired.uow(tid, read_only=True) as uow:
        rows = [
            (d.payment_id, d.amount, d.reason, d.status) for d in (await uow.session.scalars(select(Dispute))).all()
        ]
    assert rows == [(pid, Decimal("20.00"), "fraudulent", "open")]


async def test_mercadopago_x_signature_and_status_read_back(wired, client) -> None:
    tid = await make_tenant(wired)
    gw = wired.ports.get(Providers)["mercadopago"]
    auth = await gw.authorize(amount=Decimal("12.34"), currency="BRL", source="tok", idempotency_key="mp-w1")
    await gw.capture(auth.reference, Decimal("12.34"), idempotency_key="mp-w1:c")
    pid = await _authorized(wired, tid, f"mercadopago:{auth.reference}", "12.34", key="chk-mp")
    body = json.dumps(
        {"id": 777001, "type": "payment", "action": "payment.updated", "data": {"id": auth.reference}}
    ).encode()
    ts, req_id = str(int(time.time())), "req-abc"
    manifest = f"id:{auth.reference};request-id:{req_id};ts:{ts};"
    good = hmac.new(b"mp-secret", manifest.encode(), hashlib.sha256).hexdigest()
    h = {"X-Tenant-ID": str(tid), "Content-Type": "application/json", "x-request-id": req_id}
    url = f"/api/v1/payments/webhooks/mercadopago?data.id={auth.reference}&type=payment"
    r = await client.post(url, content=body, headers={**h, "x-signature": f"ts={ts},v1={'0' * 64}"})
    assert r.status_code == 400
    assert (await _state(wired, tid, pid))[0] == "authorized"
    r = await client.post(url, content=body, headers={**h, "x-signature": f"ts={ts},v1={good}"})
    assert r.status_code == 200 and r.json()["outcome"] == "processed"
    assert (await _state(wired, tid, pid))[0] == "captured"


async def test_pagbank_authenticity_token(wired, client) -> None:
    tid = await make_tenant(wired)
    pid = await _authorized(wired, tid, "pagseguro:CHAR_W1", "9.90", key="chk-pb")
    body = json.dumps(
        {
            "id": "ORDE_1",
            "charges": [{"id": "CHAR_W1", "status": "PAID", "amount": {"value": 990, "summary": {"paid": 990}}}],
        }
    ).encode()
    token = hashlib.sha256(b"pb-webhook-token-" + body).hexdigest()
    h = {"X-Tenant-ID": str(tid), "Content-Type": "application/json"}
    r = await client.post(
        "/api/v1/payments/webhooks/pagseguro", content=body, headers={**h, "x-authenticity-token": "f" * 64}
    )
    assert r.status_code == 400
    r = await client.post(
        "/api/v1/payments/webhooks/pagseguro", content=body, headers={**h, "x-authenticity-token": token}
    )
    assert r.status_code == 200 and r.json()["outcome"] == "processed"
    r = await client.post(
        "/api/v1/payments/webhooks/pagseguro", content=body, headers={**h, "x-authenticity-token": token}
    )
    assert r.json()["outcome"] == "duplicate"
    assert (await _state(wired, tid, pid))[:2] == ("captured", Decimal("9.90"))
    r = await client.post("/api/v1/payments/webhooks/nope", content=body, headers=h)
    assert r.status_code == 404


async def test_mercadopago_chargeback_becomes_a_dispute(wired, client, mp_fake) -> None:
    tid = await make_tenant(wired)
    gw = wired.ports.get(Providers)["mercadopago"]
    auth = await gw.authorize(amount=Decimal("80.00"), currency="BRL", source="tok", idempotency_key="mp-cb")
    await gw.capture(auth.reference, Decimal("80.00"), idempotency_key="mp-cb:c")
    pid = await _authorized(wired, tid, f"mercadopago:{auth.reference}", "80.00", key="chk-cb")
    mp_fake[0].payments[int(auth.reference)]["status"] = "charged_back"  # the bank took the money back
    body = json.dumps(
        {"id": 777002, "type": "payment", "action": "payment.updated", "data": {"id": auth.reference}}
    ).encode()
    ts = str(int(time.time()))
    mac = hmac.new(b"mp-secret", f"id:{auth.reference};request-id:r2;ts:{ts};".encode(), hashlib.sha256).hexdigest()
    h = {
        "X-Tenant-ID": str(tid),
        "Content-Type": "application/json",
        "x-request-id": "r2",
        "x-signature": f"ts={ts},v1={mac}",
    }
    r = await client.post(f"/api/v1/payments/webhooks/mercadopago?data.id={auth.reference}", content=body, headers=h)
    assert r.status_code == 200 and r.json()["outcome"] == "processed"
    async with wired.uow(tid, read_only=True) as uow:
        rows = [(d.payment_id, d.amount, d.status) for d in (await uow.session.scalars(select(Dispute))).all()]
    assert rows == [(pid, Decimal("80.00"), "open")]


async def test_webhook_racing_the_checkout_capture_records_one_capture(wired, client) -> None:
    import asyncio

    tid = await make_tenant(wired)
    pid = await _authorized(wired, tid, "stripe:pi_race", "70.00", key="chk-race")
    body = stripe_event("evt_race", "payment_intent.succeeded", {"id": "pi_race", "object": "payment_intent"})
    h = {"X-Tenant-ID": str(tid), "Content-Type": "application/json", "Stripe-Signature": stripe_sig(body)}

    async def checkout_capture() -> bool:
        async with wired.uow(tid) as uow:
            ok = await service.record_capture(
                uow, pid, GatewayResult(True, "stripe:pi_race", "captured", Decimal("70.00")), Decimal("70.00"),
                "chk-race:capture",
            )  # fmt: skip
            await asyncio.sleep(0.2)  # keep the transaction open while the webhook arrives
            await uow.commit()
            return ok

    recorded, response = await asyncio.gather(
        checkout_capture(), client.post("/api/v1/payments/webhooks/stripe", content=body, headers=h)
    )
    assert response.status_code == 200, response.text
    status, captured, txns, _events, emitted = await _state(wired, tid, pid)
    assert (status, captured) == ("captured", Decimal("70.00"))
    assert [k for k, _ in txns].count("capture") == 1
    assert emitted == (0 if recorded else 1)
