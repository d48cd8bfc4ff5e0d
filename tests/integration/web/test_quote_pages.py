"""Quote pages (pt-BR): a company buyer sees its own price, asks for a quote from the cart; staff signed in
with MFA price and send it; the buyer accepts (stock held) and buys it on 30-day invoiced terms with a PO
number; the order is paid (confirmed on terms) at the quoted price. Bad input stays on the page in pt-BR."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx

from ecovarejo.app import create_app
from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import PASSWORD, csrf_from, make_staff, sign_in

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
SKU = "ECO-TSHIRT-001-M"


async def test_quote_pages_request_price_send_accept_and_buy_on_terms(web: httpx.AsyncClient, container: Container):
    await make_catalog(web, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.post("/api/v1/auth/register", json={
        "email": "compras@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    company_id = r.json()["company_id"]
    r = await web.post("/api/v1/admin/b2b/price-lists", headers=root, json={
        "name": "Atacado", "company_id": company_id, "rules": [{"sku": SKU, "kind": "percent", "value": "10"}],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    r = await web.put("/api/v1/admin/b2b/credit-accounts", headers=root,
                      json={"cnpj": COMPANY["cnpj"], "terms": "30", "credit_limit": "5000.00"})  # fmt: skip
    assert r.status_code == 200, r.text

    # the buyer: its own price in the cart, then "Pedir cotação" with the quantity wanted and a note
    await sign_in(web, "compras@verde.example")
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": SKU, "quantity": "2"})
    cart = await web.get("/carrinho")
    assert "R$ 80,91" in cart.text and "Pedir cotação" in cart.text  # 89.90 - 10 %
    r = await web.post("/conta/cotacoes", data={"csrf_token": csrf_from(cart.text), f"qty_{SKU}": "15",
                                                "note": "Entrega em janeiro"})  # fmt: skip
    assert r.status_code == 303, r.text
    quote_url = r.headers["location"].split("?")[0]
    mine = await web.get(r.headers["location"])
    assert "Aguardando preços" in mine.text and "Cotação pedida." in mine.text and "R$ 80,91" in mine.text
    assert "Entrega em janeiro" in mine.text
    quote_id = quote_url.rsplit("/", 1)[1]

    # staff with MFA: the queue, a bad price (pt-BR message, nothing saved), then price, terms and send
    staff = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(container=container)),
                              base_url="https://testserver")  # fmt: skip
    async with staff:
        await make_staff(staff, container, "vendas@loja.example", user_type="customer", permissions=("manage_orders",))
        queue = await staff.get("/admin/cotacoes?status=requested")
        assert queue.status_code == 200 and f"/admin/cotacoes/{quote_id}" in queue.text
        edit = await staff.get(f"/admin/cotacoes/{quote_id}")
        assert "Seu preço hoje" in edit.text and "R$ 80,91" in edit.text
        until = (date.today() + timedelta(days=10)).isoformat()
        form = {"csrf_token": csrf_from(edit.text), f"price_{SKU}": "70,999", f"qty_{SKU}": "15",
                "payment_terms": "30 dias", "valid_until": until, "terms_note": "Frete incluso",
                "send": "1"}  # fmt: skip
        r = await staff.post(f"/admin/cotacoes/{quote_id}", data=form)
        shown = await staff.get(r.headers["location"])
        assert "Preço inválido" in shown.text and 'data-status="requested"' in shown.text
        r = await staff.post(f"/admin/cotacoes/{quote_id}", data={**form, f"price_{SKU}": "70,00"})
        assert r.headers["location"].endswith("?ok=quote_sent"), r.headers["location"]
        assert "Cotação enviada ao cliente." in (await staff.get(r.headers["location"])).text

    # the buyer: the quote as sent, accepted (stock held), bought on invoiced terms with a PO number
    sent = await web.get(quote_url)
    assert 'data-status="sent"' in sent.text and "R$ 70,00" in sent.text and "R$ 1.050,00" in sent.text
    assert "30 dias" in sent.text
    r = await web.post(f"{quote_url}/aceitar", data={"csrf_token": csrf_from(sent.text)})
    accepted = await web.get(r.headers["location"])
    assert "Cotação aceita" in accepted.text and 'id="quote-buy"' in accepted.text
    assert "Faturado (boletos a prazo)" in accepted.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', accepted.text).group(1)
    buy = {"csrf_token": csrf_from(accepted.text), "idempotency_key": key, "recipient": "Ana Souza",
           "postal_code": "01310-100", "street": "Av. Paulista", "number": "1000", "district": "Bela Vista",
           "city": "São Paulo", "state": "SP", "po_number": "", "payment_method": "invoice"}  # fmt: skip
    bad = await web.post(f"{quote_url}/comprar", data={**buy, "po_number": "PO<77>"})
    assert bad.status_code == 422 and 'id="quote-buy"' in bad.text  # stays on the page, nothing bought
    r = await web.post(f"{quote_url}/comprar", data={**buy, "po_number": "PO-2026/77"})
    assert r.status_code == 303 and r.headers["location"].startswith("/pedido/"), r.text
    order_id = r.headers["location"].split("/")[2].split("?")[0]
    token = web.cookies.get("ev_access") or ""
    order = (await web.get(f"/api/v1/orders/{order_id}", headers=bearer(token))).json()
    assert order["po_number"] == "PO-2026/77" and order["status"] == "paid" and order["subtotal"] == "1050.00"
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in order["items"]] == [(SKU, 15, "70.00")]
    assert order["invoice"]["instalments"][0]["amount"] == order["total_amount"]
    done = await web.get(quote_url)
    assert "Pedido feito" in done.text and f"/pedido/{order_id}" in done.text
    listing = await web.get("/conta/cotacoes")
    assert "Pedido feito" in listing.text and quote_id in listing.text
