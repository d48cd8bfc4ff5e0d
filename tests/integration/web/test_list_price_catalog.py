"""A company buyer's price lists on the catalog: the REST listing and product document, GraphQL
``listPrice`` and the catalog and product pages show its list price with the rule that won and the
quantity breaks; consumers, visitors and other companies see theirs (catalog prices or their own lists),
never a cached copy of someone else's. SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import PASSWORD, sign_in

GREEN = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
OTHER = {"cnpj": "11.222.333/0001-81", "legal_name": "Outra Compras Ltda", "state_registration": "ISENTO"}
LISTS = "/api/v1/admin/b2b/price-lists"
GQL = """{ products(limit: 10) { items { sku listPrice { amount rule moq multiple
  breaks { minQty maxQty amount rule } } variants { sku listPrice { amount rule } } } } }"""


async def _member(web: httpx.AsyncClient, email: str, company: dict[str, str] | None) -> tuple[dict[str, str], dict]:
    body = {"email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Souza", "accept_terms": True,
            "accept_privacy": True, **({"company": company} if company else {})}  # fmt: skip
    r = await web.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    profile = r.json()
    r = await web.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"]), profile


def _by_sku(items: list[dict]) -> dict[str, dict]:
    return {i["sku"]: i for i in items}


async def test_list_prices_on_the_catalog_api_graphql_and_pages(web: httpx.AsyncClient, container: Container):
    await make_catalog(web, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    green_h, green = await _member(web, "compras@verde.example", GREEN)
    other_h, _ = await _member(web, "compras@outra.example", OTHER)
    consumer_h, _ = await _member(web, "ana@example.com", None)
    green_id = green["company_id"]
    r = await web.post(LISTS, headers=root, json={"name": "Atacado", "company_id": green_id, "rules": [
        {"sku": "ECO-TSHIRT-001-M", "kind": "percent", "value": "10", "min_qty": 1, "max_qty": 9},
        {"sku": "ECO-TSHIRT-001-M", "kind": "fixed", "value": "70.00", "min_qty": 10},
        {"sku": "TSHIRT-002", "kind": "fixed", "value": "30.00", "moq": 2, "multiple": 2},
    ]})  # fmt: skip
    assert r.status_code == 201, r.text
    r = await web.post(LISTS, headers=root, json={"name": "Geral", "company_id": None, "rules": [
        {"sku": "TSHIRT-002", "kind": "percent", "value": "5"},
    ]})  # fmt: skip
    assert r.status_code == 201, r.text

    # anonymous first: the shared cache holds catalog prices only
    anon = (await web.get("/api/v1/products")).json()["items"]
    assert all("list_price" not in i for i in anon)

    # the company's listing: the lowest list price of a product (a variant's), with its rule
    r = await web.get("/api/v1/products", headers=green_h)
    assert r.status_code == 200 and "private" in r.headers["cache-control"]
    mine = _by_sku(r.json()["items"])
    organic, plain = mine["ECO-TSHIRT-001"], mine["TSHIRT-002"]
    assert organic["price"]["amount"] == "89.90"
    assert organic["list_price"]["amount"] == "80.91"  # 89.90 - 10 %
    assert organic["list_price"]["rule"] == "Atacado: -10% (1-9)"
    assert plain["list_price"] == {
        "amount": "30.00", "currency": "BRL", "rule": "Atacado: R$ 30.00 (1+)", "price_list": "Atacado",
        "moq": 2, "multiple": 2, "breaks": [{"min_qty": 2, "max_qty": None, "amount": "30.00",
                                             "rule": "Atacado: R$ 30.00 (1+)"}],
    }  # fmt: skip

    # the product document: the variant's quantity breaks; the variant without a rule keeps its price
    doc = (await web.get("/api/v1/products/camiseta-organica-basica", headers=green_h)).json()
    variants = _by_sku(doc["variants"])
    assert variants["ECO-TSHIRT-001-M"]["list_price"]["breaks"] == [
        {"min_qty": 1, "max_qty": 9, "amount": "80.91", "rule": "Atacado: -10% (1-9)"},
        {"min_qty": 10, "max_qty": None, "amount": "70.00", "rule": "Atacado: R$ 70.00 (10+)"},
    ]
    assert "list_price" not in variants["ECO-TSHIRT-001-G"]
    assert doc["list_price"]["amount"] == "80.91"

    # another company sees only the list for every company; a consumer and a visitor the catalog
    theirs = _by_sku((await web.get("/api/v1/products", headers=other_h)).json()["items"])
    assert "list_price" not in theirs["ECO-TSHIRT-001"]
    assert (theirs["TSHIRT-002"]["list_price"]["amount"], theirs["TSHIRT-002"]["list_price"]["rule"]) == (
        "37.91", "Geral: -5% (1+)")  # fmt: skip
    for headers in (consumer_h, {}):
        for item in (await web.get("/api/v1/products", headers=headers)).json()["items"]:
            assert "list_price" not in item
        doc = (await web.get("/api/v1/products/camiseta-organica-basica", headers=headers)).json()
        assert "list_price" not in doc and all("list_price" not in v for v in doc["variants"])

    # GraphQL: listPrice on products and variants, null for everyone else
    r = await web.post("/graphql", json={"query": GQL}, headers=green_h)
    items = _by_sku(r.json()["data"]["products"]["items"])
    assert items["ECO-TSHIRT-001"]["listPrice"]["amount"] == "80.91"
    assert items["TSHIRT-002"]["listPrice"] == {"amount": "30.00", "rule": "Atacado: R$ 30.00 (1+)", "moq": 2,
                                                "multiple": 2, "breaks": [{"minQty": 2, "maxQty": None,
                                                "amount": "30.00", "rule": "Atacado: R$ 30.00 (1+)"}]}  # fmt: skip
    assert {v["sku"]: v["listPrice"] for v in items["ECO-TSHIRT-001"]["variants"]} == {
        "ECO-TSHIRT-001-M": {"amount": "80.91", "rule": "Atacado: -10% (1-9)"},
        "ECO-TSHIRT-001-G": None,
    }
    for headers in (consumer_h, {}):
        r = await web.post("/graphql", json={"query": GQL}, headers=headers)
        assert all(i["listPrice"] is None for i in r.json()["data"]["products"]["items"]), r.text
    r = await web.post("/graphql", json={"query": GQL}, headers=other_h)
    assert _by_sku(r.json()["data"]["products"]["items"])["TSHIRT-002"]["listPrice"]["amount"] == "37.91"

    # the pages: a visitor sees catalog prices; the company buyer its price, rule and quantity breaks
    page = await web.get("/p/camiseta-organica-basica")
    assert "R$ 89,90" in page.text and "Seu preço" not in page.text and "R$ 80,91" not in page.text
    await sign_in(web, "compras@verde.example")
    catalog = await web.get("/busca")
    assert catalog.status_code == 200, catalog.text
    assert "R$ 80,91" in catalog.text and "Atacado: -10% (1-9)" in catalog.text and "R$ 30,00" in catalog.text
    page = await web.get("/p/camiseta-organica-basica")
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    text = page.text
    assert "Seu preço" in text and "Atacado: -10% (1-9)" in text and "R$ 80,91" in text and "R$ 89,90" in text
    assert "Preço por quantidade" in text and "1 a 9" in text and "10 ou mais" in text and "R$ 70,00" in text
    plain_page = (await web.get("/p/camiseta-comum")).text
    assert "R$ 30,00" in plain_page and "Pedido mínimo: 2 unidades." in plain_page
    assert "Em múltiplos de 2." in plain_page and 'value="2" min="2"' in plain_page
    english = await web.get("/p/camiseta-comum?lang=en")
    assert "Your price" in english.text and "Minimum order: 2 units." in english.text
    # after the company's visit, a visitor's page is still the catalog's
    visitor = httpx.AsyncClient(transport=web._transport, base_url="https://testserver")
    async with visitor:
        page = await visitor.get("/p/camiseta-organica-basica")
        assert "R$ 80,91" not in page.text and "Seu preço" not in page.text
        assert "R$ 30,00" not in (await visitor.get("/busca")).text
