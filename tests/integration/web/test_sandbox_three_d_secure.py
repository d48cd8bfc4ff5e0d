"""3-D Secure with the built-in sandbox (issue #19): its challenge card (4000 0027 6000 3184, token
``tok_challenge``) sends the shopper to the sandbox issuer's page ("Autorizar"/"Recusar", pt-BR and
English), which returns to the shop's return page on the tenant's own address; the outcome is read from
the gateway. An API client's cart is emptied once the challenged order is paid, as a page shopper's is."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import httpx
import pytest

from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict
from ecovarejo.core.money import format_brl
from ecovarejo.orders import public as orders
from ecovarejo.orders.public import FraudScreen, FraudVerdict
from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import bearer, make_tenant, token_for

from .catalog_fixture import make_catalog
from .helpers import csrf_from, register
from .test_checkout_flow import key_of, token

CHALLENGE_CARD = "4000 0027 6000 3184"


async def _answer(web: httpx.AsyncClient, url: str, decision: str, lang: str = "pt-BR") -> str:
    """The shopper at the sandbox issuer's page; returns where it sends them back."""
    page = await web.get(url, headers={"Accept-Language": lang})
    assert page.status_code == 200, page.text
    r = await web.post(url, data={"csrf_token": csrf_from(page.text), "decision": decision})
    assert r.status_code == 303, r.text
    return r.headers["location"]


async def test_the_api_checkout_with_the_challenge_token(container: Container, web: httpx.AsyncClient) -> None:
    shop = await open_shop(container)
    shop.catalog.put("TEE", "45.00")
    await shop.stock("TEE", 5)
    _, h = shop.customer()

    # the cart, as an API client fills it; checked out without naming items (the cart is bought)
    assert (await web.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 2}, headers=h)).status_code == 200
    body = checkout_body(payment={"method": "card", "source": "tok_challenge"})
    r = await web.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "sbx-3ds-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "awaiting_payment"
    url = order["next_action_url"]
    assert re.fullmatch(r"https://testserver/sandbox-pay/v1/challenge/sbx_[0-9a-f]{32}", url), url
    [pay] = order["payments"]
    assert (pay["status"], pay["card_last4"]) == ("pending", "3184")
    assert await shop.available("TEE") == 3
    assert [i["sku"] for i in (await web.get("/api/v1/cart", headers=h)).json()["items"]] == ["TEE"]  # kept

    # the issuer's page, in pt-BR and English; the amount and the card's last digits
    pt = await web.get(url)
    assert pt.status_code == 200 and 'lang="pt-BR"' in pt.text
    assert (
        "Autorizar" in pt.text
        and "Recusar" in pt.text
        and format_brl(Decimal(order["total_amount"])) in pt.text
        and "3184" in pt.text
    )
    en = await web.get(url, headers={"Accept-Language": "en"})
    assert "Authorize" in en.text and "Decline" in en.text and "Autorizar" not in en.text

    # before the answer: still waiting
    r = await web.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.json()["status"] == "awaiting_payment" and r.json()["next_action_url"] == url

    back = await _answer(web, url, "approve")
    assert back == f"https://testserver/checkout/autenticacao?payment_intent={url.rsplit('/', 1)[1]}"
    for _ in range(2):  # repeated: one capture
        r = await web.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "paid"
        [pay] = r.json()["payments"]
        assert pay["status"] == "captured" and Decimal(pay["captured_amount"]) == Decimal(order["total_amount"])
    # the API client's cart is emptied, as after a checkout without a challenge
    assert (await web.get("/api/v1/cart", headers=h)).json()["items"] == []
    # the page answered once: a second answer changes nothing, the page says so
    page = await web.get(url)
    assert "Esta autenticação já foi respondida." in page.text and "Autorizar" not in page.text


