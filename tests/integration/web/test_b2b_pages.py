"""A company buyer on the storefront (pt-BR): the cart shows the company's list price and the rule that
won; a checkout above the buyer's spending limit stays on the page with a pt-BR message and no order."""

from __future__ import annotations

import re

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import PASSWORD, csrf_from, sign_in

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}


async def test_company_prices_and_spending_limit_on_the_storefront(web: httpx.AsyncClient, container: Container):
    await make_catalog(web, container)
    r = await web.post("/api/v1/auth/register", json={
        "email": "admin@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    profile = r.json()
    staff = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.post("/api/v1/admin/b2b/price-lists", headers=staff, json={
        "name": "Atacado", "company_id": profile["company_id"],
        "rules": [{"sku": "ECO-TSHIRT-001-M", "kind": "percent", "value": "10"}],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    await sign_in(web, "admin@verde.example")
    token = web.cookies.get("ev_access")
    r = await web.put(f"/api/v1/b2b/members/{profile['id']}", headers={"Authorization": f"Bearer {token}"},
                      json={"role": "admin", "spending_limit": "50.00"})  # fmt: skip
    assert r.status_code == 200, r.text

    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M",
                                            "quantity": "2"})  # fmt: skip
    cart = await web.get("/carrinho")
    assert "R$ 80,91" in cart.text and "Preço da sua empresa: Atacado: -10% (1+)" in cart.text  # 89.90 - 10 %

    checkout = await web.get("/checkout?uf=SP")
    form = {
        "csrf_token": csrf_from(checkout.text),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', checkout.text).group(1),
        "recipient": "Ana Souza", "postal_code": "01310-100", "street": "Av. Paulista", "number": "1000",
        "city": "São Paulo", "state": "SP", "payment_method": "card", "card_token": "tok_visa",
        "eco_packaging": "on",
    }  # fmt: skip
    refused = await web.post("/checkout", data=form)
    assert refused.status_code in (403, 422) and "Este pedido passa do seu limite de compra." in refused.text
    orders = (await web.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})).json()
    assert orders["items"] == []
