"""LGPD "done when": a customer with orders, addresses, a review, consents, loyalty points and notifications
asks for erasure; afterwards no table, stored event, mail file or log line holds their e-mail, name,
CPF, phone, street or CEP, nothing more is sent to them, their sessions are dead, and the audit chain
verifies. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import random
import string
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import Base, new_id
from ecovarejo.core.models import DEFAULT_TENANT_ID, InboxEntry, OutboxEvent
from ecovarejo.core.personal_data import ERASED_EVENT
from ecovarejo.inventory import service as inventory
from ecovarejo.notifications.runtime import runtime_of
from ecovarejo.privacy import public as privacy
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from tests.integration.privacy.conftest import PrivacyApi
from tests.integration.users.conftest import PASSWORD
from tests.support import bearer, eventually, token_for

CARD_OK = "tok_visa"  # the sandbox's published test token (card numbers are refused)


def _letters(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


async def _messages_of(api: PrivacyApi, user_id: uuid.UUID) -> int:
    async with api.container.db.system_session() as s:
        q = text("SELECT count(*) FROM notification_messages WHERE user_id = :u")
        return int(
            (
                await s.execute(q, {"u": user_id.hex if api.container.db.url.startswith("sqlite") else user_id})
            ).scalar_one()
        )


async def _behaviour_events(api: PrivacyApi) -> int:
    async with api.container.db.system_session() as s:
        return int((await s.execute(text("SELECT count(*) FROM analytics_behaviour"))).scalar_one())


def _mail_files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*.eml")} if root.is_dir() else {}


async def _dump_database(api: PrivacyApi) -> list[tuple[str, str, str]]:
    """Every (table, column, value as text) of the whole database, whatever the tenant."""
    out = []
    async with api.container.db.system_session() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                out += [(table.name, col, str(value)) for col, value in row.items() if value is not None]
    return out


async def test_erasure_leaves_no_personal_data_behind(api: PrivacyApi, capfd: pytest.CaptureFixture[str]) -> None:
    c, client = api.container, api.client
    first, last = "Zulmira" + _letters(5).capitalize(), "Quintanilha" + _letters(5)
    email = f"{first.lower()}.{_letters(6)}@example.com"
    street, cep, phone, cpf = (
        f"Rua Jacaranda {_letters(6).capitalize()}",
        "04567-123",
        "11 98765-4321",
        "529.982.247-25",
    )
    profile = await api.register(email, first_name=first, last_name=last, cpf=cpf, phone=phone)
    uid = uuid.UUID(profile["id"])
    tokens = await api.login(email)
    h = api.auth(tokens)
    r = await client.post("/api/v1/users/addresses", headers=h, json={
        "recipient_name": f"{first} {last}", "address_line1": f"{street}, 77", "city": "São Paulo", "state": "SP",
        "postal_code": cep})  # fmt: skip
    assert r.status_code == 201, r.text
    for purpose in ("marketing", "analytics"):
        r = await client.post("/api/v1/users/consents", json={"purpose": purpose, "granted": True}, headers=h)
        assert r.status_code == 201, r.text

    # a product in stock, two orders (one delivered: loyalty points and a verified review; one only paid)
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
               "postal_code": cep}  # fmt: skip
    staff = {**bearer(token_for(c, DEFAULT_TENANT_ID, "admin"))}
    orders = []
    for key in ("first", "second"):
        r = await client.post("/api/v1/cart/items", json={"sku": sku, "quantity": 1}, headers=h)
        assert r.status_code == 200, r.text
        body = {
            "shipping_address": address,
            "payment": {"method": "card", "source": CARD_OK},
            "notes": f"Tocar para {first}",
        }
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": f"{key}-{uid}"})
        assert r.status_code == 201, r.text
        orders.append(r.json()["id"])
    url = f"/api/v1/admin/orders/{orders[0]}/status"
    for step in ({"status": "fulfilling"}, {"status": "shipped", "carrier": "Correios", "tracking_code": "BR1BR"},
                 {"status": "delivered"}):  # fmt: skip
        r = await client.post(url, json=step, headers=staff)
        assert r.status_code == 200, r.text

    async def points() -> bool:
        r = await client.get("/api/v1/users/loyalty", headers=h)
        return r.status_code == 200 and r.json().get("balance", 0) > 0

    await eventually(points, timeout=20)
    r = await client.post(f"/api/v1/products/{product.id}/reviews", headers=h, json={
        "rating": 5, "title": "Ótima", "body": f"Recomendo! {first}", "author_name": f"{first} {last}"})  # fmt: skip
    assert r.status_code == 201, r.text
    await eventually(lambda: _messages_of(api, uid), timeout=20)
    mail_root = c.settings.data_dir / "mail-outbox"
    await eventually(lambda: any(email.encode() in b for b in _mail_files(mail_root).values()), timeout=20)

    needles = {email, first, last, "52998224725", cpf, street, cep, "04567123", phone, "11987654321"}
    needles = {n.lower() for n in needles}

    async def holding() -> set[str]:
        return {f"{t}.{col}" for t, col, value in await _dump_database(api) if any(n in value.lower() for n in needles)}

    assert await _behaviour_events(api) > 0  # their analytics events, under a pseudonym (they consented)
    before = await holding()  # the scan sees them where they were
    assert {
        "users.email",
        "user_addresses.address_line1",
        "orders.email",
        "orders.shipping_address",
        "reviews.author_name",
        "notification_messages.to_address",
        "idempotency_keys.response_body",
    } <= before, before
    assert "outbox.envelope" not in before  # events carry ids only (test_event_payloads.py)

    # their export (portability) holds every exported datum of the registry the scan found them in
    r = await client.post("/api/v1/privacy/requests", json={"kind": "portability", "password": PASSWORD}, headers=h)
    assert r.status_code == 201, r.text
    link = await client.post(f"/api/v1/privacy/requests/{r.json()['id']}/export-link", json={"password": PASSWORD},
                             headers=h)  # fmt: skip
    archive = await client.get(link.json()["url"], headers=h)
    assert archive.status_code == 200, archive.text
    doc = json.loads(zipfile.ZipFile(io.BytesIO(archive.content)).read("data.json"))
    exported = {f"{table}.{col}" for table, rows in doc["data"].items() for row in rows for col in row}
    reg = privacy.registry(c)
    listed = {f"{name}.{f.column}" for name, t in reg.tables() if t.subject or t.via for f in t.fields if f.export}
    assert before & listed and (before & listed) <= exported, sorted((before & listed) - exported)

    # the customer asks for erasure (password confirmed), the DPO answers and it is carried out
    r = await client.post("/api/v1/privacy/requests", json={"kind": "erasure", "password": PASSWORD}, headers=h)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    dpo = await api.dpo()
    queue = (await client.get("/api/v1/privacy/admin/requests", headers=dpo)).json()
    assert next(i for i in queue if i["id"] == rid)["days_left"] in (14, 15)
    r = await client.post(
        f"/api/v1/privacy/admin/requests/{rid}/answer", json={"answer": "Dados apagados."}, headers=dpo
    )
    assert r.status_code == 200, r.text

    # every context consumed user.erased
    async with c.db.system_session() as s:
        erased = await s.scalar(select(OutboxEvent.id).where(OutboxEvent.type == ERASED_EVENT))
    wanted = {k.name for k in c.consumers if ERASED_EVENT in k.types}
    assert {"orders.erase-declared", "products.erase-declared", "payments.erase-declared", "notifications.erasure",
            "analytics.erasure", "privacy.erase-declared"} <= wanted, wanted  # fmt: skip

    async def consumed() -> bool:
        async with c.db.system_session() as s:
            done = set((await s.scalars(select(InboxEntry.consumer).where(InboxEntry.event_id == erased))).all())
        return wanted <= done

    await eventually(consumed, timeout=20)
    # a dispatch pass that claimed one of their messages before the erasure committed finishes now: it
    # forgets the copy it wrote (tests/integration/notifications/test_dispatch.py)
    await runtime_of(c).dispatcher.idle()

    assert await _behaviour_events(api) == 0

    # sessions and tokens are dead
    assert (await client.get("/api/v1/users/profile", headers=h)).status_code == 401
    r = await client.post("/api/v1/auth/refresh-token", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401

    # shipping the other order sends nothing to them
    mails_before = _mail_files(mail_root)
    url = f"/api/v1/admin/orders/{orders[1]}/status"
    for step in ({"status": "fulfilling"}, {"status": "shipped", "carrier": "Correios", "tracking_code": "BR2BR"}):
        r = await client.post(url, json=step, headers=staff)
        assert r.status_code == 200, r.text
    async with c.db.system_session() as s:
        shipped = await s.scalar(select(OutboxEvent.id).where(OutboxEvent.type == "order.shipped").order_by(
            OutboxEvent.created_at.desc()).limit(1))  # fmt: skip

    async def handled() -> bool:
        async with c.db.system_session() as s:
            q = select(InboxEntry).where(InboxEntry.event_id == shipped, InboxEntry.consumer == "notifications.orders")
            return await s.scalar(q) is not None

    await eventually(handled, timeout=20)
    await runtime_of(c).dispatcher.idle()
    assert await _messages_of(api, uid) == 0
    new_mail = {p: body.split(b"\n\n", 1)[0] for p, body in _mail_files(mail_root).items() if p not in mails_before}
    assert new_mail == {}, new_mail

    # nothing of theirs is left: database (outbox and dead letters included), mail files, logs
    found: list[Any] = sorted(await holding())
    found += [str(p) for p, body in _mail_files(mail_root).items() if any(n.encode() in body.lower() for n in needles)]
    logs = capfd.readouterr()
    found += [
        f"log: {line[:200]}" for line in (logs.out + logs.err).splitlines() if any(n in line.lower() for n in needles)
    ]
    assert found == [], "personal data left after erasure"

    # what the law keeps is still there, de-linked: the orders' amounts, the consent ledger
    r = await client.get(f"/api/v1/admin/orders/{orders[0]}", headers=staff)
    assert r.status_code == 200 and Decimal(r.json()["total_amount"]) > 0
    assert (await client.get("/api/v1/privacy/audit/verify", headers=dpo)).json()["ok"] is True
    audit = (await client.get("/api/v1/privacy/audit", params={"subject_id": str(uid)}, headers=dpo)).json()
    assert "erasure" in {e["action"] for e in audit}