async def test_a_refused_challenge_cancels_and_keeps_the_api_cart(container: Container, web: httpx.AsyncClient) -> None:
    shop = await open_shop(container)
    shop.catalog.put("MUG", "30.00")
    await shop.stock("MUG", 2)
    _, h = shop.customer()
    await web.post("/api/v1/cart/items", json={"sku": "MUG", "quantity": 1}, headers=h)
    body = checkout_body(payment={"method": "card", "source": "tok_challenge"})
    order = (await web.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "sbx-3ds-no"})).json()
    await _answer(web, order["next_action_url"], "refuse", lang="en")
    r = await web.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.json()["status"] == "cancelled" and r.json()["payment_failed"] == "authentication_failed"
    assert await shop.available("MUG") == 2
    assert [i["sku"] for i in (await web.get("/api/v1/cart", headers=h)).json()["items"]] == ["MUG"]
    # retried from the cart with another card (a new key): paid, and now the cart is emptied
    r = await web.post("/api/v1/orders", json=checkout_body(), headers={**h, "Idempotency-Key": "sbx-3ds-no-2"})
    assert r.json()["status"] == "paid" and (await web.get("/api/v1/cart", headers=h)).json()["items"] == []
    # an order of named items does not empty a cart that holds something else
    await web.post("/api/v1/cart/items", json={"sku": "MUG", "quantity": 1}, headers=h)
    await shop.stock("MUG", 5)
    named = checkout_body(items=[{"sku": "MUG", "quantity": 2}], payment={"method": "card", "source": "tok_challenge"})
    order = (await web.post("/api/v1/orders", json=named, headers={**h, "Idempotency-Key": "sbx-3ds-named"})).json()
    await _answer(web, order["next_action_url"], "approve")
    r = await web.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.json()["status"] == "paid"
    assert [i["quantity"] for i in (await web.get("/api/v1/cart", headers=h)).json()["items"]] == [1]


class _HoldAll:
    """A fraud screen that sends every order to staff review."""

    async def assess(self, uow: object, facts: object) -> FraudVerdict:
        return FraudVerdict(0.9, "hold", ("test",))

    async def record(self, uow: object, verdict: object, order_id: object, order_number: object) -> None:
        return None


async def test_a_challenged_order_held_for_fraud_review(container: Container, web: httpx.AsyncClient) -> None:
    """Held by the fraud screen and challenged: authenticated at the bank, the order waits for staff (the
    return says so and empties the cart); staff cannot approve it before the shopper authenticated."""
    shop = await open_shop(container)
    container.ports.provide(FraudScreen, _HoldAll())
    shop.catalog.put("TEE", "40.00")
    await shop.stock("TEE", 3)
    _, h = shop.customer()
    await web.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
    body = checkout_body(payment={"method": "card", "source": "tok_challenge"})
    r = await web.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "sbx-3ds-held"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "awaiting_payment" and order["next_action_url"]
    with pytest.raises(Conflict):  # nothing authorized yet: nothing for staff to capture
        await orders.capture_held(container, shop.tenant_id, uuid.UUID(order["id"]), actor="staff:test")

    await _answer(web, order["next_action_url"], "approve")
    r = await web.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)
    assert r.status_code == 200, r.text
    held = r.json()
    assert (held["status"], held["fraud_review"]) == ("awaiting_payment", "pending")
    assert "next_action_url" not in held and [p["status"] for p in held["payments"]] == ["authorized"]
    assert (await web.get("/api/v1/cart", headers=h)).json()["items"] == []  # placed: the cart is emptied
    paid = await orders.capture_held(container, shop.tenant_id, uuid.UUID(order["id"]), actor="staff:test")
    assert paid["status"] == "paid" and [p["status"] for p in paid["payments"]] == ["captured"]


async def test_bad_answers_and_unknown_challenges(container: Container, web: httpx.AsyncClient) -> None:
    shop = await open_shop(container)
    shop.catalog.put("TEE", "10.00")
    await shop.stock("TEE", 1)
    _, h = shop.customer()
    body = checkout_body(items=[{"sku": "TEE", "quantity": 1}], payment={"method": "card", "source": "tok_challenge"})
    order = (await web.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "sbx-3ds-bad"})).json()
    url = order["next_action_url"]
    page = await web.get(url)
    r = await web.post(url, data={"csrf_token": csrf_from(page.text), "decision": "maybe"})
    assert r.status_code == 422 and "Escolha Autorizar ou Recusar." in r.text
    r = await web.post(url, data={"decision": "approve"})  # no CSRF token: refused, nothing answered
    assert r.status_code == 403
    assert (await web.post(f"/api/v1/orders/{order['id']}/authentication", headers=h)).json()["status"] == (
        "awaiting_payment"
    )
    missing = await web.get("/sandbox-pay/v1/challenge/sbx_" + uuid.uuid4().hex)
    assert missing.status_code == 404 and "Não encontramos uma autenticação" in missing.text


