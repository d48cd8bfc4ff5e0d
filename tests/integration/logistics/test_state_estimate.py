"""A checkout (or a cart) that names no quoted shipping option pays the tenant's own per-state price: its
zones, the lightest standard band, its free-shipping rules; a state none of its zones serves is refused
with nothing written. Another tenant keeps the embedded default's prices."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ecovarejo.logistics.plugin import install_logistics
from tests.integration.orders.shop import ADDRESS, checkout_body
from tests.integration.orders.shop import open_shop as open_orders_shop

OWN = {
    "zones": [
        {"code": "CAPITAL", "name": "Capital", "cep_ranges": [["01000-000", "05999-999"]], "days_min": 1,
         "days_max": 2},
        {"code": "SUDESTE", "name": "Sudeste", "states": ["SP", "RJ"], "days_min": 2, "days_max": 4},
    ],
    "rates": [
        {"zone": "CAPITAL", "service": "standard", "max_weight_g": 2000, "price": "7.50"},
        {"zone": "SUDESTE", "service": "standard", "max_weight_g": 30000, "price": "21.00"},
        {"zone": "SUDESTE", "service": "standard", "max_weight_g": 1000, "price": "11.40"},
        {"zone": "SUDESTE", "service": "express", "max_weight_g": 1000, "price": "5.00"},
    ],
    "free_shipping": {"over": "150.00", "states": ["RJ"], "services": ["standard"], "coupons": False},
}  # fmt: skip


async def _shop(client, container, carrier_settings, *, own: bool = True):
    shop = await open_orders_shop(container)
    ports = install_logistics(container, carrier_settings)
    ports.catalog = shop.catalog
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"))
    await shop.stock("TEE", 10)
    if own:
        doc = (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"]
        doc.update(OWN)
        r = await client.put("/api/v1/admin/shipping/config", headers=shop.admin, json=doc)
        assert r.status_code == 200, r.text
    return shop


async def _cart(client, h, qty: int, state: str) -> dict:
    await client.delete("/api/v1/cart", headers=h)
    r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": qty}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/cart", params={"state": state}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def _checkout(client, h, qty: int, state: str, cep: str):
    await _cart(client, h, qty, state)
    body = checkout_body(shipping_address={**ADDRESS, "state": state, "postal_code": cep})
    return await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})


async def test_the_tenants_own_configuration_prices_a_checkout_without_an_option(client, container, carrier_settings):
    shop = await _shop(client, container, carrier_settings)
    _uid, h = shop.customer()
    # SP is in the SUDESTE zone by state (the CAPITAL zone's CEP ranges need a CEP): its lightest standard band
    cart = await _cart(client, h, 1, "SP")
    assert cart["summary"]["shipping_cost"] == "11.40" and not cart["problems"]
    r = await _checkout(client, h, 1, "SP", "01305-000")
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["shipping_cost"] == "11.40"
    assert Decimal(order["total_amount"]) == Decimal("89.90") + Decimal("11.40")
    # the transport kg CO2e is the per-region estimate (SP 0.80) next to the product's and the packaging's
    assert order["carbon_footprint"] == "3.40"
    # free over 150.00, but only to RJ: two units to SP pay, two to RJ ship free
    assert (await _cart(client, h, 2, "SP"))["summary"]["shipping_cost"] == "11.40"
    r = await _checkout(client, h, 2, "RJ", "20040-002")
    assert r.status_code == 201, r.text
    assert r.json()["shipping_cost"] == "0.00"
    # this shop's free-shipping coupons do not apply to shipping ("coupons": false)
    r = await client.post("/api/v1/admin/coupons", json={"code": "FRETE", "kind": "free_shipping"}, headers=shop.admin)
    assert r.status_code == 201, r.text
    await _cart(client, h, 1, "SP")
    r = await client.post("/api/v1/cart/coupons", json={"code": "FRETE"}, headers=h)
    assert r.status_code == 200, r.text
    assert (await client.get("/api/v1/cart", params={"state": "SP"}, headers=h)).json()["summary"]["shipping_cost"] == (
        "11.40"
    )


async def test_a_state_no_zone_serves_is_refused_and_nothing_is_written(client, container, carrier_settings):
    shop = await _shop(client, container, carrier_settings)
    _uid, h = shop.customer()
    cart = await _cart(client, h, 1, "BA")
    assert [p["code"] for p in cart["problems"]] == ["no_shipping_options"]
    r = await _checkout(client, h, 1, "BA", "40020-000")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "no_shipping_options" and r.json()["state"] == "BA"
    assert await shop.available("TEE") == 10  # nothing held
    r = await client.get("/api/v1/orders", headers=h)
    assert r.status_code == 200 and r.json()["items"] == []


async def test_another_tenant_keeps_the_embedded_default(client, container, carrier_settings):
    await _shop(client, container, carrier_settings)  # one tenant with its own prices
    other = await _shop(client, container, carrier_settings, own=False)
    _uid, h = other.customer()
    assert (await _cart(client, h, 1, "SP"))["summary"]["shipping_cost"] == "14.90"
    assert (await _cart(client, h, 1, "BA"))["summary"]["shipping_cost"] == "34.90"
    r = await client.post("/api/v1/admin/coupons", json={"code": "FRETE", "kind": "free_shipping"}, headers=other.admin)
    assert r.status_code == 201, r.text
    assert (await client.post("/api/v1/cart/coupons", json={"code": "FRETE"}, headers=h)).status_code == 200
    cart = (await client.get("/api/v1/cart", params={"state": "BA"}, headers=h)).json()
    assert cart["summary"]["shipping_cost"] == "0.00"  # the default lets free-shipping coupons apply
    await client.delete("/api/v1/cart/coupons/FRETE", headers=h)
    r = await _checkout(client, h, 4, "BA", "40020-000")  # 359.60 >= the default's 299.00
    assert r.status_code == 201, r.text
    assert r.json()["shipping_cost"] == "0.00"


async def test_the_estimate_prices_the_carts_cubic_weight_like_a_quote(client, container, carrier_settings):
    """Issue 16 follow-up: without a quoted option the cart is packed as a quote packs it and priced in
    the band that holds its billable (real or cubic) weight, not in the lightest band."""
    shop = await _shop(client, container, carrier_settings)
    _uid, h = shop.customer()
    # light (400 g) but bulky: 30 x 30 x 20 cm is 3 kg of cubic weight, beyond SUDESTE's 1 kg band
    size = {"weight_g": 400, "length_cm": 30, "width_cm": 30, "height_cm": 20}
    r = await client.put("/api/v1/admin/shipping/packages/TEE", headers=shop.admin, json=size)
    assert r.status_code == 200, r.text
    cart = await _cart(client, h, 1, "RJ")
    assert cart["summary"]["shipping_cost"] == "21.00" and not cart["problems"]
    # the same figure a quote to an RJ CEP gives for the table-rate standard service
    r = await client.post(
        "/api/v1/shipping/quotes", headers=h, json={"cep": "20040-002", "items": [{"sku": "TEE", "quantity": 1}]}
    )
    assert r.status_code == 200, r.text
    std = next(o for o in r.json()["options"] if (o["carrier"], o["service"]) == ("table_rate", "standard"))
    assert std["price"] == "21.00" and r.json()["package"]["billable_weight_g"] == 3000
    r = await _checkout(client, h, 1, "RJ", "20040-002")
    assert r.status_code == 201, r.text
    assert r.json()["shipping_cost"] == "21.00"
    assert Decimal(r.json()["total_amount"]) == Decimal("89.90") + Decimal("21.00")
    # beyond the shop's limits (30 kg): a problem on the cart, a 422 at checkout with nothing held
    size = {"weight_g": 16000, "length_cm": 20, "width_cm": 20, "height_cm": 10}
    r = await client.put("/api/v1/admin/shipping/packages/TEE", headers=shop.admin, json=size)
    assert r.status_code == 200, r.text
    cart = await _cart(client, h, 2, "RJ")
    assert [p["code"] for p in cart["problems"]] == ["package_too_heavy"]
    stock = await shop.available("TEE")
    r = await _checkout(client, h, 2, "RJ", "20040-002")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "package_too_heavy"
    assert await shop.available("TEE") == stock
