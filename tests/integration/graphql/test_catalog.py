"""The catalog over GraphQL: search, filters, facets, by slug, categories — and a constant number of SQL
queries per page, whatever its size (dataloaders)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from gql.transport.exceptions import TransportQueryError
from sqlalchemy import event

from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.products import categories
from tests.conftest import make_settings

products = pytest.importorskip("ecovarejo.products.service", reason="the products context is not in this build")
schemas = pytest.importorskip("ecovarejo.products.schemas")

PAGE = """
query Page($limit: Int!, $category: String, $certification: String, $q: String) {
  products(limit: $limit, category: $category, certification: $certification, q: $q) {
    items {
      name slug sku certified certificationCodes
      price { amount currency }
      category { slug name }
      variants { sku color price { amount } }
      certifications { code issuer level status }
    }
    nextCursor
  }
}
"""


async def seed_catalog(container, n: int = 30) -> None:
    async with container.uow(DEFAULT_TENANT_ID) as uow:
        home = await categories.create_category(uow, schemas.CategoryIn(name="Casa"))
        kitchen = await categories.create_category(uow, schemas.CategoryIn(name="Cozinha", parent_id=home.id))
        for i in range(n):
            certs = [schemas.CertificationIn(name="FSC")]
            if i % 3 == 0:
                certs.append(schemas.CertificationIn(name="GOTS", level="gold"))
            await products.create_product(
                uow,
                schemas.ProductCreate(
                    sku=f"ECO-{i:03d}",
                    name=f"Escova de bambu {i}",
                    price=Decimal("19.90"),
                    category_id=kitchen.id if i % 2 else home.id,
                    certifications=certs,
                    variants=[
                        schemas.VariantIn(sku=f"ECO-{i:03d}-V", name="verde", color="verde"),
                        schemas.VariantIn(
                            sku=f"ECO-{i:03d}-A", name="azul", color="azul", price_override=Decimal("21.90")
                        ),
                    ],
                ),
            )
        await uow.commit()


@contextmanager
def counting(container) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = container.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_page_costs_a_constant_number_of_queries(graphql_app, db_url, tmp_path) -> None:
    # no relay nor consumers in the background: every statement counted is the request's
    async with graphql_app(make_settings(db_url, tmp_path, embedded_workers=False)) as g:
        await seed_catalog(g.container)
        await g.execute(PAGE, {"limit": 1})  # warm the tenant resolver's cache
        with counting(g.container) as one:
            small = await g.execute(PAGE, {"limit": 1})
        with counting(g.container) as many:
            page = await g.execute(PAGE, {"limit": 24})
        assert len(small["products"]["items"]) == 1
        items = page["products"]["items"]
        assert len(items) == 24
        assert all(len(p["variants"]) == 2 and p["certifications"] for p in items)
        assert len(many) == len(one), many
        assert len(many) <= 10
        for p in items:
            sku = p["sku"]
            assert {v["sku"]: v["price"]["amount"] for v in p["variants"]} == {f"{sku}-V": "19.90", f"{sku}-A": "21.90"}
            codes = ["FSC", "GOTS"] if int(sku[-3:]) % 3 == 0 else ["FSC"]
            assert sorted(c["code"] for c in p["certifications"]) == codes
            assert sorted(p["certificationCodes"]) == codes
            assert p["category"]["slug"] == ("cozinha" if int(sku[-3:]) % 2 else "casa")
        assert page["products"]["nextCursor"]


async def test_filters_facets_search_slug_and_categories(graphql_app, settings) -> None:
    async with graphql_app(settings) as g:
        await seed_catalog(g.container, n=9)
        kitchen = await g.execute(PAGE, {"limit": 50, "category": "cozinha"})
        assert {p["category"]["slug"] for p in kitchen["products"]["items"]} == {"cozinha"}
        assert len(kitchen["products"]["items"]) == 4
        gots = await g.execute(PAGE, {"limit": 50, "certification": "GOTS"})
        assert {p["sku"] for p in gots["products"]["items"]} == {"ECO-000", "ECO-003", "ECO-006"}
        found = await g.execute(PAGE, {"limit": 50, "q": "bambu"})
        assert len(found["products"]["items"]) == 9

        facets = await g.execute("{ products(limit: 5) { facets { name values { value count slug } } } }")
        by_name = {f["name"]: f["values"] for f in facets["products"]["facets"]}
        assert {v["value"]: v["count"] for v in by_name["certification"]} == {"FSC": 9, "GOTS": 3}
        assert {v["slug"]: v["count"] for v in by_name["category"]} == {"casa": 5, "cozinha": 4}
        assert {v["value"] for v in by_name["color"]} == {"verde", "azul"}

        one = await g.execute('{ product(slug: "escova-de-bambu-4") { name sku description variants { sku } } }')
        assert one["product"]["sku"] == "ECO-004"
        assert one["product"]["description"] == ""
        assert await g.execute('{ product(slug: "no-such-thing") { name } }') == {"product": None}

        tree = await g.execute("{ categories { slug children { slug } } }")
        assert tree["categories"] == [{"slug": "casa", "children": [{"slug": "cozinha"}]}]


async def test_catalog_errors_and_cost_limit(graphql_app, settings) -> None:
    async with graphql_app(settings) as g:
        with pytest.raises(TransportQueryError) as err:
            await g.execute("{ products(limit: 1000) { items { name } } }")
        assert err.value.errors[0]["extensions"]["code"] == "invalid_limit"
        expensive = (
            "{ products(limit: 100) { items { name variants { sku color size name price { amount currency } } "
            "certifications { code issuer level status name } } } }"
        )
        r = await g.http.post("/graphql", json={"query": expensive})
        body = r.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "query_too_costly"
