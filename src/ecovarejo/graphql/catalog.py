"""The catalog: products (search, filters, facets, by slug) and categories, over the products service.

A page's categories and certification codes come with the page (the service reads them in a fixed
number of queries); variants and certification details come through dataloaders, one batched query
each per request, so a page of 24 products costs the same number of queries as a page of 1.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from ecovarejo.core.errors import NotFound
from ecovarejo.products import public as products

from .context import GQLContext
from .list_prices import ListPrice, list_prices, lowest

Ctx = Info[GQLContext, None]


@strawberry.type
class Money:
    amount: Decimal
    currency: str


@strawberry.type
class CategoryRef:
    id: strawberry.ID
    slug: str
    name: str


@strawberry.type
class Category:
    id: strawberry.ID
    slug: str
    name: str
    description: str
    parent_id: strawberry.ID | None
    position: int
    children: list[Category]


@strawberry.type
class Variant:
    id: strawberry.ID
    sku: str
    name: str
    color: str | None
    size: str | None
    price: Money
    in_stock: bool

    @strawberry.field(description="A signed-in company buyer's price list price of this variant; null for others.")  # type: ignore[untyped-decorator]
    async def list_price(self, info: Ctx) -> ListPrice | None:
        return (await list_prices(info, [(self.sku, self.price.amount)], self.price.currency))[0]


@strawberry.type
class Certification:
    code: str
    name: str
    issuer: str
    level: str
    expiry: date | None
    status: str


@strawberry.type
class FacetValue:
    value: str
    count: int
    slug: str | None = None
    name: str | None = None


@strawberry.type
class Facet:
    name: str
    values: list[FacetValue]


async def _load_variants(uow: Any, keys: list[uuid.UUID]) -> list[list[dict[str, Any]]]:
    found = await products.variants_for(uow, keys)
    return [found.get(k, []) for k in keys]


async def _load_certifications(uow: Any, keys: list[uuid.UUID]) -> list[list[dict[str, Any]]]:
    found = await products.certifications_for(uow, keys)
    return [found.get(k, []) for k in keys]


@strawberry.type
class Product:
    id: strawberry.ID
    sku: str
    name: str
    slug: str
    price: Money
    sustainability_score: Decimal
    carbon_footprint_kg: Decimal | None
    recyclable: bool
    biodegradable: bool
    certified: bool
    certification_codes: list[str]
    image_url: str | None
    rating_average: Decimal
    rating_count: int
    in_stock: bool
    category: CategoryRef | None
    #: Only on ``product(slug:)`` (the page's summaries do not carry it).
    description: str | None = None

    @strawberry.field(description="Variants (colour, size, price) — batched for the whole page.")  # type: ignore[untyped-decorator]
    async def variants(self, info: Ctx) -> list[Variant]:
        rows = await info.context.loader("product.variants", _load_variants).load(uuid.UUID(str(self.id)))
        return [
            Variant(
                id=strawberry.ID(str(v["id"])),
                sku=v["sku"],
                name=v["name"],
                color=v["color"],
                size=v["size"],
                price=Money(
                    amount=v["price_override"] if v["price_override"] is not None else self.price.amount,
                    currency=self.price.currency,
                ),
                in_stock=v["in_stock"],
            )
            for v in rows
        ]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="A signed-in company buyer's price list price (its own SKU's, else its lowest variant's), "
        "with the rule that won and the quantity breaks; null for consumers and visitors. Batched for the page."
    )
    async def list_price(self, info: Ctx) -> ListPrice | None:
        principal = await info.context.principal()
        if principal is None or principal.company_id is None:
            return None
        variants = await self.variants(info)
        keys = [(self.sku, self.price.amount)] + [(v.sku, v.price.amount) for v in variants]
        found = await list_prices(info, keys, self.price.currency)
        return found[0] or lowest(found[1:])

    @strawberry.field(description="Certifications with issuer and validity — batched for the whole page.")  # type: ignore[untyped-decorator]
    async def certifications(self, info: Ctx) -> list[Certification]:
        rows = await info.context.loader("product.certifications", _load_certifications).load(uuid.UUID(str(self.id)))
        return [
            Certification(
                code=c["code"],
                name=c["name"],
                issuer=c["issuer"],
                level=c["level"],
                expiry=c["expiry"],
                status=c["status"],
            )
            for c in rows
        ]


@strawberry.type
class ProductPage:
    items: list[Product]
    next_cursor: str | None
    facets: list[Facet] | None


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _product(doc: dict[str, Any]) -> Product:
    cat = doc.get("category")
    rating = doc.get("rating") or {}
    sustainability = doc.get("sustainability") or {}
    certs = doc.get("certifications")
    if certs is None:
        certs = [c["code"] for c in sustainability.get("certifications", [])]
    price = doc["price"]
    return Product(
        id=strawberry.ID(str(doc["id"])),
        sku=doc["sku"],
        name=doc["name"],
        slug=doc["slug"],
        price=Money(amount=Decimal(str(price["amount"])), currency=price["currency"]),
        sustainability_score=Decimal(
            str(doc.get("sustainability_score", sustainability.get("sustainability_score", "0")))
        ),
        carbon_footprint_kg=_dec(doc.get("carbon_footprint", sustainability.get("carbon_footprint"))),
        recyclable=bool(doc.get("recyclable", sustainability.get("recyclable", False))),
        biodegradable=bool(doc.get("biodegradable", sustainability.get("biodegradable", False))),
        certified=bool(doc.get("certified", bool(certs))),
        certification_codes=list(certs),
        image_url=doc.get("image_url"),
        rating_average=Decimal(str(rating.get("average", "0"))),
        rating_count=int(rating.get("count", 0)),
        in_stock=bool(doc.get("in_stock", True)),
        category=CategoryRef(id=strawberry.ID(str(cat["id"])), slug=cat["slug"], name=cat["name"]) if cat else None,
        description=doc.get("description"),
    )


def _category(doc: dict[str, Any]) -> Category:
    return Category(
        id=strawberry.ID(str(doc["id"])),
        slug=doc["slug"],
        name=doc["name"],
        description=doc.get("description") or "",
        parent_id=strawberry.ID(str(doc["parent_id"])) if doc.get("parent_id") else None,
        position=int(doc.get("position") or 0),
        children=[_category(c) for c in doc.get("children", [])],
    )


def _wants(info: Ctx, field: str) -> bool:
    return any(getattr(s, "name", None) == field for f in info.selected_fields for s in f.selections)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Search and filter the catalog; `facets` counts what the filters leave.")  # type: ignore[untyped-decorator]
    async def products(
        self,
        info: Ctx,
        q: str | None = None,
        category: str | None = None,
        certification: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        min_score: Decimal | None = None,
        recyclable: bool | None = None,
        biodegradable: bool | None = None,
        color: str | None = None,
        size: str | None = None,
        in_stock: bool | None = None,
        featured: bool | None = None,
        sort: str = "relevance",
        limit: int = 24,
        cursor: str | None = None,
    ) -> ProductPage:
        ctx = info.context
        async with ctx.db() as uow:
            page = await products.list_products(
                uow,
                q=q,
                category=category,
                certification=certification,
                min_price=min_price,
                max_price=max_price,
                min_score=min_score,
                recyclable=recyclable,
                biodegradable=biodegradable,
                color=color,
                size=size,
                in_stock=in_stock,
                featured=featured,
                sort=sort,
                limit=limit,
                cursor=cursor,
                facets=_wants(info, "facets"),
            )
        facets = None
        if page.get("facets") is not None:
            facets = [
                Facet(
                    name=name,
                    values=[
                        FacetValue(value=str(v["value"]), count=int(v["count"]), slug=v.get("slug"), name=v.get("name"))
                        for v in values
                    ],
                )
                for name, values in page["facets"].items()
            ]
        return ProductPage(
            items=[_product(d) for d in page["items"]], next_cursor=page.get("next_cursor"), facets=facets
        )

    @strawberry.field(description="One active product by its slug; null when there is none.")  # type: ignore[untyped-decorator]
    async def product(self, info: Ctx, slug: str) -> Product | None:
        async with info.context.db() as uow:
            try:
                doc = await products.get_product_by_slug(uow, slug)
            except NotFound:
                return None
        return _product(doc)

    @strawberry.field(description="The category tree.")  # type: ignore[untyped-decorator]
    async def categories(self, info: Ctx) -> list[Category]:
        async with info.context.db() as uow:
            tree = await products.list_categories(uow)
        return [_category(c) for c in tree]
