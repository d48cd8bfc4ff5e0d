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
from .shipping_form import form_fields


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def test_cep_to_options_to_order_to_timeline(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    page = await web.get("/p/camiseta-organica-basica")
    await web.post(
        "/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M", "quantity": "1"}
    )

    product = main_of((await web.get("/p/camiseta-organica-basica?cep=69005-040")).text)
    assert 'id="product-cep"' in product and "Entrega padrão" in product and "R$ 44,90" in product
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
        "card_token": "tok_visa",
        "eco_packaging": "on",
        "shipping_option": express.group(1),
    }
    placed = await web.post("/checkout", data=form)
    assert placed.status_code == 303, placed.text
    order_id = placed.headers["location"].split("/")[2].split("?")[0]
    token = web.cookies.get("ev_access")
    order = (await web.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})).json()
    assert order["shipping_cost"] == "26.82"  # SP express up to 1 kg (14.90 x 1.8)
    assert order["shipping_option"]["service"] == "express"

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


async def test_admin_configures_shipping_and_ships_an_order(web: httpx.AsyncClient, container: Container) -> None:
    from .helpers import make_staff

    await make_catalog(web, container)
    await register(web, "cliente-frete@example.com")
    page = await web.get("/p/camiseta-organica-basica")
    await web.post(
        "/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M", "quantity": "1"}
    )
    checkout = await web.get("/checkout?cep=20040-020")
    body = main_of(checkout.text)
    option = re.search(r'name="shipping_option" value="([^"]+)"', body).group(1)
    form = {
        "csrf_token": csrf_from(checkout.text),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', checkout.text).group(1),
        "recipient": "Bia Lima", "postal_code": "20040-020", "street": "Av. Rio Branco", "number": "1",
        "city": "Rio de Janeiro", "state": "RJ", "payment_method": "card", "card_token": "tok_visa",
        "eco_packaging": "on", "shipping_option": option,
    }  # fmt: skip
    placed = await web.post("/checkout", data=form)
    assert placed.status_code == 303, placed.text
    order_id = placed.headers["location"].split("/")[2].split("?")[0]

    web.cookies.clear()
    await make_staff(web, container, "expedicao@example.com", user_type="customer", permissions=("manage_orders",))
    cfg = await web.get("/admin/frete")
    assert cfg.status_code == 200 and 'id="shipping-form"' in cfg.text and 'href="/admin/frete"' in cfg.text
    fields = form_fields(cfg.text)
    assert fields["zones-0-states"] == "SP" and fields["handling_days"] == "1"
    refused = await web.post("/admin/frete", data={**fields, "handling_days": "2", "zones-0-states": "SP, XX"})
    assert refused.status_code == 422
    assert 'id="err-zones-0-states"' in refused.text and "UF desconhecida" in refused.text
    assert form_fields(refused.text)["zones-0-states"] == "SP, XX"  # what was typed stays
    saved = await web.post("/admin/frete", data={**fields, "handling_days": "2"})
    assert saved.status_code == 303
    assert form_fields((await web.get("/admin/frete")).text)["handling_days"] == "2"

    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert detail.status_code == 200 and 'id="create-shipment"' in detail.text
    r = await web.post(
        f"/admin/pedidos/{order_id}/envios", data={"csrf_token": csrf_from(detail.text), "carrier_service": ""}
    )
    assert r.status_code == 303 and "ok=saved" in r.headers["location"]
    detail = await web.get(f"/admin/pedidos/{order_id}")
    sid = re.search(r'href="/admin/envios/([0-9a-f-]+)/etiqueta"', detail.text).group(1)
    label = await web.get(f"/admin/envios/{sid}/etiqueta")
    assert label.status_code == 200 and "Bia Lima" in label.text and "EV" in label.text
    slip = await web.get(f"/admin/envios/{sid}/romaneio")
    assert slip.status_code == 200 and "ECO-TSHIRT-001-M" in slip.text
    r = await web.post(
        f"/admin/envios/{sid}/rastreio",
        data={"csrf_token": csrf_from(detail.text), "order_id": order_id, "status": "posted", "description": "x"},
    )
    assert r.status_code == 303
    shown = (await web.get(f"/admin/pedidos/{order_id}")).text
    assert re.search(r'<li data-status="posted">Entrega padrão · Postado', shown), shown[
        shown.index("admin-shipments") :
    ][:500]


async def test_pickup_point_on_checkout_order_and_admin_pages(web: httpx.AsyncClient, container: Container) -> None:
    from .helpers import make_staff

    staff = {"X-Tenant-ID": str(DEFAULT_TENANT_ID), **bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))}
    doc = (await web.get("/api/v1/admin/shipping/config", headers=staff)).json()["document"]
    doc["pickup_points"] = [
        {"code": "LOJA-VM", "name": "Loja Vila Madalena", "street": "Rua Harmonia", "number": "123",
         "city": "São Paulo", "state": "SP", "cep": "05435-000", "hours": "Seg a sex 9h–18h", "radius_km": 40}
    ]  # fmt: skip
    assert (await web.put("/api/v1/admin/shipping/config", headers=staff, json=doc)).status_code == 200
    await make_catalog(web, container)
    await register(web, "retira@example.com")
    page = await web.get("/p/camiseta-organica-basica")
    await web.post(
        "/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M", "quantity": "1"}
    )
    checkout = await web.get("/checkout?cep=01310-100")
    body = main_of(checkout.text)
    pickup = re.search(
        r'data-pickup="LOJA-VM">\s*<label><input type="radio" name="shipping_option" value="([^"]+)"', body
    )
    assert pickup, body[body.index("shipping-options") :][:2000]
    assert "Retirar na loja: Loja Vila Madalena" in body and "Horário: Seg a sex 9h–18h" in body
    form = {
        "csrf_token": csrf_from(checkout.text),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', checkout.text).group(1),
        "recipient": "Ana Souza", "postal_code": "01310-100", "street": "Av. Paulista", "number": "1000",
        "city": "São Paulo", "state": "SP", "payment_method": "card", "card_token": "tok_visa",
        "eco_packaging": "on", "shipping_option": pickup.group(1),
    }  # fmt: skip
    placed = await web.post("/checkout", data=form)
    assert placed.status_code == 303, placed.text
    order_id = placed.headers["location"].split("/")[2].split("?")[0]
    shown = main_of((await web.get(f"/pedido/{order_id}")).text)
    assert 'id="order-pickup"' in shown and "Rua Harmonia, 123" in shown and "CEP 05435-000" in shown

    shipped = await web.post(f"/api/v1/admin/shipping/orders/{order_id}/shipments", headers=staff, json={})
    assert shipped.status_code == 201, shipped.text
    web.cookies.clear()
    await make_staff(web, container, "balcao@example.com", user_type="customer", permissions=("manage_orders",))
    detail = await web.get(f"/admin/pedidos/{order_id}")
    assert 'id="admin-pickup"' in detail.text and "Loja Vila Madalena" in detail.text
    assert '<option value="ready_for_pickup">Pronto para retirada</option>' in detail.text
    sid = re.search(r'href="/admin/envios/([0-9a-f-]+)/etiqueta"', detail.text).group(1)
    r = await web.post(
        f"/admin/envios/{sid}/rastreio",
        data={"csrf_token": csrf_from(detail.text), "order_id": order_id, "status": "ready_for_pickup",
              "description": "Na loja"},
    )  # fmt: skip
    assert r.status_code == 303
    shown = (await web.get(f"/admin/pedidos/{order_id}")).text
    assert '<li data-status="ready_for_pickup">' in shown and "Pronto para retirada" in shown
