"""Search, filters, sorts, facets and cursor pagination, over HTTP, on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from .helpers import category, default_tenant, product


@pytest.fixture
async def catalog(container):
    t = await default_tenant(container)
    roupas = await category(container, t, "Vestuário")
    camisetas = await category(container, t, "Camisetas", roupas)
    casa = await category(container, t, "Casa")
    later = (date.today() + timedelta(days=400)).isoformat()
    past = (date.today() - timedelta(days=3)).isoformat()
    await product(
        container,
        t,
        sku="TS-1",
        name="Camiseta Orgânica Básica",
        price="89.90",
        category_id=camisetas,
        carbon_footprint_kg="2.5",
        recyclable=True,
        biodegradable=True,
        certifications=[{"name": "GOTS", "expiry": later}],
        attributes={"material": "Algodão Orgânico", "color": ["Branco", "Preto"], "size": ["P", "M"]},
    )
    await product(
        container,
        t,
        sku="TS-2",
        name="Camiseta de Cânhamo",
        price="109.90",
        category_id=camisetas,
        carbon_footprint_kg="1.9",
        recyclable=True,
        certifications=[{"name": "GOTS", "expiry": past}],
        attributes={"material": "Cânhamo", "color": ["Verde"], "size": ["G"]},
    )
    await product(
        container,
        t,
        sku="CL-1",
        name="Calça Jeans Reciclada",
        price="219.90",
        category_id=roupas,
        carbon_footprint_kg="9.8",
        attributes={"material": "Algodão Reciclado", "color": ["Azul"]},
    )
    await product(
        container,
        t,
        sku="KT-1",
        name="Kit Talheres de Bambu",
        price="49.90",
        category_id=casa,
        biodegradable=True,
        certifications=[{"name": "FSC"}],
        attributes={"material": "Bambu"},
    )
    await product(container, t, sku="DR-1", name="Rascunho Escondido", price="1.00", status="draft")
    return {"roupas": roupas, "camisetas": camisetas, "casa": casa}


async def _skus(client, **params) -> list[str]:
    r = await client.get("/api/v1/products", params=params)
    assert r.status_code == 200, r.text
    return [i["sku"] for i in r.json()["items"]]


async def test_accent_and_case_insensitive_prefix_and_typo(client, catalog) -> None:
    assert await _skus(client, q="camiseta organica") == ["TS-1"]
    assert await _skus(client, q="CAMISETA ORGÂNICA") == ["TS-1"]
    assert sorted(await _skus(client, q="camis")) == ["TS-1", "TS-2"]  # prefix while typing
    assert await _skus(client, q="canhamo") == ["TS-2"]
    assert await _skus(client, q="camizeta organica") == ["TS-1"]  # one typo
    assert await _skus(client, q="talheres bambu") == ["KT-1"]
    assert await _skus(client, q="xyzzyq") == []
    assert await _skus(client, q="rascunho") == []  # drafts are not public


async def test_filters(client, catalog) -> None:
    assert sorted(await _skus(client, category="vestuario")) == ["CL-1", "TS-1", "TS-2"]  # with descendants
    assert sorted(await _skus(client, category=str(catalog["camisetas"]))) == ["TS-1", "TS-2"]
    assert sorted(await _skus(client, min_price="50", max_price="110")) == ["TS-1", "TS-2"]
    assert await _skus(client, certification="gots") == ["TS-1"]  # the expired one does not count
    assert sorted(await _skus(client, recyclable="true")) == ["TS-1", "TS-2"]
    assert sorted(await _skus(client, biodegradable="true")) == ["KT-1", "TS-1"]
    assert await _skus(client, color="preto") == ["TS-1"]
    assert await _skus(client, size="G") == ["TS-2"]
    assert await _skus(client, min_score="6", q="camiseta") == ["TS-1"]
    assert len(await _skus(client, in_stock="true")) == 4


async def test_sorts_facets_and_cursor(client, catalog) -> None:
    assert await _skus(client, sort="price_asc") == ["KT-1", "TS-1", "TS-2", "CL-1"]
    assert await _skus(client, sort="price_desc") == ["CL-1", "TS-2", "TS-1", "KT-1"]
    assert await _skus(client, sort="newest") == ["KT-1", "CL-1", "TS-2", "TS-1"]
    scores = [i["sustainability_score"] for i in (await client.get("/api/v1/products?sort=score_desc")).json()["items"]]
    assert scores == sorted(scores, key=float, reverse=True)
    # walk the pages, two at a time
    seen, cursor = [], None
    for _ in range(5):
        params = {"sort": "price_asc", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get("/api/v1/products", params=params)).json()
        seen += [i["sku"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ["KT-1", "TS-1", "TS-2", "CL-1"]
    # relevance pages too
    body = (await client.get("/api/v1/products", params={"q": "camiseta", "limit": 1})).json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    body2 = (
        await client.get("/api/v1/products", params={"q": "camiseta", "limit": 1, "cursor": body["next_cursor"]})
    ).json()
    assert {body["items"][0]["sku"], body2["items"][0]["sku"]} == {"TS-1", "TS-2"} and body2["next_cursor"] is None
    body = (await client.get("/api/v1/products", params={"q": "camiseta", "facets": "true"})).json()
    f = body["facets"]
    assert {x["value"]: x["count"] for x in f["color"]} == {"Branco": 1, "Preto": 1, "Verde": 1}
    assert {x["value"]: x["count"] for x in f["certification"]} == {"GOTS": 1}
    assert [(x["slug"], x["count"]) for x in f["category"]] == [("camisetas", 2)]


async def test_bad_parameters_are_problems(client, catalog) -> None:
    for params in (
        {"limit": 0},
        {"limit": 1000},
        {"cursor": "!!!"},
        {"sort": "bogus"},
        {"min_price": "abc"},
        {"min_price": "10", "max_price": "5"},
    ):
        r = await client.get("/api/v1/products", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/api/v1/products", params={"sort": "price_asc", "limit": 1})
    cur = r.json()["next_cursor"]
    r = await client.get("/api/v1/products", params={"sort": "newest", "cursor": cur})
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


async def test_detail_categories_and_sustainability(client, catalog) -> None:
    r = await client.get("/api/v1/products/camiseta-organica-basica")
    assert r.status_code == 200
    doc = r.json()
    assert doc["price"] == {"amount": "89.90", "currency": "BRL"}
    assert doc["sustainability"]["certifications"][0]["name"] == "Global Organic Textile Standard"
    assert doc["seo"]["slug"] == "camiseta-organica-basica"
    assert (await client.get("/api/v1/products/rascunho-escondido")).status_code == 404
    assert (await client.get("/api/v1/products/nao-existe")).json()["code"] == "product_not_found"
    tree = (await client.get("/api/v1/categories")).json()
    assert {c["slug"]: [k["slug"] for k in c["children"]] for c in tree} == {"vestuario": ["camisetas"], "casa": []}
    exp = (await client.get("/api/v1/products/camiseta-organica-basica/sustainability")).json()
    parts = {c["key"]: c for c in exp["components"]}
    assert set(parts) == {"certifications", "carbon", "recyclable", "biodegradable", "materials"}
    assert exp["score"] == doc["sustainability"]["sustainability_score"]
    assert sum(float(c["points"]) for c in exp["components"]) == pytest.approx(float(exp["score"]), abs=0.05)
    assert "GOTS" in parts["certifications"]["detail"]
    assert "category average" in parts["carbon"]["detail"]


async def test_search_before_any_product_then_after(client, container) -> None:
    r = await client.get("/api/v1/products", params={"q": "camiseta"})
    assert r.status_code == 200 and r.json()["items"] == []
    t = await default_tenant(container)
    await product(container, t, sku="NEW-1", name="Camiseta Nova")
    assert await _skus(client, q="camiseta nova") == ["NEW-1"]
