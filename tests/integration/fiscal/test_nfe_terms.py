"""An order on invoiced terms (faturado) and its NF-e: the note lists the invoice's instalments (``cobr``
with ``fat`` and ``dup``, payment ``indPag`` 1 a prazo, boletos ``15``), read from the b2b context through
the orders context's ``InvoiceSource`` port; refunds and cancellations of the order adjust the invoice
(instalments reduced or cancelled, the open balance with them). SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

from defusedxml import ElementTree
from sqlalchemy import select

from ecovarejo.b2b.credit_models import Instalment, Invoice
from ecovarejo.fiscal import nfe, nfe_xsd
from ecovarejo.fiscal.nfe_xml import NS
from ecovarejo.payments.instant import sign_notification
from ecovarejo.payments.models import Payment
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import install_providers
from tests.support import eventually

from .nfe_shop import COMPANY, open_nfe_shop

CREDIT = "/api/v1/admin/b2b/credit-accounts"
SECRET = "psp-secret"


async def _company_on_terms(s, client, terms: str = "30/60/90") -> dict[str, str]:
    buyer = await s.register(client, "compras@verde.example", company=COMPANY)
    r = await client.put(CREDIT, json={"cnpj": COMPANY["cnpj"], "terms": terms, "credit_limit": "5000.00"},
                         headers=s.shop.admin)  # fmt: skip
    assert r.status_code == 200, r.text
    return buyer


async def test_note_of_an_order_on_terms_lists_its_instalments(container, client, focus) -> None:
    s = await _shop(container, client, focus)
    buyer = await _company_on_terms(s, client)
    order = await s.buy(client, buyer, "terms-1", payment={"method": "invoice"}, po_number="PO-9/2026")
    parts = order["invoice"]["instalments"]
    assert len(parts) == 3
    await s.note_in(order["id"], "authorized")
    sent = s.sent(order["id"])
    assert sent["formas_pagamento"] == [
        {"indicador_pagamento": 1, "forma_pagamento": "15", "valor_pagamento": order["total_amount"]}
    ]
    assert (sent["numero_fatura"], sent["valor_original_fatura"], sent["valor_liquido_fatura"]) == (
        order["order_number"], order["total_amount"], order["total_amount"])  # fmt: skip
    assert sent["duplicatas"] == [
        {"numero": f"{n:03d}", "data_vencimento": p["due_on"], "valor": p["amount"]} for n, p in enumerate(parts, 1)
    ]
    body = (await client.get(f"/api/v1/orders/{order['id']}/nfe", headers=buyer)).json()
    xml = (await client.get(body["xml_url"], headers=buyer)).content
    # the official 4.00 XSD, where lxml and nfelib are installed (else the structural check only)
    assert nfe_xsd.schema_errors(xml) == ([] if nfe_xsd.available() else None)
    root = ElementTree.fromstring(xml)
    fat = root.find(f".//{NS}cobr/{NS}fat")
    assert fat is not None and fat.findtext(f"{NS}vLiq") == order["total_amount"]
    dups = [(d.findtext(f"{NS}nDup"), d.findtext(f"{NS}dVenc"), d.findtext(f"{NS}vDup"))
            for d in root.iter(f"{NS}dup")]  # fmt: skip
    assert dups == [(f"{n:03d}", p["due_on"], p["amount"]) for n, p in enumerate(parts, 1)]
    assert all(date.fromisoformat(d[1]) > date.fromisoformat(order["created_at"][:10]) for d in dups)
    assert root.findtext(f".//{NS}pag/{NS}detPag/{NS}indPag") == "1"
    assert root.findtext(f".//{NS}pag/{NS}detPag/{NS}tPag") == "15"

    # a consumer's order paid online stays at sight, without cobr
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    other = await s.buy(client, ana, "terms-c")
    await s.note_in(other["id"], "authorized")
    sent = s.sent(other["id"])
    assert sent["formas_pagamento"][0]["indicador_pagamento"] == 0 and "duplicatas" not in sent
    assert Decimal(sent["valor_total"]) == Decimal(other["total_amount"])


async def _shop(container, client, focus):
    install_providers(container, PaymentsSettings(psp_webhook_secret=SECRET, master_key_file=None))
    return await open_nfe_shop(container, client, focus)


async def _pay_boleto(s, client, part: dict) -> None:
    body = json.dumps({"id": f"bank-{part['id']}", "barcode": part["boleto_line"], "amount": part["amount"],
                       "paid_at": date.today().isoformat()}).encode()  # fmt: skip
    r = await client.post("/api/v1/payments/webhooks/boleto", content=body,
                          headers={**s.h, "x-ecovarejo-signature": sign_notification(body, SECRET)})  # fmt: skip
    assert r.status_code == 200 and r.json()["outcome"] == "processed", r.text


async def _invoice(client, headers, order_id: str) -> dict:
    return (await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()["invoice"]


async def _boletos(s, order_id: str) -> list[tuple[str, str]]:
    """(instalment status, its boleto payment's status) of every instalment line of the order's invoice."""
    q = (
        select(Instalment.status, Payment.status)
        .join(Invoice, Invoice.id == Instalment.invoice_id)
        .join(Payment, Payment.id == Instalment.payment_id)
        .where(Invoice.order_id == uuid.UUID(order_id))
    )
    async with s.shop.container.uow(s.shop.tenant_id, read_only=True) as uow:
        return sorted((str(a), str(b)) for a, b in (await uow.session.execute(q)).all())


async def test_refunds_and_cancellation_adjust_the_invoice(container, client, focus) -> None:
    s = await _shop(container, client, focus)
    buyer = await _company_on_terms(s, client)
    order = await s.buy(client, buyer, "adj-1", payment={"method": "invoice"})
    oid, total = order["id"], Decimal(order["total_amount"])
    parts = order["invoice"]["instalments"]
    await s.note_in(oid, "authorized")

    # the first boleto is paid; then staff refund R$ 100,00 (goods returned): it comes off the open
    # instalments, the last due first — a part brought to zero is cancelled, a part reduced gets a new boleto
    await _pay_boleto(s, client, parts[0])

    async def first_paid() -> bool:
        return (await _invoice(client, buyer, oid))["instalments"][0]["status"] == "paid"

    await eventually(first_paid)
    refund = f"/api/v1/admin/orders/{oid}/refund"
    r = await client.post(refund, json={"amount": "100.00", "reason": "devolução parcial"},
                          headers={**s.shop.admin, "Idempotency-Key": "adj-r1"})  # fmt: skip
    assert r.status_code == 200, r.text
    # (a paid order keeps its status on a partial refund, as with a card: the history records it)
    assert (r.json()["status"], Decimal(r.json()["refunded_amount"])) == ("paid", Decimal("100.00"))
    inv = await _invoice(client, buyer, oid)
    live = [p for p in inv["instalments"] if p["status"] != "cancelled"]
    assert sum(Decimal(p["amount"]) for p in live) == total - Decimal("100.00")
    expected, left = {}, Decimal("100.00")  # the last due first
    for p in reversed(parts[1:]):
        take = min(left, Decimal(p["amount"]))
        expected[p["number"]], left = Decimal(p["amount"]) - take, left - take
    assert left == 0 and expected[3] < Decimal(parts[2]["amount"])
    assert {p["number"]: Decimal(p["amount"]) for p in live if p["status"] == "open"} == {
        n: a for n, a in expected.items() if a > 0}  # fmt: skip
    for p in live:  # a reduced instalment keeps its due date with a new boleto; the old one is a cancelled line
        if p["status"] == "open" and Decimal(p["amount"]) < Decimal(parts[p["number"] - 1]["amount"]):
            assert p["boleto_line"] != parts[p["number"] - 1]["boleto_line"]
            assert p["due_on"] == parts[p["number"] - 1]["due_on"]
    cancelled = [p for p in inv["instalments"] if p["status"] == "cancelled"]
    assert sum(Decimal(p["amount"]) for p in cancelled) - sum(
        expected[p["number"]] for p in cancelled if expected[p["number"]] > 0) == Decimal("100.00")  # fmt: skip
    credit = (await client.get("/api/v1/b2b/credit", headers=buyer)).json()
    assert Decimal(credit["open_balance"]) == total - Decimal("100.00") - Decimal(parts[0]["amount"])
    boletos = await _boletos(s, oid)
    assert {b for a, b in boletos if a == "cancelled"} == {"voided"} and ("paid", "captured") in boletos
    assert {b for a, b in boletos if a == "open"} == {"pending"}
    assert (await s.note(oid)).status == "authorized"  # a partial refund leaves the NF-e

    # the rest refunded: every open instalment cancelled, the paid one is owed back; the NF-e is cancelled
    r = await client.post(refund, json={"reason": "devolução total"},
                          headers={**s.shop.admin, "Idempotency-Key": "adj-r2"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "refunded", r.text
    assert Decimal(r.json()["refunded_amount"]) == total
    inv = await _invoice(client, buyer, oid)
    assert inv["status"] == "paid"  # nothing left to pay: settled by the paid instalment and the refund
    assert {p["status"] for p in inv["instalments"]} == {"paid", "cancelled"}
    notes = [h["reason"] or "" for h in r.json()["history"]]
    assert any(f"{Decimal(parts[0]['amount'])} already paid, to return" in n for n in notes), notes
    credit = (await client.get("/api/v1/b2b/credit", headers=buyer)).json()
    assert Decimal(credit["open_balance"]) == 0
    await s.note_in(oid, "cancelled")
    r = await client.post(refund, json={"reason": "de novo"}, headers={**s.shop.admin, "Idempotency-Key": "adj-r3"})
    assert r.status_code == 409 and r.json()["code"] == "not_refundable"

    # another order on terms, cancelled by the buyer before shipping: its invoice and boletos are cancelled
    other = await s.buy(client, buyer, "adj-2", payment={"method": "invoice"})
    await s.note_in(other["id"], "authorized")
    r = await client.post(f"/api/v1/orders/{other['id']}/cancel", json={"reason": "engano"}, headers=buyer)
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    inv = await _invoice(client, buyer, other["id"])
    assert inv["status"] == "cancelled" and {p["status"] for p in inv["instalments"]} == {"cancelled"}
    assert await _boletos(s, other["id"]) == [("cancelled", "voided")] * 3
    credit = (await client.get("/api/v1/b2b/credit", headers=buyer)).json()
    assert Decimal(credit["open_balance"]) == 0
    cancelled = await s.note_in(other["id"], "cancelled")
    assert cancelled.cancel_reason.endswith("engano")  # the buyer's reason, not the invoice's bookkeeping


async def test_a_note_whose_xml_fails_the_official_schema_is_kept_and_flagged(container, client, focus, monkeypatch):
    """With the XSD check on (lxml and nfelib installed), a complaint flags the authorized note for staff."""
    monkeypatch.setattr(nfe, "schema_errors", lambda data: ["line 1: Element 'infNFe': Missing child element(s)."])
    s = await open_nfe_shop(container, client, focus, nfe_xsd_validation=True)
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    order = await s.buy(client, ana, "xsd-1")
    row = await s.note_in(order["id"], "authorized")
    assert row.xml and row.danfe and (row.error_code, row.error) == (
        "xml_schema_invalid", "line 1: Element 'infNFe': Missing child element(s).")  # fmt: skip
    r = await client.get("/api/v1/admin/fiscal/nfe?flagged=true", headers=s.shop.admin)
    assert [n["order_id"] for n in r.json()["items"]] == [order["id"]], r.text
