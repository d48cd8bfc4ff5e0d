"""LGPD art. 6 III (necessity): events name people by id only. A customer registers, saves an address,
gives consents, verifies the e-mail, resets the password, changes the profile, buys by card and by Pix,
gets an order shipped, delivered and refunded, and reviews; not one published event (outbox row or what
the bus delivered) holds their e-mail, names, CPF, phone, street or CEP, while the messages about those
events still reach them (the notifications context resolves the contact at send time). SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import random
import string
import uuid
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id
from ecovarejo.core.models import DEFAULT_TENANT_ID, OutboxEvent
from ecovarejo.inventory import service as inventory
from ecovarejo.privacy.models import AuditEntry
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from tests.integration.privacy.conftest import PrivacyApi
from tests.integration.users.conftest import PASSWORD
from tests.support import bearer, eventually, token_for

CARD_OK = "tok_visa"


def _letters(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


async def _outbox(c: Container) -> list[OutboxEvent]:
    async with c.db.system_session() as s:
        return list((await s.scalars(select(OutboxEvent).order_by(OutboxEvent.created_at))).all())


def _mails(root: Path) -> list[str]:
    """Every mail of the embedded mail folder as text: its headers and its decoded text parts."""
    out = []
    for path in root.rglob("*.eml") if root.is_dir() else ():
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        parts = [p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain"]
        out.append(f"{msg['To']}\n{msg['Subject']}\n" + "\n".join(parts))
    return out


def _holding(envelopes: list[dict[str, Any]], needles: set[str]) -> list[str]:
    found = []
    for env in envelopes:
        text = json.dumps(env, ensure_ascii=False).lower()
        found += [f"{env.get('type')}: {n}" for n in sorted(needles) if n in text]
    return found


async def test_no_published_event_carries_personal_data(
    api: PrivacyApi, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, client = container, api.client
    delivered: list[dict[str, Any]] = []
    publish = c.bus.publish

    async def recording(topic: str, envelope: dict[str, Any]) -> None:
        delivered.append(envelope)
        await publish(topic, envelope)

    monkeypatch.setattr(c.bus, "publish", recording)

    first, last = "Zuleica" + _letters(5).capitalize(), "Albuquerqe" + _letters(5)
    email = f"{first.lower()}.{_letters(6)}@example.com"
    street, cep, phone, cpf = f"Rua Ipe {_letters(6).capitalize()}", "04567-123", "11 98765-4321", "529.982.247-25"
    profile = await api.register(email, first_name=first, last_name=last, cpf=cpf, phone=phone)
    uid = uuid.UUID(profile["id"])
    h = api.auth(await api.login(email))
    r = await client.post("/api/v1/users/addresses", headers=h, json={
        "recipient_name": f"{first} {last}", "address_line1": f"{street}, 77", "city": "São Paulo", "state": "SP",
        "postal_code": cep})  # fmt: skip
    assert r.status_code == 201, r.text
    for purpose in ("marketing", "analytics"):
        r = await client.post("/api/v1/users/consents", json={"purpose": purpose, "granted": True}, headers=h)
        assert r.status_code == 201, r.text
    r = await client.put("/api/v1/users/profile", json={"phone": "11 91234-5678", "first_name": first}, headers=h)
    assert r.status_code == 200, r.text
    assert (await client.post("/api/v1/auth/verify-email/request", headers=h)).status_code == 202
    assert (await client.post("/api/v1/auth/password/forgot", json={"email": email})).status_code == 202
    resets = [r for r in await _outbox(c) if r.type == "user.password_reset_requested"]
    (token,) = [r.envelope["data"]["token"] for r in resets if r.envelope.get("subject") == f"user/{uid}"]
    r = await client.post("/api/v1/auth/password/reset", json={"token": token, "new_password": PASSWORD + "2"})
    assert r.status_code == 204, r.text
    h = api.auth(await api.login(email, PASSWORD + "2"))

    admin = Principal(user_id=new_id(), tenant_id=DEFAULT_TENANT_ID, user_type="admin")
    sku = f"ECO-{_letters(6).upper()}"
    async with c.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        product = await products.create_product(
            uow, ProductCreate(sku=sku, name="Escova de Bambu", price=Decimal("19.90"),
                               carbon_footprint_kg=Decimal("0.2")), admin)  # fmt: skip
        wh = await inventory.create_warehouse(uow, f"CD{_letters(3).upper()}", "CD SP")
        await uow.commit()
    async with c.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        await inventory.adjust(uow, sku, wh.id, 50, reason="received", actor="t")
        await uow.commit()
    address = {"recipient": f"{first} {last}", "street": street, "number": "77", "city": "São Paulo", "state": "SP",
               "postal_code": cep, "phone": phone}  # fmt: skip
    orders = []
    for key, payment in (("card", {"method": "card", "source": CARD_OK}), ("pix", {"method": "pix"})):
        r = await client.post("/api/v1/cart/items", json={"sku": sku, "quantity": 1}, headers=h)
        assert r.status_code == 200, r.text
        body = {"shipping_address": address, "payment": payment, "notes": f"Tocar para {first}"}
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": f"{key}-{uid}"})
        assert r.status_code == 201, r.text
        orders.append(r.json()["id"])
    staff = bearer(token_for(c, DEFAULT_TENANT_ID, "admin"))
    url = f"/api/v1/admin/orders/{orders[0]}"
    for step in ({"status": "fulfilling"}, {"status": "shipped", "carrier": "Correios", "tracking_code": "BR1BR"},
                 {"status": "delivered"}):  # fmt: skip
        r = await client.post(f"{url}/status", json=step, headers=staff)
        assert r.status_code == 200, r.text
    r = await client.post(f"{url}/refund", json={"amount": "5.00", "reason": f"avaria; {first} {last} ligou"},
                          headers={**staff, "Idempotency-Key": f"refund-{uid}"})  # fmt: skip
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/products/{product.id}/reviews", headers=h, json={
        "rating": 5, "title": "Ótima", "body": "Recomendo!", "author_name": f"{first} {last[0]}."})  # fmt: skip
    assert r.status_code == 201, r.text

    types = {"user.registered", "user.updated", "user.consent_changed", "user.email_verification_requested",
             "user.password_reset_requested", "user.password_changed", "order.placed", "order.paid",
             "order.shipped", "order.delivered", "order.refunded", "payment.pending"}  # fmt: skip

    async def all_published() -> bool:
        rows = await _outbox(c)
        return types <= {r.type for r in rows} and all(r.published_at is not None for r in rows)

    await eventually(all_published, timeout=30)
    # the messages still reach the person: resolved at send time from the users context
    mail_root = c.settings.data_dir / "mail-outbox"

    def mailed() -> bool:
        mails = _mails(mail_root)
        return sum(1 for m in mails if email in m) >= 4 and any(first in m for m in mails if email in m)

    await eventually(mailed, timeout=30)

    needles = {email, first, last, "52998224725", cpf, street, cep, "04567123", phone, "11987654321",
               "11 91234-5678", "11912345678"}  # fmt: skip
    needles = {n.lower() for n in needles}
    outbox = [r.envelope for r in await _outbox(c)]
    assert {e["type"].removeprefix("ecovarejo.") for e in delivered} >= types
    assert _holding(outbox, needles) == [], "personal data in outbox rows"
    assert _holding(delivered, needles) == [], "personal data in delivered events"
    refunded = [e for e in outbox if e["type"].endswith("order.refunded")]
    assert refunded and all("reason" not in e["data"] for e in refunded)  # staff's free text stays in the history

    # each checkout's collection is audited (the privacy context consumes order.placed): names of data only
    placed = [e for e in outbox if e["type"].endswith("order.placed") and e["data"]["user_id"] == str(uid)]

    async def audited() -> list[Any]:
        async with c.db.system_session() as s:
            q = select(AuditEntry).where(AuditEntry.action == "collection.checkout", AuditEntry.subject_id == uid)
            rows = list((await s.scalars(q)).all())
        return rows if len(rows) == len(placed) else []

    entries = await eventually(audited, timeout=30)
    assert {e.details["order_id"] for e in entries} == {e["data"]["order_id"] for e in placed}
    assert all("shipping_address" in e.details["data_types"] and "LGPD art. 7 V" in e.purpose for e in entries)
    assert _holding([{"type": "audit", "data": e.details} for e in entries], needles) == []


async def test_a_buyer_unknown_to_the_users_context_is_reached_through_the_order(container: Container) -> None:
    """An ids-only order event about a buyer the users context does not know (history imported from another
    shop): the confirmation goes to the order's own (encrypted) snapshot of the contact."""
    from ecovarejo.orders.models import Order

    c = container
    email = f"importada.{_letters(8)}@example.com"
    order_id = new_id()
    async with c.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        uow.session.add(Order(id=order_id, order_number=f"EV-{order_id.hex[:8]}", user_id=new_id(), status="paid",
                              subtotal=Decimal("10"), total_amount=Decimal("10"), shipping_address={"state": "SP"},
                              shipping_state="SP", carbon_footprint=Decimal("0"), sustainability_score=0,
                              email=email, first_name="Importada"))  # fmt: skip
        await uow.flush()
        order = await uow.session.get(Order, order_id)
        assert order is not None
        data = {"order_id": str(order_id), "order_number": order.order_number, "user_id": str(order.user_id),
                "locale": "pt-BR", "status": "paid", "total": "10.00", "currency": "BRL",
                "carbon_footprint_kg": "0", "sustainability_score": 0, "items": []}  # fmt: skip
        uow.emit("order-events", "order.paid", data, subject=str(order_id))
        await uow.commit()
    mail_root = c.settings.data_dir / "mail-outbox"
    await eventually(lambda: any(email in m and "Importada" in m for m in _mails(mail_root)), timeout=30)


