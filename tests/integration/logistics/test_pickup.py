"""Pickup points: the shop's own ("retirar na loja", lockers), Melhor Envio's carrier agencies and Correios'
agencies. Quoted near the customer's CEP with the emissions of the trip to the point, chosen at checkout, stored on the
order, shipped to the point, marked ready (the customer is told where and when) and collected."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from ecovarejo.core.models import OutboxEvent
from ecovarejo.logistics import cep as ceps
from ecovarejo.logistics import emissions, shipments
from ecovarejo.logistics.plugin import install_logistics
from ecovarejo.notifications.rendering import Renderer
from tests.integration.orders.shop import ADDRESS, checkout_body
from tests.integration.orders.shop import open_shop as open_orders_shop
from tests.support import eventually

from .test_shipments import _later

STORE = {
    "code": "LOJA-VM",
    "name": "Loja Vila Madalena",
    "kind": "store",
    "street": "Rua Harmonia",
    "number": "123",
    "district": "Vila Madalena",
    "city": "São Paulo",
    "state": "SP",
    "cep": "05435-000",
    "hours": "Seg a sex 9h–18h; sáb 9h–13h",
    "days": 1,
    "price": "0.00",
    "radius_km": 30,
}


async def _shop(client, container, carrier_settings, **changes):
    shop = await open_orders_shop(container)
    ports = install_logistics(container, carrier_settings)
    ports.catalog = shop.catalog
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"))
    await shop.stock("TEE", 5)
    doc = (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"]
    doc.update(changes)
    r = await client.put("/api/v1/admin/shipping/config", headers=shop.admin, json=doc)
    assert r.status_code == 200, r.text
    return shop


async def _options(client, shop, cep):
    r = await client.post(
        "/api/v1/shipping/quotes", headers=shop.h, json={"cep": cep, "items": [{"sku": "TEE", "quantity": 1}]}
    )
    assert r.status_code == 200, r.text
    return r.json()["options"]


async def _checkout(client, shop, h, option_id, cep="01305-000"):
    r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
    assert r.status_code == 200, r.text
    body = checkout_body(shipping_option=option_id, shipping_address={**ADDRESS, "postal_code": cep})
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return r.json()


async def _status(client, shop, oid):
    return (await client.get(f"/api/v1/admin/orders/{oid}", headers=shop.admin)).json()["status"]


async def test_store_pickup_from_quote_to_collection(client, container, carrier_settings):
    shop = await _shop(client, container, carrier_settings, pickup_points=[STORE])
    # Rio is beyond the store's 30 km: no pickup there
    assert not [o for o in await _options(client, shop, "20040-020") if o["pickup"]]
    options = await _options(client, shop, "01305-000")
    [pickup] = [o for o in options if o["pickup"]]
    assert (pickup["carrier"], pickup["service"], pickup["kind"]) == ("pickup", "LOJA-VM", "pickup")
    assert pickup["price"] == "0.00" and pickup["pickup"]["hours"] == STORE["hours"]
    assert pickup["pickup"]["cep"] == "05435000" and pickup["days_min"] == 1 + 1  # the point's day + handling
    assert any(not o["pickup"] for o in options)  # home delivery is still offered
    # emissions to the point (origin warehouse → store), by road
    km = ceps.distance_km("01310100", "05435000")
    assert pickup["distance_km"] == round(km)
    parcel_g = 500  # the default package
    assert Decimal(pickup["co2e_kg"]) == emissions.kg_co2e(km, parcel_g, "road")

    uid, h = shop.customer()
    order = await _checkout(client, shop, h, pickup["id"])
    chosen = order["shipping_option"]
    assert chosen["carrier"] == "pickup" and chosen["pickup"]["name"] == "Loja Vila Madalena"
    assert order["shipping_cost"] == "0.00"

    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201, r.text
    shipment = r.json()
    assert shipment["carrier"] == "pickup" and shipment["pickup"]["id"] == "LOJA-VM"
    sid = shipment["id"]
    # the store is ready: the order ships and the customer is told where and when to collect
    r = await client.post(f"/api/v1/admin/shipping/shipments/{sid}/events", headers=shop.admin,
                          json={"status": "ready_for_pickup", "description": "Pronto para retirada"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "ready_for_pickup", r.text
    assert await eventually(lambda: _is(client, shop, order["id"], "shipped"))

    [request] = [d for d in await _events(container, shop.tenant_id, "notification.requested")]
    assert request["template"] == "ready_for_pickup" and request["to_user_id"] == str(uid)
    assert request["order_id"] == order["id"] and "to_email" not in request  # people by id only
    ctx = request["context"]
    assert ctx["point_name"] == "Loja Vila Madalena" and ctx["hours"] == STORE["hours"]
    assert "Rua Harmonia 123" in ctx["point_address"] and "05435-000" in ctx["point_address"]
    for locale, words in (("pt-BR", "pronto para retirada"), ("en", "ready for pickup")):
        rendered = Renderer().render("ready_for_pickup", locale, ctx)
        assert words in rendered.subject and "Rua Harmonia 123" in rendered.text and STORE["hours"] in rendered.html
    # collected: the order is delivered
    r = await client.post(f"/api/v1/admin/shipping/shipments/{sid}/events", headers=shop.admin,
                          json={"status": "picked_up", "description": "Retirado pelo cliente"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "delivered", r.text
    assert await eventually(lambda: _is(client, shop, order["id"], "delivered"))
    mine = (await client.get(f"/api/v1/shipping/orders/{order['id']}/tracking", headers=h)).json()["items"]
    assert mine[0]["pickup"]["name"] == "Loja Vila Madalena"
    assert [t["status"] for t in mine[0]["timeline"]] == ["label_purchased", "ready_for_pickup", "delivered"]


async def _is(client, shop, oid, status):
    return await _status(client, shop, oid) == status


async def test_melhorenvio_agencies_near_the_customer(client, container, carrier_settings, melhorenvio):
    shop = await _shop(
        client, container, carrier_settings,
        carriers={"table_rate": True, "correios": [], "melhorenvio": [1, 3], "melhorenvio_pickup": [3]},
    )  # fmt: skip
    options = await _options(client, shop, "01310-100")
    agencies = [o for o in options if o["pickup"]]
    assert {o["pickup"]["name"] for o in agencies} == {"Jadlog Paulista", "Jadlog Pinheiros"}
    assert all(o["carrier"] == "melhorenvio" and o["service"] == "3" for o in agencies)
    assert {"company": "2", "country": "BR", "state": "SP", "city": "São Paulo"} in melhorenvio[0].agency_queries
    home = [o for o in options if o["carrier"] == "melhorenvio" and not o["pickup"]]
    assert {o["service"] for o in home} == {"1", "3"}  # the agencies add to the door-to-door services
    paulista = next(o for o in agencies if o["pickup"]["name"] == "Jadlog Paulista")
    assert paulista["pickup"]["id"] == "me:101" and paulista["pickup"]["cep"] == "01311000"

    _uid, h = shop.customer()
    order = await _checkout(client, shop, h, paulista["id"], cep="01310-100")
    assert order["shipping_option"]["pickup"]["id"] == "me:101"
    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201, r.text
    [cart] = [o["body"] for o in melhorenvio[0].orders.values()]
    assert cart["service"] == 3 and cart["to"]["postal_code"] == "01311000"  # addressed to the agency
    assert cart["to"]["name"] == "Ana Souza" and "Jadlog Paulista" in cart["to"]["complement"]


async def test_bad_pickup_points_and_steps_are_refused(client, container, carrier_settings):
    shop = await _shop(client, container, carrier_settings)
    doc = (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"]
    for bad in ({**STORE, "cep": "123"}, {**STORE, "state": "XX"}, {**STORE, "kind": "drone"}):
        r = await client.put("/api/v1/admin/shipping/config", headers=shop.admin, json={**doc, "pickup_points": [bad]})
        assert r.status_code == 422 and r.json()["code"] == "invalid_shipping_config", r.text
    r = await client.put("/api/v1/admin/shipping/config", headers=shop.admin,
                         json={**doc, "pickup_points": [STORE, STORE]})  # fmt: skip
    assert r.status_code == 422
    assert (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"][
        "pickup_points"
    ] == []  # nothing saved
    # a home delivery cannot be "ready for pickup"
    _uid, h = shop.customer()
    std = next(o for o in await _options(client, shop, "01305-000") if o["service"] == "standard")
    order = await _checkout(client, shop, h, std["id"])
    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    sid = r.json()["id"]
    r = await client.post(f"/api/v1/admin/shipping/shipments/{sid}/events", headers=shop.admin,
                          json={"status": "ready_for_pickup", "description": "x"})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "not_a_pickup"


async def _events(container, tenant_id, type_):
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant_id))).all()
    return [r.envelope["data"] for r in rows if r.type == type_]


PICKUP_QUOTE = """query($cep: String!, $items: [ShippingItemInput!]!) {
  shippingQuote(cep: $cep, items: $items) { options { id carrier service pickup { id name hours cep city } } }
}"""
ORDER = """query($id: ID!) { order(id: $id) { shippingService pickupPoint { id name street hours } } }"""


async def test_pickup_over_graphql(client, container, carrier_settings):
    shop = await _shop(client, container, carrier_settings, pickup_points=[STORE])
    _uid, h = shop.customer()
    variables = {"cep": "01305-000", "items": [{"sku": "TEE", "quantity": 1}]}
    r = await client.post("/graphql", headers=h, json={"query": PICKUP_QUOTE, "variables": variables})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    options = r.json()["data"]["shippingQuote"]["options"]
    [pickup] = [o for o in options if o["pickup"]]
    assert pickup["pickup"] == {"id": "LOJA-VM", "name": "Loja Vila Madalena", "hours": STORE["hours"],
                                "cep": "05435000", "city": "São Paulo"}  # fmt: skip
    assert all(o["pickup"] is None for o in options if o["carrier"] != "pickup")
    order = await _checkout(client, shop, h, pickup["id"])
    r = await client.post("/graphql", headers=h, json={"query": ORDER, "variables": {"id": order["id"]}})
    got = r.json()["data"]["order"]
    assert got["pickupPoint"] == {"id": "LOJA-VM", "name": "Loja Vila Madalena", "street": "Rua Harmonia",
                                  "hours": STORE["hours"]}  # fmt: skip


async def test_correios_agencies_near_the_customer(client, container, carrier_settings, correios):
    shop = await _shop(
        client, container, carrier_settings,
        carriers={"table_rate": True, "correios": ["03298", "03220"], "melhorenvio": [], "correios_pickup": ["03298"]},
    )  # fmt: skip
    options = await _options(client, shop, "01310-100")
    agencies = [o for o in options if o["pickup"]]
    # installed agencies ("09") of the customer's municipality, three nearest; not the closed one nor the CDD
    assert {o["pickup"]["name"] for o in agencies} == {
        "AC CENTRAL DE SAO PAULO", "AC JARDIM PAULISTA", "AC PINHEIROS",
    }  # fmt: skip
    assert all((o["carrier"], o["service"], o["kind"]) == ("correios", "03298", "pickup") for o in agencies)
    [query] = correios[0].agency_queries
    assert ("uf", "SP") in query and ("municipio", "SAO PAULO") in query and ("status", "2") in query
    assert ("codigoTipoUnidade", "09") in query
    pac = next(o for o in options if (o["carrier"], o["service"]) == ("correios", "03298") and not o["pickup"])
    central = next(o for o in agencies if o["pickup"]["id"] == "correios:00024419")
    assert central["price"] == pac["price"] and central["pickup"]["cep"] == "01031970"
    assert central["pickup"]["hours"] == "Segunda à sexta 09:00–18:00" and central["pickup"]["company"] == "Correios"
    # the emissions are those of the trip from the warehouse to the agency, by road (the default package)
    km = ceps.distance_km("01310100", "01031970")
    assert central["distance_km"] == round(km)
    assert Decimal(central["co2e_kg"]) == emissions.kg_co2e(km, 500, "road")

    _uid, h = shop.customer()
    order = await _checkout(client, shop, h, central["id"], cep="01310-100")
    assert order["shipping_option"]["pickup"]["id"] == "correios:00024419"
    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201, r.text
    assert r.json()["pickup"]["name"] == "AC CENTRAL DE SAO PAULO"
    [prepost] = [p["body"] for p in correios[0].preposts.values()]
    to = prepost["destinatario"]
    assert prepost["codigoServico"] == "03298" and to["endereco"]["cep"] == "01031970"  # addressed to the agency
    assert to["nome"] == "Ana Souza" and "AC CENTRAL DE SAO PAULO" in to["endereco"]["complemento"]

    # Correios' own tracking: posted, then waiting at the agency (LDI), then collected (BDE 01)
    sid, code = r.json()["id"], r.json()["tracking_code"]
    correios[0].add_event(code, "PO", "01", _later(1), "Objeto postado")
    correios[0].add_event(code, "LDI", "01", _later(20), "Objeto aguardando retirada no endereço indicado")
    await shipments.track_job(container)
    assert await eventually(lambda: _is(client, shop, order["id"], "shipped"))
    [request] = [d for d in await _events(container, shop.tenant_id, "notification.requested")
                 if d.get("template") == "ready_for_pickup"]  # fmt: skip
    assert request["context"]["point_name"] == "AC CENTRAL DE SAO PAULO"
    assert request["context"]["hours"] == "Segunda à sexta 09:00–18:00"
    correios[0].add_event(code, "BDE", "01", _later(30), "Objeto entregue ao destinatário")
    await shipments.track_job(container)
    assert await eventually(lambda: _is(client, shop, order["id"], "delivered"))
    mine = (await client.get(f"/api/v1/shipping/orders/{order['id']}/tracking", headers=h)).json()["items"]
    [shipment] = [x for x in mine if x["id"] == sid]
    assert [t["status"] for t in shipment["timeline"]] == ["label_purchased", "posted", "ready_for_pickup", "delivered"]


async def test_a_home_delivery_held_at_the_agency_is_a_failed_delivery(client, container, carrier_settings, correios):
    shop = await _shop(
        client, container, carrier_settings, carriers={"table_rate": True, "correios": ["03298"], "melhorenvio": []}
    )
    pac = next(o for o in await _options(client, shop, "01310-100") if o["carrier"] == "correios")
    _uid, h = shop.customer()
    order = await _checkout(client, shop, h, pac["id"], cep="01310-100")
    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201, r.text
    code = r.json()["tracking_code"]
    correios[0].add_event(code, "PO", "01", _later(1), "Objeto postado")
    correios[0].add_event(code, "LDI", "01", _later(20), "Objeto aguardando retirada no endereço indicado")
    await shipments.track_job(container)
    r = await client.get(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin)
    [shipment] = r.json()["items"]
    assert shipment["status"] == "failed_delivery"  # not "ready for pickup": the customer chose their door
    assert not [d for d in await _events(container, shop.tenant_id, "notification.requested")
                if d.get("template") == "ready_for_pickup"]  # fmt: skip


async def test_correios_agencies_down_leave_the_door_to_door_options(client, container, carrier_settings, correios):
    shop = await _shop(
        client, container, carrier_settings,
        carriers={"table_rate": True, "correios": ["03298"], "melhorenvio": [], "correios_pickup": ["03298"]},
    )  # fmt: skip
    correios[0].agencies_down = True
    r = await client.post(
        "/api/v1/shipping/quotes", headers=shop.h, json={"cep": "01310-100", "items": [{"sku": "TEE", "quantity": 1}]}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "correios" not in body["degraded"]
    assert [o["service"] for o in body["options"] if o["carrier"] == "correios"] == ["03298"]
    assert not any(o["pickup"] for o in body["options"])
