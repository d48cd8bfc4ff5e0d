"""A signed-in company buyer's price list prices on catalog products and variants (``listPrice``):
the unit price at the smallest quantity it may buy, the rule that won and the quantity breaks.

One dataloader per request keyed by (SKU, catalog unit price): a page of products and their variants
costs one read of the rules in force. Consumers and visitors get ``null`` without a read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from ecovarejo.b2b import public as b2b

from .context import GQLContext

Ctx = Info[GQLContext, None]


@strawberry.type(description="A quantity break: the unit price from `minQty` to `maxQty` (null: and up).")
class PriceBreak:
    min_qty: int
    max_qty: int | None
    amount: Decimal
    rule: str


@strawberry.type(description="A company buyer's price list price (the rule that won names the list and tier).")
class ListPrice:
    amount: Decimal
    currency: str
    rule: str
    price_list: str
    moq: int
    multiple: int
    breaks: list[PriceBreak]


def _view(price: b2b.BuyerPrice, currency: str) -> ListPrice:
    return ListPrice(
        amount=price.unit_price,
        currency=currency,
        rule=price.rule,
        price_list=price.price_list,
        moq=price.moq,
        multiple=price.multiple,
        breaks=[
            PriceBreak(min_qty=b.min_qty, max_qty=b.max_qty, amount=b.unit_price, rule=b.rule) for b in price.breaks
        ],
    )


async def list_prices(info: Ctx, keys: list[tuple[str, Decimal]], currency: str) -> list[ListPrice | None]:
    """The buyer's list price of each (SKU, catalog unit price), ``None`` where no list prices it."""
    ctx = info.context
    principal = await ctx.principal()
    if principal is None or principal.company_id is None:
        return [None] * len(keys)
    company_id = principal.company_id

    async def load(uow: Any, wanted: list[tuple[str, Decimal]]) -> list[b2b.BuyerPrice | None]:
        found = await b2b.buyer_prices(uow, company_id, dict(wanted), ctx.container.now())
        return [found.get(sku) for sku, _ in wanted]

    prices = await ctx.loader("b2b.list_prices", load).load_many(keys)
    return [_view(p, currency) if p is not None else None for p in prices]


def lowest(prices: list[ListPrice | None]) -> ListPrice | None:
    """The lowest of a product's own and its variants' list prices (what a card shows)."""
    found = [p for p in prices if p is not None]
    return min(found, key=lambda p: p.amount) if found else None
