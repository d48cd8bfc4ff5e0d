"""Quotes (RFQ): a company buyer asks for a quote, staff (MFA) price and send it (an e-mail request for the
buyer), the buyer negotiates (a new revision, history kept), accepts (stock held), and buys it once through
checkout at the quoted prices with a PO number. Expiry (409 ``quote_expired``, the job), tenant and company
isolation (404), two accepts at once, bad input. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from ecovarejo.b2b.quotes import expire_quotes_job
from ecovarejo.core.db import utcnow
from ecovarejo.core.models import OutboxEvent
from ecovarejo.notifications.rendering import Renderer
from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import bearer, make_tenant, token_for

PASSWORD = "correct horse battery staple 42"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
OTHER = {"cnpj": "11.222.333/0001-81", "legal_name": "Outra Compras Ltda", "state_registration": "ISENTO"}
QUOTES = "/api/v1/b2b/quotes"
STAFF = "/api/v1/admin/b2b/quotes"


async def _account(client, shop, email: str, company: dict | None = None) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD, "first_name": "A", "last_name": "B", "accept_terms": True,
            "accept_privacy": True, **({"company": company} if company else {})}  # fmt: skip
    r = await client.post("/api/v1/auth/register", json=body, headers=shop.h)
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=shop.h)
    return {**shop.h, **bearer(r.json()["access_token"])}


async def _events(container, tenant_id, type_):
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant_id))).all()
    return [r.envelope["data"] for r in rows if r.type == type_]


async def _priced_and_sent(client, shop, quote_id: str, prices: dict[str, str], days: int = 10) -> dict:
    until = (utcnow() + timedelta(days=days)).isoformat()
    body = {"lines": [{"sku": s, "unit_price": p} for s, p in prices.items()], "payment_terms": "30 dias",
            "valid_until": until, "terms_note": "Frete incluso"}  # fmt: skip
    r = await client.put(f"{STAFF}/{quote_id}", json=body, headers=shop.admin)
    assert r.status_code == 200, r.text
    r = await client.post(f"{STAFF}/{quote_id}/send", headers=shop.admin)
    assert r.status_code == 200, r.text
    return r.json()


async def test_quote_flow_negotiation_acceptance_and_checkout(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00", name="Camiseta orgânica")
    shop.catalog.put("MUG", "40.00", name="Caneca de bambu")
    await shop.stock("TEE", 30)
    await shop.stock("MUG", 30)
    buyer = await _account(client, shop, "compras@verde.example", COMPANY)
    consumer = await _account(client, shop, "ana@example.com")

    # a consumer cannot ask; bad input is refused with a problem and nothing written
    r = await client.post(QUOTES, json={"lines": [{"sku": "TEE", "quantity": 5}]}, headers=consumer)
    assert r.status_code == 403 and r.json()["code"] == "company_required"
    r = await client.post(QUOTES, json={"lines": []}, headers=buyer)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.post(QUOTES, json={"lines": [{"sku": "NOPE", "quantity": 5}]}, headers=buyer)
    assert r.status_code == 422 and r.json()["code"] == "product_not_found", r.text
    r = await client.post(QUOTES, json={"lines": [{"sku": "TEE", "quantity": 21}]}, headers=buyer)
    assert r.status_code == 422 and r.json()["code"] == "invalid_quantity"
    assert (await client.get(QUOTES, headers=buyer)).json()["items"] == []

    # the buyer asks (a cart's lines with the quantities wanted and a note)
    lines = [{"sku": "TEE", "quantity": 10}, {"sku": "MUG", "quantity": 12}]
    r = await client.post(QUOTES, json={"lines": lines, "note": "Entrega em janeiro"}, headers=buyer)
    assert r.status_code == 201, r.text
    quote = r.json()
    qid = quote["id"]
    assert quote["status"] == "requested" and quote["number"].startswith("COT-")
    assert [(x["sku"], x["quantity"], x["catalog_price"], x["unit_price"]) for x in quote["current"]["lines"]] == [
        ("MUG", 12, "40.00", None), ("TEE", 10, "100.00", None)]  # fmt: skip
    assert quote["messages"][0]["body"] == "Entrega em janeiro"

    # staff: the queue, then prices and terms; bad input refused, nothing saved
    queue = (await client.get(f"{STAFF}?status=requested", headers=shop.admin)).json()["items"]
    assert [q["id"] for q in queue] == [qid]
    no_mfa = {**shop.h, **bearer(token_for(container, shop.tenant_id, "admin", mfa=False))}
    assert (await client.get(STAFF, headers=no_mfa)).json()["code"] == "staff_mfa_required"
    assert (await client.get(STAFF, headers=buyer)).status_code == 403
    r = await client.post(f"{STAFF}/{qid}/send", headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "quote_unpriced"
    r = await client.put(f"{STAFF}/{qid}", json={"lines": [{"sku": "TEE", "unit_price": "8.999"}]}, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_price"
    r = await client.put(f"{STAFF}/{qid}", json={"lines": [{"sku": "XYZ", "unit_price": "1.00"}]}, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_line"
    past = (utcnow() - timedelta(days=1)).isoformat()
    r = await client.put(f"{STAFF}/{qid}", json={"valid_until": past}, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_valid_until"
    r = await client.get(f"{STAFF}/{qid}", headers=shop.admin)
    assert [x["unit_price"] for x in r.json()["current"]["lines"]] == [None, None]
    sent = await _priced_and_sent(client, shop, qid, {"TEE": "85.00", "MUG": "35.50"})
    assert sent["status"] == "sent" and sent["current"]["total"] == "1276.00"  # 10 x 85.00 + 12 x 35.50
    assert sent["current"]["payment_terms"] == "30 dias"

    # the buyer is e-mailed (through the notifications context, by user id), in pt-BR and English
    [request] = await _events(container, shop.tenant_id, "notification.requested")
    assert request["template"] == "quote_sent" and "to_email" not in request
    ctx = request["context"]
    assert ctx["quote_number"] == quote["number"] and ctx["total"] == "1276.00"
    for locale, words in (("pt-BR", "Cotação"), ("en", "Quote")):
        rendered = Renderer().render("quote_sent", locale, ctx)
        assert words in rendered.subject and "1.276,00" in rendered.text

    # negotiate: a new revision with other quantities; the history keeps both and the messages
    ask = {"message": "Podemos levar 20 camisetas por 80,00?", "lines": [{"sku": "TEE", "quantity": 20}]}
    r = await client.post(f"{QUOTES}/{qid}/negotiate", headers=buyer, json=ask)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "negotiating" and r.json()["revision"] == 2
    r = await client.post(f"{QUOTES}/{qid}/accept", headers=buyer)
    assert r.status_code == 409 and r.json()["code"] == "quote_not_open"
    sent = await _priced_and_sent(client, shop, qid, {"TEE": "80.00"})
    assert sent["revision"] == 2 and sent["current"]["total"] == "2026.00"  # 20 x 80.00 + 12 x 35.50
    assert [r["revision"] for r in sent["revisions"]] == [1, 2]
    assert sent["revisions"][0]["total"] == "1276.00"
    assert [m["action"] for m in sent["messages"]] == ["requested", "sent", "negotiate", "sent"]

    # accept: stock held; again: the same answer (nothing held twice)
    r = await client.post(f"{QUOTES}/{qid}/accept", headers=buyer)
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    assert (await shop.available("TEE"), await shop.available("MUG")) == (10, 18)
    r = await client.post(f"{QUOTES}/{qid}/accept", headers=buyer)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert await shop.available("TEE") == 10

    # buy it: the quote's lines at its prices with a PO number; the cart is left alone
    await client.post("/api/v1/cart/items", json={"sku": "MUG", "quantity": 1}, headers=buyer)
    body = checkout_body(quote_id=qid, po_number="PO-2026/77")
    r = await client.post("/api/v1/orders", json=body, headers={**buyer, "Idempotency-Key": "q-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["subtotal"] == "2026.00" and order["po_number"] == "PO-2026/77" and order["status"] == "paid"
    assert sorted((i["sku"], i["quantity"], i["unit_price"]) for i in order["items"]) == [
        ("MUG", 12, "35.50"), ("TEE", 20, "80.00")]  # fmt: skip
    assert (await shop.available("TEE"), await shop.available("MUG")) == (10, 18)  # the held units, sold
    assert [i["sku"] for i in (await client.get("/api/v1/cart", headers=buyer)).json()["items"]] == ["MUG"]
    mine = (await client.get(f"{QUOTES}/{qid}", headers=buyer)).json()
    assert mine["status"] == "ordered" and mine["order_id"] == order["id"]
    assert mine["messages"][-1]["action"] == "ordered"
    # bought once: another checkout of the quote is refused, nothing reserved
    r = await client.post("/api/v1/orders", json=body, headers={**buyer, "Idempotency-Key": "q-2"})
    assert r.status_code == 409 and r.json()["code"] == "quote_already_ordered"
    assert await shop.available("TEE") == 10


async def test_expiry_isolation_and_rejection(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    await shop.stock("TEE", 30)
    buyer = await _account(client, shop, "compras@verde.example", COMPANY)
    other = await _account(client, shop, "compras@outra.example", OTHER)
    r = await client.post(QUOTES, json={"lines": [{"sku": "TEE", "quantity": 5}]}, headers=buyer)
    qid = r.json()["id"]
    await _priced_and_sent(client, shop, qid, {"TEE": "90.00"}, days=2)

    # another company and another tenant: 404, never the quote
    assert (await client.get(f"{QUOTES}/{qid}", headers=other)).json()["code"] == "quote_not_found"
    r = await client.post(f"{QUOTES}/{qid}/accept", headers=other)
    assert r.status_code == 404 and r.json()["code"] == "quote_not_found"
    assert (await client.get(QUOTES, headers=other)).json()["items"] == []
    tid2 = await make_tenant(container)
    admin2 = {"X-Tenant-ID": str(tid2), **bearer(token_for(container, tid2, "admin"))}
    assert (await client.get(f"{STAFF}/{qid}", headers=admin2)).status_code == 404
    assert (await client.get(STAFF, headers=admin2)).json()["items"] == []
    r = await client.post("/api/v1/orders", json=checkout_body(quote_id=qid),
                          headers={**other, "Idempotency-Key": "x-1"})  # fmt: skip
    assert r.status_code == 404 and r.json()["code"] == "quote_not_found"
    # not accepted yet: no checkout
    r = await client.post("/api/v1/orders", json=checkout_body(quote_id=qid),
                          headers={**buyer, "Idempotency-Key": "x-2"})  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "quote_not_accepted"

    # after its date: accepting is refused (409 quote_expired), nothing held; the job marks it expired
    real = container.clock
    container.clock = lambda: real() + timedelta(days=3)
    try:
        r = await client.post(f"{QUOTES}/{qid}/accept", headers=buyer)
        assert r.status_code == 409 and r.json()["code"] == "quote_expired", r.text
        assert await shop.available("TEE") == 30
        assert await expire_quotes_job(container) == 1
        assert await expire_quotes_job(container) == 0
    finally:
        container.clock = real
    mine = (await client.get(f"{QUOTES}/{qid}", headers=buyer)).json()
    assert mine["status"] == "expired" and mine["messages"][-1]["action"] == "expired"
    r = await client.post(f"{QUOTES}/{qid}/accept", headers=buyer)
    assert r.status_code == 409 and r.json()["code"] == "quote_expired"

    # reject: once, with a note; a rejected quote cannot be accepted
    r = await client.post(QUOTES, json={"lines": [{"sku": "TEE", "quantity": 3}]}, headers=buyer)
    q2 = r.json()["id"]
    await _priced_and_sent(client, shop, q2, {"TEE": "95.00"})
    r = await client.post(f"{QUOTES}/{q2}/reject", json={"note": "Caro demais"}, headers=buyer)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["messages"][-1]["body"] == "Caro demais"
    r = await client.post(f"{QUOTES}/{q2}/accept", headers=buyer)
    assert r.status_code == 409 and r.json()["code"] == "quote_not_open"
    r = await client.put(f"{STAFF}/{q2}", json={"payment_terms": "60 dias"}, headers=shop.admin)
    assert r.status_code == 409 and r.json()["code"] == "quote_not_editable"


async def test_two_accepts_at_once_hold_stock_once(container, client):
    """Two accepts racing (two connections on PostgreSQL): both answer the accepted quote, stock held once."""
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    await shop.stock("TEE", 10)
    buyer = await _account(client, shop, "compras@verde.example", COMPANY)
    r = await client.post(QUOTES, json={"lines": [{"sku": "TEE", "quantity": 4}]}, headers=buyer)
    qid = r.json()["id"]
    await _priced_and_sent(client, shop, qid, {"TEE": "90.00"})
    a, b = await asyncio.gather(*(client.post(f"{QUOTES}/{qid}/accept", headers=buyer) for _ in range(2)))
    assert (a.status_code, b.status_code) == (200, 200), (a.text, b.text)
    assert a.json()["status"] == b.json()["status"] == "accepted"
    assert await shop.available("TEE") == 6
    mine = (await client.get(f"{QUOTES}/{qid}", headers=buyer)).json()
    assert [m["action"] for m in mine["messages"]].count("accepted") == 1


async def test_accept_without_stock_holds_nothing(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    await shop.stock("TEE", 3)
    buyer = await _account(client, shop, "compras@verde.example", COMPANY)
    r = await client.post(QUOTES, json={"lines": [{"sku": "TEE", "quantity": 5}]}, headers=buyer)
    assert r.status_code == 201, r.text  # asking does not need the stock
    qid = r.json()["id"]
    await _priced_and_sent(client, shop, qid, {"TEE": "90.00"})
    r = await client.post(f"{QUOTES}/{qid}/accept", headers=buyer)
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock", r.text
    assert (await client.get(f"{QUOTES}/{qid}", headers=buyer)).json()["status"] == "sent"  # nothing half-done
    assert await shop.available("TEE") == 3
