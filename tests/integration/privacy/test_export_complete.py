"""Portability (LGPD art. 18 V) is complete: ONE customer with rows in EVERY table the personal-data registry ties
to a person (the list is derived from the registry, so a table added to it without data here fails this test)
downloads their archive; it holds each of those tables, each row with every column the registry marks exported,
with the values the database really holds (encrypted columns decrypted), and every exported column carries a
value in at least one row. Then their erasure applies the b2b context's declaration. SQLite and PostgreSQL.

Most rows come from the customer's journey through the API (sign-up, address, consents, orders paid by card,
shipped and delivered, a review, loyalty points, notifications, a privacy request); rows that only a staff tool,
a background job or a B2B company setup would produce (NF-e corrections, a push subscription, the inactivity
notice, the company's quotes and invoices...) are written through the owning context's models."""

from __future__ import annotations

import base64
import io
import json
import random
import string
import uuid
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, update

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import Base, new_id
from ecovarejo.core.models import DEFAULT_TENANT_ID, OutboxEvent
from ecovarejo.core.personal_data import PersonalTable, plain, pseudonym
from ecovarejo.inventory import service as inventory
from ecovarejo.privacy import public as privacy
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from tests.integration.privacy.conftest import PrivacyApi
from tests.integration.users.conftest import PASSWORD
from tests.support import bearer, eventually, token_for

CARD_OK = "tok_visa"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # a PDF's binary marker line: not text