async def test_a_sign_in_event_carries_the_session_id_and_the_alert_still_shows_the_device(
    api: PrivacyApi, container: Container
) -> None:
    """``user.signed_in`` carries no IP address or user agent: the new-device alert looks them up from the
    users context's session row through the notifications context's ``SignInDevices`` port."""
    from ecovarejo.notifications.models import NotificationMessage

    c = container
    profile = await api.register()
    device = f"Navegador-Zeta/{_letters(6)}"
    await api.login(profile["email"], headers={"User-Agent": device})

    async def signed_in() -> list[dict[str, Any]]:
        rows = [r.envelope for r in await _outbox(c) if r.type == "user.signed_in" and r.published_at is not None]
        return [e for e in rows if e["data"]["user_id"] == profile["id"]]

    [event] = await eventually(signed_in, timeout=30)
    assert event["data"]["new_device"] is True and uuid.UUID(event["data"]["session_id"])
    text = json.dumps(event)
    assert device not in text and "ip" not in event["data"] and "user_agent" not in event["data"]

    async def alert() -> NotificationMessage | None:
        async with c.db.system_session() as s:
            q = select(NotificationMessage).where(
                NotificationMessage.user_id == uuid.UUID(profile["id"]),
                NotificationMessage.template == "security_alert",
            )
            return (await s.scalars(q)).first()

    message = await eventually(alert, timeout=30)
    assert device in message.body_text  # the alert still names the device


