"""Checkout with a quoted shipping option: the order is charged its price, its kg CO2e joins the order's
footprint, the option rides with the order to the shipment; expired options are quoted again, forged or
foreign ones refused."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

from ecovarejo.logistics.plugin import install_logistics
from tests.integration.orders.shop import checkout_body
from tests.integration.orders.shop import open_shop as open_orders_shop


async def _shop(client, container, carrier_settings):
    shop = await open_orders_shop(container)
    ports = install_logistics(container, carrier_settings)
    ports.catalog = shop.catalog  # the same catalog as the orders' tests use
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"))
    await shop.stock("TEE", 5)
    staff = shop.admin
    doc = (await client.get("/api/v1/admin/shipping/config", headers=staff)).json()["document"]
    doc["carriers"] = {"table_rate": True, "correios": ["03298", "03220"], "melhorenvio": []}
    assert (await client.put("/api/v1/admin/shipping/config", headers=staff, json=doc)).status_code == 200
    return shop, ports


async def _options(client, shop, cep="01305-000", qty=1):
    r = await client.post(
        "/api/v1/shipping/quotes", headers=shop.h, json={"cep": cep, "items": [{"sku": "TEE", "quantity": qty}]}
    )
    assert r.status_code == 200, r.text
    return {(o["carrier"], o["service"]): o for o in r.json()["options"]}


async def _checkout(client, shop, h, option_id, qty=1):
    await client.delete("/api/v1/cart", headers=h)
    r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": qty}, headers=h)
    assert r.status_code == 200, r.text
    body = checkout_body(shipping_option=option_id)
    return await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})


async def test_checkout_charges_the_chosen_option_and_ships_with_it(client, container, carrier_settings, correios):
    shop, _ports = await _shop(client, container, carrier_settings)
    sedex = (await _options(client, shop))[("correios", "03220")]
    _uid, h = shop.customer()
    r = await _checkout(client, shop, h, sedex["id"])
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["shipping_cost"] == sedex["price"]
    assert Decimal(order["total_amount"]) == Decimal("89.90") + Decimal(sedex["price"])
    # product footprint 2.50 + the option's transport + eco packaging 0.10
    expected = (Decimal("2.50") + Decimal(sedex["co2e_kg"]) + Decimal("0.10")).quantize(Decimal("0.01"))
    assert Decimal(order["carbon_footprint"]) == expected
    chosen = order["shipping_option"]
    assert (chosen["carrier"], chosen["service"], chosen["service_name"]) == ("correios", "03220", "SEDEX")
    # staff ship it without saying how: the customer's choice is used
    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201, r.text
    assert (r.json()["carrier"], r.json()["service"]) == ("correios", "03220")


async def test_free_table_rate_over_the_threshold(client, container, carrier_settings):
    shop, _ = await _shop(client, container, carrier_settings)
    std = (await _options(client, shop, qty=4))[("table_rate", "standard")]  # 359.60 >= 299.00
    assert std["free"] and std["price"] == "0.00"
    _uid, h = shop.customer()
    r = await _checkout(client, shop, h, std["id"], qty=4)
    assert r.status_code == 201, r.text
    assert r.json()["shipping_cost"] == "0.00"


async def test_an_expired_option_is_quoted_again(client, container, carrier_settings, correios):
    shop, ports = await _shop(client, container, carrier_settings)
    pac = (await _options(client, shop))[("correios", "03298")]
    calls = len(correios[0].calls)
    ports.engine.clock = lambda: time.time() + 7200  # two hours later: the option expired
    await ports.engine.cache.clear(shop.tenant_id)  # and the carrier's cached answer too
    _uid, h = shop.customer()
    r = await _checkout(client, shop, h, pac["id"])
    assert r.status_code == 201, r.text
    assert r.json()["shipping_option"]["service"] == "03298"
    assert len(correios[0].calls) > calls  # Correios was asked again


async def test_forged_foreign_or_mismatched_options_are_refused(client, container, carrier_settings):
    shop, _ = await _shop(client, container, carrier_settings)
    std = (await _options(client, shop))[("table_rate", "standard")]
    _uid, h = shop.customer()
    raw, _, sig = std["id"].partition(".")
    r = await _checkout(client, shop, h, f"{raw}.{'0' * len(sig)}")
    assert r.status_code == 422 and r.json()["code"] == "invalid_shipping_option"
    other = (await _options(client, shop, cep="20040-020"))[("table_rate", "standard")]
    r = await _checkout(client, shop, h, other["id"])  # quoted for Rio, shipping to São Paulo
    assert r.status_code == 422 and r.json()["code"] == "shipping_option_mismatch"
    assert await shop.available("TEE") == 5  # nothing reserved, nothing half-created


async def test_a_free_shipping_coupon_follows_the_shops_one_rule_with_a_chosen_option(
    client, container, carrier_settings, correios
):
    """Issue 16 follow-up: with a quoted option a free-shipping coupon frees what the shop's free-shipping
    rule names (table-rate services, its states, ``coupons``), exactly as without one."""
    shop, _ports = await _shop(client, container, carrier_settings)
    r = await client.post("/api/v1/admin/coupons", json={"code": "FRETE", "kind": "free_shipping"}, headers=shop.admin)
    assert r.status_code == 201, r.text
    options = await _options(client, shop)
    std, sedex = options[("table_rate", "standard")], options[("correios", "03220")]
    assert Decimal(std["price"]) > 0 and Decimal(sedex["price"]) > 0
    _uid, h = shop.customer()

    async def pay(option_id: str) -> dict:
        await client.delete("/api/v1/cart", headers=h)
        r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
        assert r.status_code == 200, r.text
        body = checkout_body(shipping_option=option_id, coupons=["FRETE"])
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 201, r.text
        return r.json()

    # the default rule lets coupons free the table-rate services, and only those
    assert (await pay(std["id"]))["shipping_cost"] == "0.00"
    order = await pay(sedex["id"])
    assert order["shipping_cost"] == sedex["price"]
    assert Decimal(order["total_amount"]) == Decimal("89.90") + Decimal(sedex["price"])
    # the shop turns coupons off: the chosen option is charged, as the no-option path already did
    doc = (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"]
    doc["free_shipping"]["coupons"] = False
    assert (await client.put("/api/v1/admin/shipping/config", headers=shop.admin, json=doc)).status_code == 200
    std = (await _options(client, shop))[("table_rate", "standard")]
    order = await pay(std["id"])
    assert order["shipping_cost"] == std["price"] != "0.00"
    assert Decimal(order["total_amount"]) == Decimal("89.90") + Decimal(std["price"])
    # and without an option (state only) the same rule answers
    await client.delete("/api/v1/cart", headers=h)
    assert (await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)).status_code == 200
    body = checkout_body(coupons=["FRETE"])
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    assert r.json()["shipping_cost"] == std["price"]