def _letters(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


def _where(table: Table, pt: PersonalTable, uid: uuid.UUID, secret: str) -> Any:
    """The person's rows of ``pt``, written here independently of the export's own walker."""
    if pt.via is not None:
        column, parent_name, parent_subject = pt.via
        parent = Base.metadata.tables[parent_name]
        return table.c[column].in_(select(parent.c.id).where(parent.c[parent_subject] == uid))
    assert pt.subject is not None
    if pt.pseudonymous is not None:  # keyed by a pseudonym of the id (behaviour events)
        return table.c[pt.subject] == pseudonym(secret, pt.pseudonymous, str(uid))
    return table.c[pt.subject] == (pt.subject_format.format(id=uid) if pt.subject_format else uid)


def _json(value: Any) -> Any:
    return json.loads(json.dumps(plain(value), ensure_ascii=False, default=str))


async def _rows_other_tools_write(
    api: PrivacyApi, uid: uuid.UUID, order_id: uuid.UUID, *, first: str, email: str, street: str, cep: str
) -> None:
    """The rows a staff tool, a job or a company's setup writes, through the owning contexts' models."""
    from ecovarejo.b2b.credit_models import Invoice
    from ecovarejo.b2b.models import ApprovalRequest, Member
    from ecovarejo.b2b.quote_models import Quote, QuoteMessage
    from ecovarejo.fiscal.models import Nfe
    from ecovarejo.logistics.models import Shipment
    from ecovarejo.ml.models import FraudAssessment
    from ecovarejo.notifications import service as notifications
    from ecovarejo.notifications.models import Recipient
    from ecovarejo.orders.models import Coupon, CouponRedemption, Order
    from ecovarejo.privacy.models import InactivityNotice
    from ecovarejo.users.models import EmailChange

    now = datetime.now(UTC)
    company, quote_id, coupon_id = new_id(), new_id(), new_id()
    async with api.container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        await notifications.subscribe_push(
            uow, uid, endpoint=f"https://push.example.com/{_letters(12)}", p256dh="B" * 87, auth="a" * 22
        )
        uow.session.add_all([
            Coupon(id=coupon_id, code=f"VERDE{_letters(4).upper()}", kind="fixed", value=Decimal("2.00")),
            Member(company_id=company, user_id=uid, role="buyer", spending_limit=Decimal("500.00")),
            ApprovalRequest(company_id=company, requester_id=uid, lines={"ECO-1": 3}, amount=Decimal("59.70"),
                            status="rejected", note="Para o escritório", decided_by=new_id(), decided_at=now,
                            decision_note="Acima do orçamento"),
            Quote(id=quote_id, number=f"COT-{_letters(6).upper()}", company_id=company, requester_id=uid,
                  status="accepted", valid_until=now, accepted_at=now, accepted_by=uid, order_id=order_id),
            Invoice(company_id=company, order_id=order_id, order_number="EV-1", buyer_id=uid, po_number="PO-77",
                    terms="30d", total=Decimal("39.80"), issued_on=now.date()),
            Shipment(order_id=order_id, order_number="EV-1", user_id=uid, carrier="correios", service="pac",
                     service_name="PAC", tracking_code="BR9BR", tracking_url="https://rastreio.example.com/BR9BR",
                     origin_cep="01001000", destination_cep=cep.replace("-", ""), email=email, first_name=first,
                     recipient={"name": first, "street": street, "postal_code": cep}),
            InactivityNotice(user_id=uid, notified_at=now),
        ])  # fmt: skip
        await uow.flush()
        uow.session.add_all([
            QuoteMessage(quote_id=quote_id, revision=1, author_kind="buyer", author_id=uid, action="comment",
                         body="Podem entregar na segunda?"),
            CouponRedemption(coupon_id=coupon_id, user_id=uid, order_id=order_id, amount=Decimal("2.00")),
        ])  # fmt: skip
        # what later steps fill in: the NF-e's documents and its correction (CC-e) and cancellation, the fraud
        # score's hashes, the tracking link, the confirmed e-mail change, a directory entry of an old envelope
        xml = b"<nfeProc>Rua Aroeira</nfeProc>"
        await uow.session.execute(update(Nfe).where(Nfe.user_id == uid).values(
            xml=xml, danfe=PDF, cancel_xml=b"<procEventoNFe>110111</procEventoNFe>",
            cce_xml=b"<procEventoNFe>110110</procEventoNFe>", cce_pdf=b"%PDF-cce", cce_text="Corrigir o complemento",
            po_number="PO-77"))  # fmt: skip
        await uow.session.execute(update(FraudAssessment).where(FraudAssessment.user_id == uid).values(
            card_hash="c" * 32, ip_hash="i" * 32, reasons=["new_card"]))  # fmt: skip
        await uow.session.execute(update(Order).where(Order.id == order_id).values(
            tracking_url="https://rastreio.example.com/BR1BR"))  # fmt: skip
        await uow.session.execute(update(EmailChange).where(EmailChange.user_id == uid).values(confirmed_at=now))
        await uow.session.execute(update(Recipient).where(Recipient.user_id == uid).values(
            email=email, first_name=first, phone="11987654321"))  # fmt: skip
        await uow.commit()


async def test_the_archive_holds_every_exported_column_of_every_personal_table(api: PrivacyApi) -> None:
    c, client = api.container, api.client
    first, last = "Zenaide" + _letters(5).capitalize(), "Bittencourt" + _letters(5)
    email = f"{first.lower()}.{_letters(6)}@example.com"
    street, cep, phone, cpf = f"Rua Aroeira {_letters(6).capitalize()}", "04567-123", "11 98765-4321", "529.982.247-25"
    profile = await api.register(email, first_name=first, last_name=last, cpf=cpf, phone=phone)
    uid = uuid.UUID(profile["id"])
    h = api.auth(await api.login(email))
    r = await client.post("/api/v1/users/addresses", headers=h, json={
        "label": "Casa", "recipient_name": f"{first} {last}", "address_line1": f"{street}, 77",
        "address_line2": "apto 3", "city": "São Paulo", "state": "SP", "postal_code": cep})  # fmt: skip
    assert r.status_code == 201, r.text
    for purpose in ("marketing", "analytics"):
        r = await client.post("/api/v1/users/consents", json={"purpose": purpose, "granted": True}, headers=h)
        assert r.status_code == 201, r.text

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
    staff = bearer(token_for(c, DEFAULT_TENANT_ID, "admin"))
    # signed in, with analytics consent: a search and a recommendation followed (behaviour events)
    r = await client.get("/api/v1/products", params={"q": "bambu"}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.get(f"/api/v1/products/{product.id}", params={"rec": "similar"}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/cart/items", json={"sku": sku, "quantity": 2}, headers=h)
    assert r.status_code == 200, r.text
    body = {"shipping_address": address, "billing_address": address, "payment": {"method": "card", "source": CARD_OK},
            "notes": f"Tocar para {first}"}  # fmt: skip
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": f"export-{uid}"})
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    url = f"/api/v1/admin/orders/{order_id}"
    for step in ({"status": "fulfilling"}, {"status": "shipped", "carrier": "Correios", "tracking_code": "BR1BR"},
                 {"status": "delivered"}):  # fmt: skip
        r = await client.post(f"{url}/status", json=step, headers=staff)
        assert r.status_code == 200, r.text
    r = await client.post(f"{url}/refund", json={"amount": "5.00", "reason": "avaria"},
                          headers={**staff, "Idempotency-Key": f"refund-{uid}"})  # fmt: skip
    assert r.status_code == 200, r.text

    async def points() -> bool:
        r = await client.get("/api/v1/users/loyalty", headers=h)
        return r.status_code == 200 and r.json().get("balance", 0) > 0

    await eventually(points, timeout=20)
    r = await client.post(f"/api/v1/products/{product.id}/reviews", headers=h, json={
        "rating": 5, "title": "Ótima", "body": "Recomendo!", "author_name": f"{first} {last[0]}."})  # fmt: skip
    assert r.status_code == 201, r.text
    r = await client.put("/api/v1/notifications/preferences", json={"channels": {"sms": False}}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/notifications/stock-subscriptions", headers=h, json={
        "product_id": str(product.id), "sku": sku, "product_name": "Escova de Bambu"})  # fmt: skip
    assert r.status_code == 201, r.text
    new_email = f"novo.{_letters(6)}@example.com"
    r = await client.post("/api/v1/users/email-change", json={"new_email": new_email, "password": PASSWORD}, headers=h)
    assert r.status_code == 202, r.text
    await _rows_other_tools_write(api, uid, uuid.UUID(order_id), first=first, email=email, street=street, cep=cep)
    r = await client.post("/api/v1/privacy/requests", headers=h, json={
        "kind": "correction", "details": {"field": "last_name", "value": last}})  # fmt: skip
    assert r.status_code == 201, r.text
    dpo, correction = await api.dpo(), f"/api/v1/privacy/admin/requests/{r.json()['id']}"
    r = await client.post(f"{correction}/verify-identity", json={"method": "document"}, headers=dpo)
    assert r.status_code == 200, r.text
    r = await client.post(f"{correction}/answer", json={"answer": "Sobrenome conferido."}, headers=dpo)
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/privacy/requests", json={"kind": "portability", "password": PASSWORD}, headers=h)
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]

    reg = privacy.registry(c)
    personal = {t.table: t for _, t in reg.tables() if (t.subject or t.via) and any(f.export for f in t.fields)}

    async def db_rows() -> dict[str, list[dict[str, Any]]]:
        out = {}
        async with c.db.system_session() as s:
            for name, pt in personal.items():
                table = Base.metadata.tables[name]
                where = _where(table, pt, uid, c.settings.load_secret_key())
                rows = (await s.execute(select(table).where(where))).mappings().all()
                out[name] = [dict(row) for row in rows]
        return out

    previous: list[dict[str, list[dict[str, Any]]]] = []

    async def settled() -> dict[str, list[dict[str, Any]]] | None:
        """The rows once every event is published and the consumers' writes (mails sent, loyalty, analytics)
        have stopped changing them between two polls."""
        async with c.db.system_session() as s:
            pending = await s.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            )
        rows = await db_rows()
        ready = not pending and all(
            rows[t] for t in ("notification_messages", "analytics_orders", "loyalty_ledger", "analytics_behaviour")
        )
        stable = ready and previous and previous[-1] == rows
        previous.append(rows)
        return rows if stable else None

    held = await eventually(settled, timeout=30, interval=0.3)

    # what the person has, by table: none may be empty, every exported column has a value somewhere
    missing = sorted(name for name, rows in held.items() if not rows)
    assert missing == [], f"the test's customer has no row in {missing}: give them one"
    unset = sorted(
        f"{name}.{f.column}"
        for name, pt in personal.items()
        for f in pt.fields
        if f.export and all(row[f.column] in (None, "", {}, []) for row in held[name])
    )
    assert unset == [], f"no value for {unset}: give the customer one"

    link = await client.post(f"/api/v1/privacy/requests/{request_id}/export-link", json={"password": PASSWORD},
                             headers=h)  # fmt: skip
    assert link.status_code == 201, link.text
    archive = await client.get(link.json()["url"], headers=h)
    assert archive.status_code == 200, archive.text
    z = zipfile.ZipFile(io.BytesIO(archive.content))
    doc = json.loads(z.read("data.json"))["data"]

    assert sorted(set(personal) - set(doc)) == []
    for name, pt in personal.items():
        exported = [f.column for f in pt.fields if f.export]
        got = doc[name]
        assert len(got) == len(held[name]), name
        by_id = {row["id"]: row for row in got} if got and "id" in got[0] else None
        for row in held[name]:
            want = {col: _json(row[col]) for col in exported}
            if by_id is not None:
                have = by_id[str(row["id"])]
                assert {col: have.get(col, "<missing>") for col in exported} == want, name
            else:
                assert any({col: r.get(col, "<missing>") for col in exported} == want for r in got), name
        assert f"{name}.csv" in z.namelist()

    # and the values are the customer's own, as typed
    user = doc["users"][0]
    assert (user["email"], user["first_name"], user["last_name"], user["cpf"]) == (email, first, last, "52998224725")
    assert doc["user_addresses"][0]["address_line1"] == f"{street}, 77"
    assert doc["orders"][0]["email"] == email and street in json.dumps(doc["orders"][0]["shipping_address"])
    assert doc["reviews"][0]["author_name"] == f"{first} {last[0]}."
    assert any(m["to_address"] == email for m in doc["notification_messages"])
    # stored documents: the NF-e's XML as text, its DANFE (a PDF) in base64
    note = doc["fiscal_nfe"][0]
    assert note["xml"] == "<nfeProc>Rua Aroeira</nfeProc>" and base64.b64decode(note["danfe"]) == PDF

    # erasure applies the b2b context's declaration: membership gone, typed text emptied, the company's records kept
    r = await client.post("/api/v1/privacy/requests", json={"kind": "erasure", "password": PASSWORD}, headers=h)
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/privacy/admin/requests/{r.json()['id']}/answer", json={"answer": "Feito."},
                          headers=dpo)  # fmt: skip
    assert r.status_code == 200, r.text

    async def b2b_erased() -> bool:
        rows = await db_rows()
        return not rows["b2b_members"] and all(m["body"] is None for m in rows["b2b_quote_messages"])

    await eventually(b2b_erased, timeout=30)
    rows = await db_rows()
    assert [a["note"] for a in rows["b2b_approvals"]] == [None] and rows["b2b_approvals"][0]["decision_note"] is None
    assert rows["b2b_quotes"][0]["status"] == "accepted" and rows["b2b_invoices"][0]["po_number"] == "PO-77"
