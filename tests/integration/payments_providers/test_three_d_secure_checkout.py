"""3-D Secure in the checkout, against the Stripe fake (its challenge card and page): the order waits in
``awaiting_payment`` with its stock held while the shopper authenticates; the return is settled from
Stripe's own answer and captured once however often it is visited; a refused challenge cancels the order
(stock back) and another card pays in a new attempt; an abandoned challenge expires and frees the stock."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ecovarejo.core.db import utcnow
from ecovarejo.payments.instant import expire_pending
from tests.integration.orders.shop import checkout_body, open_shop
from tests.integration.web.catalog_fixture import make_catalog
from tests.integration.web.helpers import csrf_from, register
from tests.support import bearer, eventually, make_tenant, token_for

from .browser import store_card, stripe_payment_method
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


async def test_the_return_url_is_the_tenants_own_domain(wired, client, stripe_fake) -> None:
    """Stripe is told to send the shopper back to the tenant's own domain (the address the checkout came
    to), not to the platform's ``ECOVAREJO_PUBLIC_URL``."""
    fake, url = stripe_fake
    domain = f"loja-{uuid.uuid4().hex[:8]}.example"
    tid = await make_tenant(wired, domain=domain)
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "12.00")
    shop.tenant_id = tid
    await shop.stock("TEE", 4)
    h = {"Host": domain, **bearer(token_for(wired, tid, "customer"))}
    r = await _checkout(client, shop, h, await stripe_payment_method(url, CHALLENGE_CARD), "3ds-domain")
    assert r.status_code == 201, r.text
    sent = [q for q in fake.requests if q["path"] == "/v1/payment_intents"][-1]
    assert sent["form"]["return_url"] == f"http://{domain}/checkout/autenticacao"
    # an API client naming the tenant by header on the platform's host: still the tenant's domain (HTTPS)
    _, other = shop.customer()  # X-Tenant-ID: the tenant above
    r = await _checkout(client, shop, other, await stripe_payment_method(url, CHALLENGE_CARD), "3ds-domain-2")
    assert r.status_code == 201, r.text
    sent = [q for q in fake.requests if q["path"] == "/v1/payment_intents"][-1]
    assert sent["form"]["return_url"] == f"https://{domain}/checkout/autenticacao"


async def test_a_stored_card_that_is_challenged(wired, client, stripe_fake) -> None:
    """A card kept in our vault (its Stripe PaymentMethod, attached to a Customer) whose issuer asks for
    3-D Secure at checkout: the same wait, the same return, one capture; refused -> cancelled."""
    fake, url = stripe_fake
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "20.00")
    await shop.stock("TEE", 4)
    _, h = shop.customer()
    card = await store_card(client, h, await stripe_payment_method(url, CHALLENGE_CARD))
    assert card["token"].startswith("vtok_") and card["last4"] == "3184"

    r = await _checkout(client, shop, h, card["token"], "3ds-vault-1")
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "awaiting_payment" and order["next_action_url"].startswith(f"{url}/3ds/pi_")
    sent = [q for q in fake.requests if q["path"] == "/v1/payment_intents"][-1]["form"]
    assert sent["customer"].startswith("cus_") and sent["return_url"].endswith("/checkout/autenticacao")
    await _challenge(order["next_action_url"], "succeed")
    r = await client.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    assert len(_captures(fake)) == 1

    # the same stored card, refused at the bank this time: cancelled, stock back, nothing captured
    r = await _checkout(client, shop, h, card["token"], "3ds-vault-2")
    second = r.json()
    await _challenge(second["next_action_url"], "fail")
    r = await client.post(f"/api/v1/orders/{second['id']}/authentication", headers=h)
    assert r.json()["status"] == "cancelled" and r.json()["payment_failed"] == "authentication_failed"
    assert await shop.available("TEE") == 2 and len(_captures(fake)) == 1


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


# --------------------------------------------------------------------------- the storefront's pages
@pytest.fixture
async def web(wired: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client on the app with Stripe wired (HTTPS for the Secure cookies, no redirects followed)."""
    from ecovarejo.app import create_app

    transport = httpx.ASGITransport(app=create_app(container=wired), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def _web_checkout(web: httpx.AsyncClient, pm: str) -> httpx.Response:
    page = await web.get("/checkout?uf=SP")
    assert page.status_code == 200, page.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key is not None
    form = {
        "csrf_token": csrf_from(page.text), "idempotency_key": key.group(1), "recipient": "Ana Souza",
        "postal_code": "01310-100", "street": "Av. Paulista", "number": "1000", "city": "São Paulo", "state": "SP",
        "payment_method": "card", "installments": "1", "eco_packaging": "on", "card_token": pm,
    }  # fmt: skip
    return await web.post("/checkout", data=form)


async def _to_cart(web: httpx.AsyncClient) -> None:
    page = await web.get("/p/camiseta-organica-basica")
    r = await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M",
                                                "quantity": "1"})  # fmt: skip
    assert r.status_code == 303, r.text


async def test_the_checkout_page_sends_the_shopper_to_authenticate(wired, web, stripe_fake) -> None:
    fake, url = stripe_fake
    await make_catalog(web, wired)
    assert (await register(web, "tres.ds@example.com")).status_code == 303
    await _to_cart(web)

    # refused at the bank: the order page says so in pt-BR, the cart is still there, another card pays
    r = await _web_checkout(web, await stripe_payment_method(url, CHALLENGE_CARD))
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith(f"{url}/3ds/pi_")
    intent = await _challenge(r.headers["location"], "fail")
    back = await web.get(f"/checkout/autenticacao?payment_intent={intent}")
    assert back.status_code == 303, back.text
    assert back.headers["location"].endswith("?err=card_authentication_failed")
    page = await web.get(back.headers["location"])
    assert page.status_code == 200 and "O banco não confirmou a autenticação do cartão" in page.text
    auth = {"Authorization": f"Bearer {web.cookies['ev_access']}"}
    assert [i["sku"] for i in (await web.get("/api/v1/cart", headers=auth)).json()["items"]] == ["ECO-TSHIRT-001-M"]

    r = await _web_checkout(web, await stripe_payment_method(url, CHALLENGE_CARD))
    intent = await _challenge(r.headers["location"], "succeed")
    for _ in range(2):  # the return reloaded: one capture
        back = await web.get(f"/checkout/autenticacao?payment_intent={intent}")
        assert back.status_code == 303 and back.headers["location"].endswith("?ok=order_placed"), back.text
    assert len(_captures(fake)) == 1
    order_id = back.headers["location"].split("/")[2].split("?")[0]
    order = (await web.get(f"/api/v1/orders/{order_id}", headers=auth)).json()
    assert order["status"] == "paid"
    assert (await web.get("/api/v1/cart", headers=auth)).json()["items"] == []  # bought: the cart is emptied

    # someone else's intent, or none: a 404 problem, nothing settled
    assert (await web.get("/checkout/autenticacao?payment_intent=pi_unknown")).status_code == 404
    assert (await web.get("/checkout/autenticacao")).status_code == 404


def test_the_pages_may_send_a_form_on_to_stripes_challenge() -> None:
    """Chromium applies ``form-action`` to the redirect after a form post: with Stripe's card form the
    checkout's redirect to its 3-D Secure page is allowed, and only then."""
    from ecovarejo.payments.card_form import CSP
    from ecovarejo.web.security import build_csp

    assert "form-action 'self' https://hooks.stripe.com;" in build_csp(extra=CSP["stripe"])
    assert "form-action 'self';" in build_csp()
