"""Shipping options priced for what the buyer pays: a free-shipping coupon shows the options it frees at
R$ 0,00 in the cart and at checkout (as the order charges them), and a company buyer's list prices —
not the catalog's — decide the free-shipping threshold, in the listed options and at checkout even with
an option quoted at catalog prices. SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import PASSWORD, csrf_from, sign_in

SKU = "ECO-TSHIRT-001-M"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
ADDRESS = {"recipient": "Ana Souza", "street": "Rua Augusta", "number": "100", "city": "São Paulo", "state": "SP",
           "postal_code": "01305-000"}  # fmt: skip


def _option(html: str, service: str) -> str:
    """The ``<li>`` of one listed option."""
    start = html.index(f'data-service="{service}"')
    return html[start : html.index("</li>", start)]


async def test_free_shipping_coupon_is_shown_in_the_listed_options(web: httpx.AsyncClient, container: Container):
    await make_catalog(web, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.post("/api/v1/admin/coupons", headers=root, json={"code": "FRETEGRATIS", "kind": "free_shipping"})
    assert r.status_code == 201, r.text
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": SKU, "quantity": "1"})
    cart = await web.get("/carrinho?cep=01310-100")
    assert "R$ 14,90" in _option(cart.text, "standard")  # SP standard up to 1 kg, below the R$ 299 threshold
    r = await web.post("/carrinho/cupom", data={"csrf_token": csrf_from(cart.text), "coupon": "FRETEGRATIS"})
    assert r.status_code == 303, r.text
    cart = (await web.get("/carrinho?cep=01310-100")).text
    standard, express = _option(cart, "standard"), _option(cart, "express")
    assert "Frete grátis" in standard and "R$ 14,90" not in standard
    assert "R$ 26,82" in express and "Frete grátis" not in express  # the shop's rule frees standard/green only

    # the API's quote says which options a coupon frees; the order charges the listed R$ 0,00
    r = await web.post("/api/v1/shipping/quotes", json={"cep": "01310-100", "items": [{"sku": SKU, "quantity": 1}]})
    by_service = {o["service"]: o for o in r.json()["options"]}
    assert by_service["standard"]["free_with_coupon"] is True and by_service["express"]["free_with_coupon"] is False


async def test_company_list_prices_decide_the_free_shipping_threshold(web: httpx.AsyncClient, container: Container):
    await make_catalog(web, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    config = (await web.get("/api/v1/admin/shipping/config", headers=root)).json()["document"]
    config["free_shipping"] = {**config["free_shipping"], "over": "150.00"}
    r = await web.put("/api/v1/admin/shipping/config", headers=root, json=config)
    assert r.status_code == 200, r.text
    body = {"email": "compras@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
            "accept_terms": True, "accept_privacy": True, "company": COMPANY}  # fmt: skip
    r = await web.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    r = await web.post("/api/v1/admin/b2b/price-lists", headers=root, json={
        "name": "Atacado", "company_id": r.json()["company_id"],
        "rules": [{"sku": SKU, "kind": "fixed", "value": "60.00"}],
    })  # fmt: skip
    assert r.status_code == 201, r.text

    # at catalog prices two shirts (R$ 179,80) ship free; at the company's (R$ 120,00) they do not
    items = [{"sku": SKU, "quantity": 2}]
    public = (await web.post("/api/v1/shipping/quotes", json={"cep": "01305-000", "items": items})).json()
    catalog_free = next(o for o in public["options"] if o["service"] == "standard")
    assert catalog_free["free"] is True and catalog_free["price"] == "0.00"
    await sign_in(web, "compras@verde.example")
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": SKU, "quantity": "2"})
    cart = (await web.get("/carrinho?cep=01305-000")).text
    assert "R$ 120,00" in cart
    standard = _option(cart, "standard")
    assert "Frete grátis" not in standard and re.search(r"R\$ \d+,\d\d", standard)

    # checkout with the option quoted free at catalog prices: quoted again for the order's goods
    token = web.cookies.get("ev_access")
    headers = {**bearer(token), "Idempotency-Key": "ship-threshold-1"}
    order = {"shipping_address": ADDRESS, "payment": {"method": "card", "source": "tok_visa"},
             "shipping_option": catalog_free["id"]}  # fmt: skip
    r = await web.post("/api/v1/orders", json=order, headers=headers)
    assert r.status_code == 201, r.text
    placed = r.json()
    assert placed["subtotal"] == "120.00"
    assert placed["shipping_cost"] == catalog_free["original_price"] != "0.00"