async def test_a_company_registration_attempt_names_the_request_by_id_and_the_admins_still_get_the_address(
    api: PrivacyApi, container: Container
) -> None:
    """Someone without an account tries to register a company whose CNPJ already has one: the users context
    keeps their address (``user_company_join_requests``, 30 days), the event carries the request's id only, and
    the administrators' mail still shows the address (resolved at send time through ``CompanyJoinRequests``).
    The retention job deletes the request after 30 days."""
    from datetime import timedelta

    from ecovarejo.core.db import utcnow
    from ecovarejo.notifications.models import NotificationMessage
    from ecovarejo.privacy.retention import run
    from ecovarejo.users.models import CompanyJoinRequest

    c = container
    company = {
        "cnpj": "12.ABC.345/01DE-35",
        "legal_name": "Verde Atacado Ltda",
        "state_registration": "110.042.490.114",
    }
    admin, _ = await api.user(f"admin.{_letters(6)}@verde.example", company=company)
    stranger = f"estranha.{_letters(8)}@example.com"
    r = await api.client.post(
        "/api/v1/auth/register",
        json={"email": stranger, "password": PASSWORD, "first_name": "Estranha", "last_name": "Pessoa",
              "accept_terms": True, "accept_privacy": True, "company": company},
    )  # fmt: skip
    assert r.status_code == 201 and r.json().get("company_id") is None

    async def attempted() -> list[dict[str, Any]]:
        rows = [r.envelope for r in await _outbox(c) if r.type == "user.company_registration_attempted"]
        return [e for e in rows if e["data"]["user_id"] == admin["id"]]

    [event] = await eventually(attempted, timeout=30)
    assert stranger not in json.dumps(event).lower() and "requester_email" not in event["data"]
    request_id = uuid.UUID(event["data"]["join_request_id"])

    async def alert() -> NotificationMessage | None:
        async with c.db.system_session() as s:
            q = select(NotificationMessage).where(
                NotificationMessage.user_id == uuid.UUID(admin["id"]), NotificationMessage.template == "security_alert"
            )
            return next((m for m in (await s.scalars(q)).all() if "Verde Atacado" in m.subject), None)

    message = await eventually(alert, timeout=30)  # (the admin's sign-in alert is another security_alert)
    assert stranger in message.body_text and message.to_address == admin["email"]  # the admins still learn who asked

    async with c.db.system_session() as s:
        request = await s.get(CompanyJoinRequest, request_id)
        assert request is not None and request.requester_email == stranger
        request.created_at = utcnow() - timedelta(days=31)
        await s.commit()
    counts = await run(c)
    assert counts["default"]["company_join_requests"] == 1
    async with c.db.system_session() as s:
        assert await s.get(CompanyJoinRequest, request_id) is None
