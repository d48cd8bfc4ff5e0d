"""GraphQL: shippingQuote answers what the REST quote does; checkout takes the option id."""

from __future__ import annotations

import uuid

from ecovarejo.logistics.plugin import install_logistics
from tests.integration.orders.shop import checkout_body
from tests.integration.orders.shop import open_shop as open_orders_shop

QUOTE = """query($cep: String!, $items: [ShippingItemInput!]!) {
  shippingQuote(cep: $cep, items: $items) {
    destinationCep destinationState degraded
    options { id carrier service serviceName price daysMin daysMax co2eKg green free }
  }
}"""
SHIPMENTS = """query($id: ID!) { orderShipments(orderId: $id) { status serviceName timeline { status } } }"""


async def test_quote_and_shipments_over_graphql(client, container, carrier_settings):
    shop = await open_orders_shop(container)
    ports = install_logistics(container, carrier_settings)
    ports.catalog = shop.catalog
    shop.catalog.put("TEE", "89.90")
    await shop.stock("TEE", 3)
    _uid, h = shop.customer()
    r = await client.post(
        "/graphql",
        headers=h,
        json={"query": QUOTE, "variables": {"cep": "20040-020", "items": [{"sku": "TEE", "quantity": 1}]}},
    )
    assert r.status_code == 200, r.text
    q = r.json()["data"]["shippingQuote"]
    assert q["destinationState"] == "RJ" and q["degraded"] == []
    standard = next(o for o in q["options"] if o["service"] == "standard")
    assert standard["price"] == "19.90" and standard["serviceName"] == "Entrega padrão"
    assert any(o["green"] for o in q["options"])

    await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
    order = await client.post(
        "/api/v1/orders",
        json=checkout_body(shipping_option=next(o for o in q["options"] if o["service"] == "standard")["id"]),
        headers={**h, "Idempotency-Key": str(uuid.uuid4())},
    )
    # quoted for Rio but the address is in São Paulo: refused, nothing created
    assert order.status_code == 422 and order.json()["code"] == "shipping_option_mismatch"

    r = await client.post("/graphql", headers=h, json={"query": SHIPMENTS, "variables": {"id": str(uuid.uuid4())}})
    assert r.json()["data"]["orderShipments"] == []
    bad = await client.post(
        "/graphql", headers=h, json={"query": QUOTE, "variables": {"cep": "1", "items": [{"sku": "TEE"}]}}
    )
    assert bad.json()["errors"][0]["extensions"]["code"] == "invalid_cep"


async def test_staff_powers_over_graphql_need_two_step_verification(client, container, carrier_settings):
    """Issue #12: GraphQL applies the same staff rule as the API and the pages: an admin whose token
    was issued without MFA sees another customer's shipments no more than any customer does."""
    from tests.support import bearer, token_for

    shop = await open_orders_shop(container)
    install_logistics(container, carrier_settings)
    shop.catalog.put("TEE", "89.90")
    await shop.stock("TEE", 2)
    _uid, h = shop.customer()
    await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**h, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201 and r.json()["status"] == "paid", r.text
    oid = r.json()["id"]
    items = {"items": [{"sku": "TEE", "quantity": 1}]}
    r = await client.post(f"/api/v1/admin/shipping/orders/{oid}/shipments", headers=shop.admin, json=items)
    assert r.status_code == 201, r.text
    query = {"query": SHIPMENTS, "variables": {"id": oid}}
    tenant = {"X-Tenant-ID": str(shop.tenant_id)}
    strong = await client.post("/graphql", headers=shop.admin, json=query)
    assert [s["serviceName"] for s in strong.json()["data"]["orderShipments"]], strong.text
    weak_admin = {**tenant, **bearer(token_for(container, shop.tenant_id, "admin", mfa=False))}
    weak = (await client.post("/graphql", headers=weak_admin, json=query)).json()
    assert weak["data"] is None and weak["errors"][0]["extensions"]["code"] == "order_not_found", weak
    # the order's own customer still sees it
    own = (await client.post("/graphql", headers=h, json=query)).json()
    assert len(own["data"]["orderShipments"]) == 1, own
