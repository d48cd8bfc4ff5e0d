"""The customer is told, by e-mail that really goes out over SMTP (aiosmtpd on localhost), through the whole
platform (orders, logistics, users, notifications): the carrier's tracking ships and delivers the order
(order shipped with its tracking code, order delivered), and a parcel at a pickup point is ready (the
point's name, address and opening hours), each in the customer's own language."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from ecovarejo.core.settings import Settings
from ecovarejo.logistics import shipments
from ecovarejo.logistics.plugin import install_logistics
from ecovarejo.notifications.settings import NotificationSettings
from tests.conftest import make_settings
from tests.integration.notifications.conftest import SmtpHandler, SmtpServer, free_port
from tests.integration.orders.shop import ADDRESS, checkout_body
from tests.integration.orders.shop import open_shop as open_orders_shop
from tests.support import bearer, eventually, token_for

from .test_pickup import STORE
from .test_shipments import _later

MAIL_FROM = "loja@ecovarejo.example"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(handler, port, f"smtp://127.0.0.1:{port}")
    controller.stop()


@pytest.fixture
def settings(db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> Settings:
    """The platform's settings with the notifications context sending e-mail to the local SMTP server."""
    mail = NotificationSettings(
        smtp_url=smtp_server.url, smtp_tls="none", mail_from=MAIL_FROM, notify_backoff_base=0.05
    )
    return make_settings(db_url, tmp_path).with_sections(mail)


async def _customer(client, shop, locale: str) -> tuple[str, dict[str, str]]:
    email = f"cliente-{uuid.uuid4().hex[:8]}@example.com"
    body = {
        "email": email, "password": "S3nha-muito-boa!", "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "locale": locale,
    }  # fmt: skip
    r = await client.post("/api/v1/auth/register", json=body, headers=shop.h)
    assert r.status_code == 201, r.text
    uid = uuid.UUID(r.json()["id"])
    return email, {**shop.h, **bearer(token_for(shop.container, shop.tenant_id, "customer", user_id=uid))}


async def test_the_ready_for_pickup_mail_goes_out_in_each_language(client, container, carrier_settings, smtp_server):
    shop = await open_orders_shop(container)
    ports = install_logistics(container, carrier_settings)
    ports.catalog = shop.catalog
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"))
    await shop.stock("TEE", 5)
    doc = (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"]
    doc["pickup_points"] = [STORE]
    assert (await client.put("/api/v1/admin/shipping/config", headers=shop.admin, json=doc)).status_code == 200

    expected = {
        "pt-BR": ("pronto para retirada", "Olá, Ana", "pt-BR"),
        "en": ("ready for pickup", "Hello Ana", "en"),
    }
    sent_to: dict[str, str] = {}
    for locale in expected:
        email, h = await _customer(client, shop, locale)
        sent_to[locale] = email
        r = await client.post(
            "/api/v1/shipping/quotes", headers=h, json={"cep": "01305-000", "items": [{"sku": "TEE", "quantity": 1}]}
        )
        assert r.status_code == 200, r.text
        [pickup] = [o for o in r.json()["options"] if o["pickup"]]
        r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
        assert r.status_code == 200, r.text
        body = checkout_body(shipping_option=pickup["id"], shipping_address=ADDRESS)
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 201, r.text
        oid = r.json()["id"]
        r = await client.post(f"/api/v1/admin/shipping/orders/{oid}/shipments", headers=shop.admin, json={})
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        r = await client.post(f"/api/v1/admin/shipping/shipments/{sid}/events", headers=shop.admin,
                              json={"status": "ready_for_pickup", "description": "Pronto"})  # fmt: skip
        assert r.status_code == 200 and r.json()["status"] == "ready_for_pickup", r.text

    def pickup_mails() -> dict[str, object]:
        out = {}
        for mail in smtp_server.handler.messages:
            for locale, (words, _hello, _lang) in expected.items():
                if mail["To"] == sent_to[locale] and words in mail["Subject"].lower():
                    out[locale] = mail
        return out

    assert await eventually(lambda: len(pickup_mails()) == 2, timeout=60)
    for locale, mail in pickup_mails().items():
        _words, hello, lang = expected[locale]
        assert mail["From"].addresses[0].addr_spec == MAIL_FROM
        assert mail["Content-Language"] == lang
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert hello in text and "Loja Vila Madalena" in text
        assert "Rua Harmonia 123" in text and "05435-000" in text
        assert STORE["hours"] in text and STORE["hours"] in html
        assert f'<html lang="{lang}">' in html


async def test_tracking_ships_and_delivers_the_order_and_the_customer_is_told(
    client, container, carrier_settings, correios, smtp_server
):
    shop = await open_orders_shop(container)
    ports = install_logistics(container, carrier_settings)
    ports.catalog = shop.catalog
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"))
    await shop.stock("TEE", 5)
    doc = (await client.get("/api/v1/admin/shipping/config", headers=shop.admin)).json()["document"]
    doc["carriers"] = {"table_rate": True, "correios": ["03298", "03220"], "melhorenvio": []}
    assert (await client.put("/api/v1/admin/shipping/config", headers=shop.admin, json=doc)).status_code == 200
    email, h = await _customer(client, shop, "pt-BR")
    r = await client.post(
        "/api/v1/shipping/quotes", headers=h, json={"cep": "01305-000", "items": [{"sku": "TEE", "quantity": 1}]}
    )
    sedex = next(o for o in r.json()["options"] if (o["carrier"], o["service"]) == ("correios", "03220"))
    r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=h)
    assert r.status_code == 200, r.text
    body = checkout_body(shipping_option=sedex["id"], shipping_address=ADDRESS)
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    order = r.json()
    r = await client.post(f"/api/v1/admin/shipping/orders/{order['id']}/shipments", headers=shop.admin, json={})
    assert r.status_code == 201, r.text
    code = r.json()["tracking_code"]

    def mail(subject: str) -> object | None:
        return next((m for m in smtp_server.handler.messages if m["To"] == email and m["Subject"] == subject), None)

    # the carrier's tracking (polled) posts the parcel: the order ships and the customer gets its code
    correios[0].add_event(code, "PO", "01", _later(1), "Objeto postado")
    await shipments.track_job(container)
    shipped = f"Pedido {order['order_number']} enviado"
    assert await eventually(lambda: mail(shipped) is not None, timeout=60)
    text = mail(shipped).get_body(("plain",)).get_content()
    assert "Olá, Ana" in text and code in text
    # then delivers it
    correios[0].add_event(code, "BDE", "01", _later(3), "Objeto entregue ao destinatário")
    await shipments.track_job(container)
    assert await eventually(lambda: mail(f"Pedido {order['order_number']} entregue") is not None, timeout=60)
    status = (await client.get(f"/api/v1/admin/orders/{order['id']}", headers=shop.admin)).json()["status"]
    assert status == "delivered"
