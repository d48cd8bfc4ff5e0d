"""A signed-in company buyer's list prices laid over the catalog's public documents.

The listing and the product document stay shared (cached per catalog version, the same bytes for
everyone); the buyer's prices are added to a copy after the cache, per request, through the
``BuyerPrices`` port (the b2b context), so one company's prices never enter a shared cache entry.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ecovarejo.core.uow import UnitOfWork

from .graph import variants_for
from .ports import BuyerPrices


def _amount(price: Any) -> Decimal:
    return Decimal(str(price["amount"] if isinstance(price, dict) else price))


def _lowest(found: dict[str, dict[str, Any]], skus: list[str]) -> dict[str, Any] | None:
    prices = [found[s] for s in skus if s in found]
    return min(prices, key=lambda p: Decimal(str(p["amount"]))) if prices else None


def _in(currency: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The list prices in the document's currency (a list's fixed prices are in the catalog's)."""
    return {sku: {**p, "currency": currency} for sku, p in found.items()} if isinstance(currency, str) else found


async def overlay_page(
    uow: UnitOfWork, port: BuyerPrices, company_id: uuid.UUID, page: dict[str, Any]
) -> dict[str, Any]:
    """The listing with ``list_price`` on each product a list prices: its own SKU's or, if lower, a
    variant's (a card shows the lowest price the buyer can get). Two reads: variants, then the rules."""
    items = page.get("items") or []
    if not items:
        return page
    variants = await variants_for(uow, [uuid.UUID(str(i["id"])) for i in items])
    catalog: dict[str, Decimal] = {}
    skus: dict[str, list[str]] = {}
    for item in items:
        base = _amount(item["price"])
        catalog[item["sku"]] = base
        own = [item["sku"]]
        for v in variants.get(uuid.UUID(str(item["id"])), []):
            catalog[v["sku"]] = Decimal(str(v["price_override"])) if v["price_override"] is not None else base
            own.append(v["sku"])
        skus[str(item["id"])] = own
    found = _in(items[0]["price"].get("currency"), await port.for_company(uow, company_id, catalog))
    if not found:
        return page
    out = []
    for item in items:
        best = _lowest(found, skus[str(item["id"])])
        out.append({**item, "list_price": best} if best else item)
    return {**page, "items": out}


async def overlay_product(
    uow: UnitOfWork, port: BuyerPrices, company_id: uuid.UUID, doc: dict[str, Any]
) -> dict[str, Any]:
    """The product document with ``list_price`` on the product (its SKU's, else its lowest variant's)
    and on each variant a list prices, with the quantity breaks. One read."""
    catalog = {doc["sku"]: _amount(doc["price"])}
    for v in doc.get("variants") or []:
        catalog[v["sku"]] = _amount(v["price"])
    found = _in(doc["price"].get("currency"), await port.for_company(uow, company_id, catalog))
    if not found:
        return doc
    variants = [{**v, "list_price": found[v["sku"]]} if v["sku"] in found else v for v in doc.get("variants") or []]
    own = found.get(doc["sku"]) or _lowest(found, [v["sku"] for v in variants])
    return {**doc, "variants": variants, **({"list_price": own} if own else {})}
