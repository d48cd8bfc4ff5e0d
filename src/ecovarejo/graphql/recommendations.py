"""Recommendations over GraphQL: the same answers (and fallbacks) as ``/api/v1/recommendations``."""

from __future__ import annotations

import uuid
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ecovarejo.ml import public as ml

from .context import GQLContext

Ctx = Info[GQLContext, None]
MAX = 20


@strawberry.type
class RecommendedPrice:
    amount: Decimal
    currency: str


@strawberry.type
class RecommendedProduct:
    id: strawberry.ID
    sku: str
    name: str
    slug: str
    price: RecommendedPrice
    image_url: str | None
    sustainability_score: Decimal
    carbon_footprint_kg: Decimal


@strawberry.type
class Recommendations:
    #: ``model``, ``popular`` (cold start), ``catalog`` (no model yet) or ``none``.
    source: str
    items: list[RecommendedProduct]


def _out(r: ml.Recommendations) -> Recommendations:
    return Recommendations(
        source=r.source,
        items=[
            RecommendedProduct(
                id=strawberry.ID(str(c.id)), sku=c.sku, name=c.name, slug=c.slug,
                price=RecommendedPrice(amount=c.price, currency=c.currency), image_url=c.image_url,
                sustainability_score=c.sustainability_score, carbon_footprint_kg=c.carbon_footprint,
            )
            for c in r.items
        ],
    )  # fmt: skip


def _limit(limit: int) -> int:
    return max(1, min(MAX, limit))


@strawberry.type
class RecommendationsQuery:
    @strawberry.field(description="Products often bought together with this one.")  # type: ignore[untyped-decorator]
    async def bought_together(self, info: Ctx, product_id: strawberry.ID, limit: int = 4) -> Recommendations:
        async with info.context.db() as uow:
            pid = uuid.UUID(str(product_id))
            return _out(await ml.bought_together(info.context.container, uow, pid, _limit(limit)))

    @strawberry.field(description="Similar products.")  # type: ignore[untyped-decorator]
    async def similar_products(self, info: Ctx, product_id: strawberry.ID, limit: int = 8) -> Recommendations:
        async with info.context.db() as uow:
            return _out(await ml.similar(info.context.container, uow, uuid.UUID(str(product_id)), _limit(limit)))

    @strawberry.field(description="Similar products with a better sustainability score or a lower footprint.")  # type: ignore[untyped-decorator]
    async def greener_alternatives(self, info: Ctx, product_id: strawberry.ID, limit: int = 3) -> Recommendations:
        async with info.context.db() as uow:
            pid = uuid.UUID(str(product_id))
            return _out(await ml.greener_alternatives(info.context.container, uow, pid, _limit(limit)))

    @strawberry.field(description="Personal picks for the signed-in customer; popular products otherwise.")  # type: ignore[untyped-decorator]
    async def for_you(self, info: Ctx, limit: int = 8) -> Recommendations:
        principal = await info.context.principal()
        async with info.context.db() as uow:
            user = principal.user_id if principal else None
            return _out(await ml.for_you(info.context.container, uow, user, _limit(limit)))
