"""From a paid order to a delivered one: staff buy the label from the carrier (Correios' and Melhor
Envio's fakes), tracking by polling or webhook delivers the order through ``logistics-events``, the
customer sees the timeline; a label that cannot be recorded is cancelled at the carrier."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

import pytest
from sqlalchemy import select

from ecovarejo.core.models import OutboxEvent
from ecovarejo.logistics import shipments
from ecovarejo.logistics.plugin import install_logistics
from tests.integration.orders.shop import checkout_body
from tests.integration.orders.shop import open_shop as open_orders_shop
from tests.support import eventually

from .fakes.correios import PDF


async def _paid_order(client, container, carrier_settings):
    shop = await open_orders_shop(container)
    install_logistics(container, carrier_settings)
    shop.catalog.put("TEE", "89.90")
    shop.catalog.put("MUG", "39.90")
    await shop.stock("TEE", 5)
    await shop.stock("MUG", 5)
    uid, h = shop.customer()
    for sku, qty in (("TEE", 2), ("MUG", 1)):
        r = await client.post("/api/v1/cart/items", json={"sku": sku, "quantity": qty}, headers=h)
        assert r.status_code == 200, r.text
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**h, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "paid"
    return shop, uid, h, r.json()


async def _order_status(client, shop, order_id):
    r = await client.get(f"/api/v1/admin/orders/{order_id}", headers=shop.admin)
    assert r.status_code == 200, r.text
    return r.json()["status"]


async def _events(container, tenant_id, type_):
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant_id))).all()
    return [r.envelope["data"] for r in rows if r.type == type_]


async def test_correios_label_then_tracking_delivers_the_order(client, container, carrier_settings, correios):
    shop, _uid, h, order = await _paid_order(client, container, carrier_settings)
    oid = order["id"]
    r = await client.post(
        f"/api/v1/admin/shipping/orders/{oid}/shipments",
        headers=shop.admin,
        json={"carrier": "correios", "service": "03220", "items": [{"sku": "TEE", "quantity": 2}]},
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "label_purchased" and first["service_name"] == "SEDEX"
    code = first["tracking_code"]
    assert code.endswith("BR") and first["has_label_pdf"]
    assert Numeric(first["co2e_kg"]) > 0
    prepost = correios[0].preposts[next(iter(correios[0].preposts))]["body"]
    assert prepost["destinatario"]["endereco"]["cep"] == "01305000" and prepost["codigoServico"] == "03220"
    label = await client.get(f"/api/v1/admin/shipping/shipments/{first['id']}/label", headers=shop.admin)
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf" and label.content == PDF
    slip = await client.get(f"/api/v1/admin/shipping/shipments/{first['id']}/packing-slip", headers=shop.admin)
    assert slip.status_code == 200 and "TEE" in slip.text and "Ana Souza" in slip.text

    # partial shipment: only the mug is left; asking for more is refused, the rest ships on table rates
    r = await client.post(
        f"/api/v1/admin/shipping/orders/{oid}/shipments", headers=shop.admin,
        json={"items": [{"sku": "TEE", "quantity": 1}]},
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "items_not_shippable"
    r = await client.post(f"/api/v1/admin/shipping/orders/{oid}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201 and r.json()["items"] == [
        {"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "39.90"}
    ]
    second = r.json()
    r = await client.post(f"/api/v1/admin/shipping/orders/{oid}/shipments", headers=shop.admin, json={})
    assert r.status_code == 409 and r.json()["code"] == "nothing_to_ship"

    # the Correios parcel is posted: the polling job sees it and the order ships
    correios[0].add_event(code, "PO", "01", _later(1), "Objeto postado")
    await shipments.track_job(container)
    assert await eventually(lambda: _is(client, shop, oid, "shipped"))
    detail = (await client.get(f"/api/v1/admin/orders/{oid}", headers=shop.admin)).json()
    assert detail["carrier"] == "correios" and detail["tracking_code"] == code
    correios[0].add_event(code, "OEC", "01", _later(2), "Objeto saiu para entrega ao destinatário")
    correios[0].add_event(code, "BDE", "01", _later(3), "Objeto entregue ao destinatário")
    await shipments.track_job(container)
    await shipments.track_job(container)  # polling again changes nothing
    assert await eventually(lambda: _is(client, shop, oid, "delivered"))
    delivered = await _events(container, shop.tenant_id, "order.delivered")
    assert len(delivered) == 1
    assert len(await _events(container, shop.tenant_id, "shipment.delivered")) == 1

    # the customer's timeline
    r = await client.get(f"/api/v1/shipping/orders/{oid}/tracking", headers=h)
    assert r.status_code == 200
    mine = {s["id"]: s for s in r.json()["items"]}
    steps = [t["status"] for t in mine[first["id"]]["timeline"]]
    assert steps == ["label_purchased", "posted", "out_for_delivery", "delivered"]
    assert "price" not in mine[first["id"]] and second["id"] in mine
    _, stranger = shop.customer()
    assert (await client.get(f"/api/v1/shipping/orders/{oid}/tracking", headers=stranger)).status_code == 404


def _later(hours: int) -> str:
    """A Correios timestamp (local time, no zone) some hours after now: events come after the label."""
    from datetime import UTC, datetime, timedelta, timezone

    return (
        (datetime.now(UTC) + timedelta(hours=hours))
        .astimezone(timezone(timedelta(hours=-3)))
        .strftime("%Y-%m-%dT%H:%M:%S")
    )


async def _is(client, shop, oid, status):
    return await _order_status(client, shop, oid) == status


class Numeric(float):
    def __new__(cls, v):
        return float.__new__(cls, float(v))


async def test_label_refused_leaves_no_prepost_behind(client, container, carrier_settings, correios):
    shop, _uid, _h, order = await _paid_order(client, container, carrier_settings)
    correios[0].fail_label = True
    r = await client.post(
        f"/api/v1/admin/shipping/orders/{order['id']}/shipments",
        headers=shop.admin,
        json={"carrier": "correios", "service": "03298"},
    )
    assert r.status_code == 502 and r.json()["code"] == "carrier_error"
    assert correios[0].cancelled == list(correios[0].preposts)  # the pre-posting was cancelled
    r = await client.get(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin)
    assert [s["status"] for s in r.json()["items"]] == ["cancelled"]
    assert r.json()["items"][0]["error"]
    # the items can be shipped again
    correios[0].fail_label = False
    r = await client.post(
        f"/api/v1/admin/shipping/orders/{order['id']}/shipments",
        headers=shop.admin,
        json={"carrier": "correios", "service": "03298"},
    )
    assert r.status_code == 201


async def test_a_label_bought_but_not_recorded_is_cancelled(client, container, carrier_settings, melhorenvio):
    shop, _uid, _h, order = await _paid_order(client, container, carrier_settings)
    real = shipments._record_label

    async def broken(*a, **kw):
        raise RuntimeError("database went away")

    shipments._record_label = broken  # the one step after the purchase fails
    try:
        with pytest.raises(RuntimeError):
            await shipments.create_shipment(
                container, shop.tenant_id, uuid.UUID(order["id"]), carrier="melhorenvio", service="3", actor="t"
            )
    finally:
        shipments._record_label = real
    bought = list(melhorenvio[0].orders)
    assert bought and melhorenvio[0].cancelled == bought


async def test_melhorenvio_webhook_moves_the_order(client, container, carrier_settings, melhorenvio):
    shop, _uid, _h, order = await _paid_order(client, container, carrier_settings)
    oid = order["id"]
    r = await client.post(
        f"/api/v1/admin/shipping/orders/{oid}/shipments",
        headers=shop.admin,
        json={"carrier": "melhorenvio", "service": "3"},
    )
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["label_url"].endswith("/imprimir/" + next(iter(melhorenvio[0].orders)))
    me_id = next(iter(melhorenvio[0].orders))

    async def hook(event, secret="me-app-secret", **data):
        body = json.dumps({"event": event, "data": {"id": me_id, "tracking": s["tracking_code"], **data}}).encode()
        sig = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return await client.post(
            "/api/v1/shipping/webhooks/melhorenvio",
            content=body,
            headers={**shop.h, "X-ME-Signature": sig, "Content-Type": "application/json"},
        )

    assert (await hook("order.posted", secret="wrong")).status_code == 401
    assert (await hook("order.posted", posted_at="2026-12-01 10:00:00")).status_code == 204
    assert await eventually(lambda: _is(client, shop, oid, "shipped"))
    assert (await hook("order.delivered", delivered_at="2026-12-03 10:00:00")).status_code == 204
    assert (await hook("order.delivered", delivered_at="2026-12-03 10:00:00")).status_code == 204  # replay
    assert await eventually(lambda: _is(client, shop, oid, "delivered"))
    assert len(await _events(container, shop.tenant_id, "shipment.delivered")) == 1


async def test_staff_tracking_and_failed_delivery(client, container, carrier_settings):
    shop, _uid, _h, order = await _paid_order(client, container, carrier_settings)
    oid = order["id"]
    s = (await client.post(f"/api/v1/admin/shipping/orders/{oid}/shipments", headers=shop.admin, json={})).json()
    assert s["carrier"] == "table_rate" and s["tracking_code"].startswith("EV")
    label = await client.get(f"/api/v1/admin/shipping/shipments/{s['id']}/label", headers=shop.admin)
    assert label.status_code == 200 and s["tracking_code"] in label.text
    url = f"/api/v1/admin/shipping/shipments/{s['id']}/events"
    r = await client.post(url, headers=shop.admin, json={"status": "teleported", "description": "x"})
    assert r.status_code == 422
    for status in ("posted", "failed_delivery", "returned_to_sender"):
        r = await client.post(url, headers=shop.admin, json={"status": status, "description": status})
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "returned_to_sender"
    assert await eventually(lambda: _is(client, shop, oid, "shipped"))
    assert len(await _events(container, shop.tenant_id, "shipment.failed_delivery")) == 1
    assert len(await _events(container, shop.tenant_id, "shipment.returned_to_sender")) == 1
    r = await client.post(f"/api/v1/admin/shipping/shipments/{s['id']}/cancel", headers=shop.admin)
    assert r.status_code == 409
