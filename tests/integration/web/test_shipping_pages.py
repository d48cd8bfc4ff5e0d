"""Shipping on the storefront: the cart estimates delivery from a CEP, the checkout lists priced options
(days, kg CO2e) and charges the chosen one, the order page shows each shipment's timeline (pt-BR)."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import csrf_from, register


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def test_cep_to_options_to_order_to_timeline(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    page = await web.get("/p/camiseta-organica-basica")
    await web.post(
        "/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M", "quantity": "1"}
    )

    cart = main_of((await web.get("/carrinho?cep=69005-040")).text)
    assert 'id="shipping-options"' in cart
    assert "Entrega padrão" in cart and "R$ 44,90" in cart and "dias úteis" in cart and "kg CO₂e" in cart
    assert "entrega verde" in cart
    bad = main_of((await web.get("/carrinho?cep=123")).text)
    assert "CEP inválido" in bad

    await register(web, "frete@example.com")
    checkout = await web.get("/checkout?cep=01310-100")
    assert checkout.status_code == 200, checkout.text
    body = main_of(checkout.text)
    assert re.search(r'<option value="SP" selected>', body)  # the CEP told the state
    options = re.findall(r'name="shipping_option" value="([^"]+)"', body)
    assert len(options) == 3
    express = re.search(
        r'data-service="express">\s*<label><input type="radio" name="shipping_option" value="([^"]+)"', body
    )
    assert express, body[body.index("shipping-options") :][:2000]
    form = {
        "csrf_token": csrf_from(checkout.text),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', checkout.text).group(1),
        "recipient": "Ana Souza",
        "postal_code": "01310-100",
        "street": "Av. Paulista",
        "number": "1000",
        "city": "São Paulo",
        "state": "SP",
        "payment_method": "card",
        "card_number": "4242 4242 4242 4242",
        "eco_packaging": "on",
        "shipping_option": express.group(1),
    }
    placed = await web.post("/checkout", data=form)
    assert placed.status_code == 303, placed.text
    order_id = placed.headers["location"].split("/")[2].split("?")[0]
    token = web.cookies.get("ev_access")
    order = (await web.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})).json()
    assert order["shipping_cost"] == "26.82"  # SP express up to 1 kg (14.90 x 1.8)
    assert order["shipping_address"]["shipping_option"]["service"] == "express"

    staff = {**bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))}
    shipped = await web.post(f"/api/v1/admin/shipping/orders/{order_id}/shipments", headers=staff, json={})
    assert shipped.status_code == 201, shipped.text
    sid = shipped.json()["id"]
    for status in ("posted", "out_for_delivery", "delivered"):
        r = await web.post(
            f"/api/v1/admin/shipping/shipments/{sid}/events",
            headers=staff,
            json={"status": status, "description": status},
        )
        assert r.status_code == 200, r.text
    shown = main_of((await web.get(f"/pedido/{order_id}")).text)
    assert "Entrega expressa" in shown and 'class="timeline"' in shown
    for label in ("Etiqueta emitida", "Postado", "Saiu para entrega", "Entregue"):
        assert label in shown, label
    assert Decimal(order["carbon_footprint"]) > Decimal("2.50")
