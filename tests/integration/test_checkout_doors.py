"""One checkout behind three doors: ``POST /api/v1/orders``, the GraphQL ``checkout`` mutation and the
web checkout page place the same order from the same cart — coupon, loyalty points, idempotent replay
and refusals alike — because all three call ``orders.public.checkout``."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.inventory import public as inventory
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from ecovarejo.users import public as users
from tests.integration.orders.shop import ADDRESS, CARD_OK
from tests.integration.web.helpers import csrf_from, register
from tests.support import bearer, token_for

DOORS = ("rest", "graphql", "web")
#: The web forms sent, by idempotency key (a retry resubmits the same form).
FORMS: dict[str, dict[str, str]] = {}

CHECKOUT = """
mutation($input: CheckoutInput!, $key: String!) {
  checkout(input: $input, idempotencyKey: $key) { id replayed }
}
"""


@pytest.fixture
async def browser(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client (HTTPS so Secure cookies round-trip, cookies kept, no redirects followed);
    the same app answers the API and GraphQL."""
    from ecovarejo.app import create_app

    transport = httpx.ASGITransport(app=create_app(container=container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def _shop(container: Container, client: httpx.AsyncClient) -> dict[str, str]:
    """A product at R$ 100,00 with stock, a 10% coupon, and a signed-in customer holding 100 points."""
    admin = Principal(user_id=new_id(), tenant_id=DEFAULT_TENANT_ID, user_type="admin")
    async with container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        await products.create_product(
            uow, ProductCreate(sku="ECO-DOOR-1", name="Garrafa de vidro", price=Decimal("100.00")), admin
        )
        wh = await inventory.ensure_warehouse(uow, "CD-SP", "CD SP")
        await inventory.adjust(uow, "ECO-DOOR-1", wh.id, 50, reason="received", actor="test")
        await uow.commit()
    staff = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await client.post("/api/v1/admin/coupons", json={"code": "VERDE10", "kind": "percent", "value": "10"},
                          headers=staff)  # fmt: skip
    assert r.status_code == 201, r.text
    r = await register(client, "portas@example.com")
    assert r.status_code == 303, r.text
    h = bearer(client.cookies["ev_access"])
    me = (await client.get("/api/v1/users/profile", headers=h)).json()
    async with container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        assert await users.earn_order_points(uow, uuid.UUID(me["id"]), new_id(), "100.00") == 100
        await uow.commit()
    r = await client.post("/api/v1/cart/items", json={"sku": "ECO-DOOR-1", "quantity": 2}, headers=h)
    assert r.status_code in (200, 201), r.text
    r = await client.post("/api/v1/cart/coupons", json={"code": "VERDE10"}, headers=h)
    assert r.status_code in (200, 201), r.text
    return h


async def _checkout(door: str, client: httpx.AsyncClient, h: dict[str, str], key: str, points: int) -> dict[str, Any]:
    """Place the cart's order through ``door``: ``{"order_id", "replayed"}`` or ``{"error": code}``."""
    if door == "rest":
        body = {"shipping_address": ADDRESS, "payment": {"method": "card", "source": CARD_OK}, "loyalty_points": points}
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": key})
        if r.status_code != 201:
            return {"error": r.json()["code"], "status": r.status_code}
        return {"order_id": r.json()["id"], "replayed": r.headers["Idempotent-Replayed"] == "true"}
    if door == "graphql":
        address = {**{k: v for k, v in ADDRESS.items() if k != "postal_code"}, "postalCode": ADDRESS["postal_code"]}
        variables = {
            "input": {"shippingAddress": address, "payment": {"method": "card", "source": CARD_OK},
                      "loyaltyPoints": points},
            "key": key,
        }  # fmt: skip
        r = await client.post("/graphql", json={"query": CHECKOUT, "variables": variables}, headers=h)
        data = r.json()
        if data.get("errors"):
            ext = data["errors"][0]["extensions"]
            return {"error": ext["code"], "status": ext["status"]}
        return {"order_id": data["data"]["checkout"]["id"], "replayed": data["data"]["checkout"]["replayed"]}
    if key in FORMS:  # a double submit of the page already sent (the cart is empty by now)
        r = await client.post("/checkout", data=FORMS[key])
        return {"order_id": r.headers["location"].split("/")[2].split("?")[0], "location": r.headers["location"]}
    page = await client.get("/checkout?uf=SP")
    assert page.status_code == 200, page.text
    form = FORMS[key] = {
        "csrf_token": csrf_from(page.text),
        "idempotency_key": key,
        **{k: v for k, v in ADDRESS.items()},
        "payment_method": "card",
        "card_token": CARD_OK,
        "eco_packaging": "on",
        "loyalty_points": str(points),
    }
    r = await client.post("/checkout", data=form)
    if r.status_code != 303:
        return {"error": "page", "status": r.status_code, "text": r.text}
    order_id = r.headers["location"].split("/")[2].split("?")[0]
    return {"order_id": order_id, "location": r.headers["location"]}


@pytest.mark.parametrize("door", DOORS)
async def test_every_door_places_the_same_order(door: str, container: Container, browser: httpx.AsyncClient) -> None:
    FORMS.clear()
    h = await _shop(container, browser)

    first = await _checkout(door, browser, h, "porta-1", points=100)
    assert "order_id" in first, first
    again = await _checkout(door, browser, h, "porta-1", points=100)  # a retry with the same key
    assert again["order_id"] == first["order_id"]
    if door != "web":
        assert (first["replayed"], again["replayed"]) == (False, True)

    order = (await browser.get(f"/api/v1/orders/{first['order_id']}", headers=h)).json()
    assert [(i["sku"], i["quantity"]) for i in order["items"]] == [("ECO-DOOR-1", 2)]
    assert order["coupon_codes"] == ["VERDE10"]
    assert Decimal(order["subtotal"]) == Decimal("200.00")
    assert Decimal(order["discount_amount"]) == Decimal("20.00")  # the cart's coupon
    assert Decimal(order["loyalty_discount"]) == Decimal("5.00")  # 100 points
    assert (await browser.get("/api/v1/users/loyalty", headers=h)).json()["balance"] == 0
    cart = (await browser.get("/api/v1/cart", headers=h)).json()
    assert cart["items"] == []  # bought: the cart is empty
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        assert (await inventory.availability(uow, ["ECO-DOOR-1"]))["ECO-DOOR-1"] == 48

    # points beyond the balance are refused the same way, and nothing is placed
    await browser.post("/api/v1/cart/items", json={"sku": "ECO-DOOR-1", "quantity": 1}, headers=h)
    refused = await _checkout(door, browser, h, "porta-2", points=1)
    if door == "web":
        assert refused["status"] == 422  # the page again, with the reason
    else:
        assert (refused["error"], refused["status"]) == ("insufficient_points", 409)
    mine = (await browser.get("/api/v1/orders", headers=h)).json()["items"]
    assert [o["id"] for o in mine] == [first["order_id"]]
    assert re.fullmatch(r"[0-9a-f-]{36}", first["order_id"])
