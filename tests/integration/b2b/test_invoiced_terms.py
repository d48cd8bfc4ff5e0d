"""Invoiced payment terms (faturado): staff approve a company's terms and credit limit; its buyer checks
out on terms with a PO number (the order confirmed, the invoice split into boletos); over the limit or
with an instalment overdue the order is refused with nothing written; a paid boleto frees credit; the
overdue job tells the company once. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ecovarejo.b2b.credit import local_today
from ecovarejo.b2b.credit_jobs import notify_overdue
from ecovarejo.core.db import utcnow
from ecovarejo.notifications.models import NotificationMessage
from ecovarejo.payments.instant import sign_notification
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import install_providers
from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import bearer, eventually

PASSWORD = "correct horse battery staple 42"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
SECRET = "psp-secret"


async def _login(client, shop, email: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=shop.h)
    assert r.status_code == 200, r.text
    return {**shop.h, **bearer(r.json()["access_token"])}


def _on_terms(qty: int, **kw) -> dict:
    return checkout_body(items=[{"sku": "TEE", "quantity": qty}], payment={"method": "invoice"}, **kw)


async def test_order_on_invoiced_terms(container, client) -> None:
    install_providers(container, PaymentsSettings(psp_webhook_secret=SECRET, master_key_file=None))
    shop = await open_shop(container)
    shop.catalog.put("TEE", "150.00")
    await shop.stock("TEE", 20)
    r = await client.post(
        "/api/v1/auth/register",
        json={"email": "admin@verde.example", "password": PASSWORD, "first_name": "A", "last_name": "D",
              "accept_terms": True, "accept_privacy": True, "company": COMPANY},
        headers=shop.h,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    admin = await _login(client, shop, "admin@verde.example")
    member = {"email": "buyer@verde.example", "first_name": "B", "last_name": "X", "password": PASSWORD}
    assert (await client.post("/api/v1/users/company/buyers", headers=admin, json=member)).status_code == 201
    buyer = await _login(client, shop, "buyer@verde.example")

    # not approved yet: refused before anything is reserved; a consumer can never buy on terms
    r = await client.post("/api/v1/orders", json=_on_terms(1), headers={**buyer, "Idempotency-Key": "t-0"})
    assert r.status_code == 403 and r.json()["code"] == "terms_not_approved", r.text
    _, consumer = shop.customer()
    r = await client.post("/api/v1/orders", json=_on_terms(1), headers={**consumer, "Idempotency-Key": "t-c"})
    assert r.status_code == 403 and r.json()["code"] == "terms_not_approved", r.text
    assert (await client.get("/api/v1/b2b/credit", headers=buyer)).json() == {"approved": False}

    # staff approve 30/60/90 up to R$ 700; bad terms, limits and CNPJs are refused; buyers cannot approve
    url = "/api/v1/admin/b2b/credit-accounts"
    terms = {"cnpj": COMPANY["cnpj"], "terms": "30/60/90", "credit_limit": "700.00"}
    assert (await client.put(url, json=terms, headers=buyer)).status_code == 403
    r = await client.put(url, json={**terms, "terms": "45"}, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_terms"
    r = await client.put(url, json={**terms, "credit_limit": "1.001"}, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_credit_limit"
    r = await client.put(url, json={**terms, "cnpj": "11.222.333/0001-81"}, headers=shop.admin)
    assert r.status_code == 404 and r.json()["code"] == "company_not_found"
    r = await client.put(url, json=terms, headers=shop.admin)
    assert r.status_code == 200 and r.json()["open_balance"] == "0.00", r.text

    # an order on terms with a PO: confirmed (paid for fulfilment and the NF-e), three boletos
    r = await client.post("/api/v1/orders", json=_on_terms(2, po_number="PO-77/2026"),
                          headers={**buyer, "Idempotency-Key": "t-1"})  # fmt: skip
    assert r.status_code == 201, r.text
    order = r.json()
    total = Decimal(order["total_amount"])
    assert order["status"] == "paid" and order["po_number"] == "PO-77/2026"
    invoice = order["invoice"]
    assert (invoice["terms"], invoice["po_number"], Decimal(invoice["total"])) == ("30/60/90", "PO-77/2026", total)
    parts = invoice["instalments"]
    today = local_today(utcnow())
    assert [p["due_on"] for p in parts] == [(today + timedelta(days=d)).isoformat() for d in (30, 60, 90)]
    assert sum(Decimal(p["amount"]) for p in parts) == total and all(p["status"] == "open" for p in parts)
    assert await shop.available("TEE") == 18
    shown = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()
    assert shown["invoice"]["id"] == invoice["id"] and shown["payments"] == []
    credit = (await client.get("/api/v1/b2b/credit", headers=admin)).json()
    assert (Decimal(credit["open_balance"]), Decimal(credit["available"])) == (total, Decimal("700.00") - total)

    # over the limit: 422 problem with the figures, nothing reserved, no order, no invoice
    r = await client.post("/api/v1/orders", json=_on_terms(3), headers={**buyer, "Idempotency-Key": "t-2"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "credit_limit_exceeded" and Decimal(r.json()["open_balance"]) == total
    assert await shop.available("TEE") == 18
    assert len((await client.get("/api/v1/orders", headers=buyer)).json()["items"]) == 1
    assert len((await client.get("/api/v1/b2b/invoices", headers=admin)).json()["items"]) == 1

    # the boleto of the first instalment is paid: the open balance shrinks by it (the order stays as it is)
    body = json.dumps({"id": "bank-1", "barcode": parts[0]["boleto_line"], "amount": parts[0]["amount"],
                       "paid_at": today.isoformat()}).encode()  # fmt: skip
    r = await client.post("/api/v1/payments/webhooks/boleto", content=body,
                          headers={**shop.h, "x-ecovarejo-signature": sign_notification(body, SECRET)})  # fmt: skip
    assert r.status_code == 200 and r.json()["outcome"] == "processed", r.text

    async def first_paid() -> bool:
        items = (await client.get("/api/v1/b2b/invoices", headers=buyer)).json()["items"]
        return items[0]["instalments"][0]["status"] == "paid"

    await eventually(first_paid)
    credit = (await client.get("/api/v1/b2b/credit", headers=admin)).json()
    assert Decimal(credit["open_balance"]) == total - Decimal(parts[0]["amount"])
    pdf = await client.get(f"/api/v1/b2b/instalments/{parts[1]['id']}/boleto.pdf", headers=buyer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = await client.get(f"/api/v1/b2b/instalments/{parts[1]['id']}/boleto.pdf", headers=consumer)
    assert other.status_code in (403, 404)

    # 61 days on, the second instalment is overdue: new orders on terms are blocked; the job tells once
    later = utcnow() + timedelta(days=61)
    container.clock = lambda: later
    r = await client.post("/api/v1/orders", json=_on_terms(1), headers={**buyer, "Idempotency-Key": "t-3"})
    assert r.status_code == 403 and r.json()["code"] == "invoice_overdue", r.text
    assert await shop.available("TEE") == 18
    assert await notify_overdue(container) == 1
    assert await notify_overdue(container) == 0
    async with container.uow(shop.tenant_id, read_only=True) as uow:
        told = (await uow.session.scalars(
            select(NotificationMessage).where(NotificationMessage.template == "invoice_overdue")
        )).all()  # fmt: skip
    assert len(told) == 2  # the administrator and the buyer who placed the order
    accounts = (await client.get(url, headers=shop.admin)).json()["items"]
    assert [(a["legal_name"], Decimal(a["overdue"])) for a in accounts] == [
        ("Verde Atacado Ltda", Decimal(parts[1]["amount"]))
    ]
    assert date.fromisoformat(parts[1]["due_on"]) < local_today(later)
