"""3-D Secure in the checkout, against the Stripe fake (its challenge card and page): the order waits in
``awaiting_payment`` with its stock held while the shopper authenticates; the return is settled from
Stripe's own answer and captured once however often it is visited; a refused challenge cancels the order
(stock back) and another card pays in a new attempt; an abandoned challenge expires and frees the stock."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ecovarejo.core.db import utcnow
from ecovarejo.payments.instant import expire_pending
from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import eventually

from .browser import stripe_payment_method
from .test_webhooks_api import stripe_sig

CHALLENGE_CARD = "4000 0027 6000 3184"
PLAIN_CARD = "4111 1111 1111 1111"


async def _checkout(client: Any, shop: Any, h: dict[str, str], pm: str, key: str) -> httpx.Response:
    body = checkout_body(items=[{"sku": "TEE", "quantity": 2}], payment={"method": "card", "source": pm})
    return await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": key})


async def _challenge(url: str, outcome: str) -> str:
    """The shopper at the issuer's page; returns the ``payment_intent`` Stripe's redirect names."""
    async with httpx.AsyncClient() as c:
        back = await c.get(url, params={"outcome": outcome})
    assert back.status_code == 303, back.text
    location = back.headers["location"]
    assert "/checkout/autenticacao?" in location
    return parse_qs(urlsplit(location).query)["payment_intent"][0]


def _captures(fake: Any) -> list[dict[str, Any]]:
    return [q for q in fake.requests if q["path"].endswith("/capture")]


async def test_a_challenged_card_waits_then_is_captured_once(wired, client, stripe_fake) -> None:
    fake, url = stripe_fake
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "89.90")
    await shop.stock("TEE", 5)
    _, h = shop.customer()
    pm = await stripe_payment_method(url, CHALLENGE_CARD)

    r = await _checkout(client, shop, h, pm, "3ds-ok")
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "awaiting_payment"
    assert order["next_action_url"].startswith(f"{url}/3ds/pi_")
    [pay] = order["payments"]
    assert (pay["status"], pay["method"], pay["next_action_url"]) == ("pending", "card", order["next_action_url"])
    assert await shop.available("TEE") == 3  # held while the shopper authenticates
    sent = [q for q in fake.requests if q["path"] == "/v1/payment_intents"][-1]
    assert sent["form"]["return_url"].endswith("/checkout/autenticacao")
    assert _captures(fake) == []

    # before the challenge: still waiting, nothing captured
    r = await client.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "awaiting_payment" and r.json()["next_action_url"] == order["next_action_url"]

    intent = await _challenge(order["next_action_url"], "succeed")
    assert intent == order["next_action_url"].rsplit("/", 1)[1]
    for _ in range(2):  # the return visited twice: one capture
        r = await client.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "paid"
        [pay] = r.json()["payments"]
        assert pay["status"] == "captured" and Decimal(pay["captured_amount"]) == Decimal(order["total_amount"])
    assert len(_captures(fake)) == 1
    assert await shop.available("TEE") == 3

    # Stripe's later notices change nothing
    note = json.dumps({"id": "evt_3ds_1", "object": "event", "type": "payment_intent.succeeded",
                       "created": int(time.time()), "data": {"object": fake.intents[intent]}}).encode()  # fmt: skip
    hook = {**shop.h, "Content-Type": "application/json", "Stripe-Signature": stripe_sig(note)}
    assert (await client.post("/api/v1/payments/webhooks/stripe", content=note, headers=hook)).status_code == 200
    r = await client.get(f"/api/v1/orders/{order['id']}", headers=h)
    assert r.json()["status"] == "paid" and len(_captures(fake)) == 1

    # another customer cannot settle (or see) this order's authentication
    _, other = shop.customer()
    r = await client.post(f"/api/v1/orders/{order['id']}/authentication", headers=other)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_a_failed_challenge_cancels_and_another_card_pays(wired, client, stripe_fake) -> None:
    fake, url = stripe_fake
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "50.00")
    await shop.stock("TEE", 4)
    _, h = shop.customer()

    r = await _checkout(client, shop, h, await stripe_payment_method(url, CHALLENGE_CARD), "3ds-fail-1")
    assert r.status_code == 201, r.text
    first = r.json()
    await _challenge(first["next_action_url"], "fail")
    r = await client.post(f"/api/v1/orders/{first['id']}/authentication", headers=h)
    assert r.status_code == 200, r.text
    failed = r.json()
    assert failed["status"] == "cancelled" and failed["payment_failed"] == "authentication_failed"
    assert [p["status"] for p in failed["payments"]] == ["failed"]
    assert await shop.available("TEE") == 4  # stock back
    # visiting the return again changes nothing
    r = await client.post(f"/api/v1/orders/{first['id']}/authentication", headers=h)
    assert r.json()["status"] == "cancelled"

    # a new attempt (new key) with another card: paid; the first order was never charged
    r = await _checkout(client, shop, h, await stripe_payment_method(url, PLAIN_CARD), "3ds-fail-2")
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["status"] == "paid" and second["id"] != first["id"]
    assert len(_captures(fake)) == 1
    assert await shop.available("TEE") == 2
    r = await client.get(f"/api/v1/orders/{first['id']}", headers=h)
    assert r.json()["status"] == "cancelled" and r.json()["payments"][0]["captured_amount"] == "0.00"


async def test_an_authorization_notice_before_the_return(wired, client, stripe_fake) -> None:
    """Stripe's ``amount_capturable_updated`` arrives first: the payment is authorized; the return then
    captures it once (the recovery job would, if the shopper never came back)."""
    fake, url = stripe_fake
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "10.00")
    await shop.stock("TEE", 3)
    _, h = shop.customer()
    r = await _checkout(client, shop, h, await stripe_payment_method(url, CHALLENGE_CARD), "3ds-hook")
    order = r.json()
    intent = await _challenge(order["next_action_url"], "succeed")
    note = json.dumps({"id": "evt_3ds_auth", "object": "event", "type": "payment_intent.amount_capturable_updated",
                       "created": int(time.time()), "data": {"object": fake.intents[intent]}}).encode()  # fmt: skip
    hook = {**shop.h, "Content-Type": "application/json", "Stripe-Signature": stripe_sig(note)}
    r = await client.post("/api/v1/payments/webhooks/stripe", content=note, headers=hook)
    assert r.status_code == 200, r.text
    r = await client.get(f"/api/v1/orders/{order['id']}", headers=h)
    assert r.json()["payments"][0]["status"] == "authorized" and _captures(fake) == []
    r = await client.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.json()["status"] == "paid" and len(_captures(fake)) == 1


async def test_an_abandoned_challenge_expires_and_frees_the_stock(wired, client, stripe_fake) -> None:
    fake, url = stripe_fake
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "30.00")
    await shop.stock("TEE", 2)
    _, h = shop.customer()
    r = await _checkout(client, shop, h, await stripe_payment_method(url, CHALLENGE_CARD), "3ds-gone")
    assert r.status_code == 201, r.text
    order = r.json()
    intent = order["next_action_url"].rsplit("/", 1)[1]
    assert await shop.available("TEE") == 0
    assert await expire_pending(wired) == 0  # inside the window
    wired.clock = lambda: utcnow() + timedelta(minutes=31)
    assert await expire_pending(wired) == 1
    assert await expire_pending(wired) == 0  # once
    assert fake.intents[intent]["status"] == "canceled"  # nothing left open at Stripe

    async def cancelled() -> bool:
        got = await client.get(f"/api/v1/orders/{order['id']}", headers=h)
        return bool(got.json()["status"] == "cancelled")

    await eventually(cancelled)
    assert await shop.available("TEE") == 2
    # the shopper comes back late: nothing is captured
    r = await client.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and _captures(fake) == []