async def test_the_return_url_is_the_tenants_own_domain(container: Container, web: httpx.AsyncClient) -> None:
    """A tenant on its own domain is sent back to that domain (the request's address, its port kept), not
    to the platform's ``ECOVAREJO_PUBLIC_URL``; an API client naming the tenant by header on the platform's
    host gets the tenant's domain too."""
    domain = f"loja-{uuid.uuid4().hex[:8]}.example"
    tid = await make_tenant(container, domain=domain)
    shop = await open_shop(container)  # its fake catalog, for the tenant above as well
    shop.catalog.put("TEE", "20.00")
    shop.tenant_id = tid
    await shop.stock("TEE", 4)
    auth = bearer(token_for(container, tid, "customer"))
    body = checkout_body(items=[{"sku": "TEE", "quantity": 1}], payment={"method": "card", "source": "tok_challenge"})

    on_domain = {**auth, "Host": f"{domain}:8443", "Idempotency-Key": "dom-1"}
    order = (await web.post("/api/v1/orders", json=body, headers=on_domain)).json()
    assert order["next_action_url"].startswith(f"https://{domain}:8443/sandbox-pay/v1/challenge/sbx_"), order
    back = await _answer(web, order["next_action_url"].replace(f"https://{domain}:8443", ""), "approve")
    assert back.startswith(f"https://{domain}:8443/checkout/autenticacao?payment_intent=sbx_")

    by_header = {**auth, "X-Tenant-ID": str(tid), "Idempotency-Key": "dom-2"}
    order = (await web.post("/api/v1/orders", json=body, headers=by_header)).json()
    assert order["next_action_url"].startswith(f"https://{domain}/sandbox-pay/v1/challenge/sbx_"), order


async def _page_checkout(web: httpx.AsyncClient) -> str:
    """The signed-in shopper puts a T-shirt in the cart and pays with the challenge card at /checkout;
    returns the issuer's page the checkout sent them to."""
    page = await web.get("/p/camiseta-organica-basica")
    r = await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M",
                                                "quantity": "1"})  # fmt: skip
    assert r.status_code == 303, r.text
    page = await web.get("/checkout?uf=SP")
    form = {
        "csrf_token": csrf_from(page.text), "idempotency_key": key_of(page.text), "recipient": "Ana Souza",
        "postal_code": "01310-100", "street": "Av. Paulista", "number": "1000", "city": "São Paulo",
        "state": "SP", "payment_method": "card", "installments": "1", "eco_packaging": "on",
        "card_token": await token(web, CHALLENGE_CARD),
    }  # fmt: skip
    r = await web.post("/checkout", data=form)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("https://testserver/sandbox-pay/v1/challenge/sbx_")
    return str(r.headers["location"])


async def test_the_checkout_page_with_the_challenge_card(container: Container, web: httpx.AsyncClient) -> None:
    """The page shopper: the checkout redirects to the sandbox issuer's page; passed -> the order page,
    paid, cart emptied; refused -> the order page says so, the cart is kept."""
    await make_catalog(web, container)
    assert (await register(web, f"sbx3ds-{uuid.uuid4().hex[:6]}@example.com")).status_code == 303
    auth = {"Authorization": f"Bearer {web.cookies['ev_access']}"}

    back = await _answer(web, await _page_checkout(web), "refuse")
    r = await web.get(back)
    assert r.status_code == 303 and r.headers["location"].endswith("?err=card_authentication_failed"), r.text
    page = await web.get(r.headers["location"])
    assert "O banco não confirmou a autenticação do cartão" in page.text
    assert [i["sku"] for i in (await web.get("/api/v1/cart", headers=auth)).json()["items"]] == ["ECO-TSHIRT-001-M"]

    back = await _answer(web, await _page_checkout(web), "approve")
    r = await web.get(back)
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=order_placed"), r.text
    order_id = r.headers["location"].split("/")[2].split("?")[0]
    assert (await web.get(f"/api/v1/orders/{order_id}", headers=auth)).json()["status"] == "paid"
    assert (await web.get("/api/v1/cart", headers=auth)).json()["items"] == []


async def test_the_return_page_of_an_order_held_for_review(container: Container, web: httpx.AsyncClient) -> None:
    """Held by the fraud screen: after "Autorizar" the return page shows the order placed (not "still
    waiting at the bank") and the cart is emptied; the order waits for staff, authorized."""
    await make_catalog(web, container)
    container.ports.provide(FraudScreen, _HoldAll())
    assert (await register(web, f"sbx3ds-held-{uuid.uuid4().hex[:6]}@example.com")).status_code == 303
    auth = {"Authorization": f"Bearer {web.cookies['ev_access']}"}
    back = await _answer(web, await _page_checkout(web), "approve")
    r = await web.get(back)
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=order_placed"), r.text
    order_id = r.headers["location"].split("/")[2].split("?")[0]
    order = (await web.get(f"/api/v1/orders/{order_id}", headers=auth)).json()
    assert order["status"] == "awaiting_payment" and [p["status"] for p in order["payments"]] == ["authorized"]
    assert (await web.get("/api/v1/cart", headers=auth)).json()["items"] == []
