"""Invoiced terms (faturado) on the storefront and the admin (pt-BR): an approved company's buyer sees
"Faturado" at checkout; over the credit limit the page explains it and no order is made; within it the
order is confirmed with its PO and instalments, shown on the order page and the company's invoices page
with each boleto's PDF; staff approve terms and see balances on their page."""

from __future__ import annotations

import re

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import PASSWORD, csrf_from, make_staff, sign_in

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}


async def test_invoiced_terms_pages(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    r = await web.post("/api/v1/auth/register", json={
        "email": "admin@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    staff = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    terms = {"cnpj": COMPANY["cnpj"], "terms": "30/60", "credit_limit": "100.00"}
    assert (await web.put("/api/v1/admin/b2b/credit-accounts", headers=staff, json=terms)).status_code == 200

    await sign_in(web, "admin@verde.example")
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M",
                                            "quantity": "2"})  # fmt: skip
    checkout = await web.get("/checkout?uf=SP")
    assert 'value="invoice"' in checkout.text and "Faturado (boletos a prazo)" in checkout.text
    assert "Crédito disponível da sua empresa: R$ 100,00 (prazo 30/60 dias)." in checkout.text

    def form(html: str) -> dict[str, str]:
        return {
            "csrf_token": csrf_from(html),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1),
            "recipient": "Ana Souza", "postal_code": "01310-100", "street": "Av. Paulista", "number": "1000",
            "city": "São Paulo", "state": "SP", "payment_method": "invoice", "po_number": "PO-2026/0042",
            "eco_packaging": "on",
        }  # fmt: skip

    refused = await web.post("/checkout", data=form(checkout.text))
    assert refused.status_code == 422 and "passa do crédito disponível da sua empresa" in refused.text
    assert 'value="PO-2026/0042"' in refused.text  # the form keeps what was typed
    token = web.cookies.get("ev_access")
    me = {"Authorization": f"Bearer {token}"}
    assert (await web.get("/api/v1/orders", headers=me)).json()["items"] == []

    assert (await web.put("/api/v1/admin/b2b/credit-accounts", headers=staff,
                          json={**terms, "credit_limit": "1000.00"})).status_code == 200  # fmt: skip
    placed = await web.post("/checkout", data=form(refused.text))
    assert placed.status_code == 303, placed.text
    order_page = await web.get(placed.headers["location"])
    assert order_page.status_code == 200
    assert "Prazo 30/60 dias" in order_page.text and "PO-2026/0042" in order_page.text
    assert order_page.text.count("/boleto.pdf") == 2 and "Em aberto" in order_page.text

    invoices = await web.get("/conta/faturas")
    assert invoices.status_code == 200 and "Fatura do pedido" in invoices.text and "Saldo em aberto" in invoices.text
    pdf_link = re.search(r'href="(/conta/faturas/parcela/[^"]+/boleto\.pdf)"', invoices.text).group(1)
    pdf = await web.get(pdf_link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    await make_staff(web, container, "credit@example.com", user_type="customer", permissions=("manage_orders",))
    admin = await web.get("/admin/faturado")
    assert admin.status_code == 200 and "Verde Atacado Ltda" in admin.text and "Saldo em aberto" in admin.text
    bad = await web.post("/admin/faturado", data={"csrf_token": csrf_from(admin.text), "cnpj": COMPANY["cnpj"],
                                                  "terms": "30", "credit_limit": "-5", "active": "on"})  # fmt: skip
    assert bad.status_code == 422 and "Limite de crédito inválido" in bad.text
    good = {"csrf_token": csrf_from(admin.text), "cnpj": COMPANY["cnpj"], "terms": "30", "credit_limit": "2.500,00",
            "active": "on"}  # fmt: skip
    ok = await web.post("/admin/faturado", data=good)
    assert ok.status_code == 303
    after = await web.get(ok.headers["location"])
    assert "Prazo e limite salvos." in after.text and "R$ 2.500,00" in after.text
