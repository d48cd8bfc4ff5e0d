"""A tenant's training data, read through the other contexts' services (never their tables)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders import public as orders
from ecovarejo.products import public as products

from .classify import Labelled
from .forecast import Sale
from .pricing import PricedSale
from .recommend import Basket, ProductInfo

#: Orders that did not become a purchase say nothing about what goes together.
NOT_PURCHASES = frozenset({"pending", "cancelled"})


async def _purchases(uow: UnitOfWork, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` purchases with their lines (the orders context's lean history read)."""
    return await orders.purchase_history(uow, limit=limit, exclude_status=NOT_PURCHASES)


async def baskets(uow: UnitOfWork, *, limit: int = 200_000) -> list[Basket]:
    out: list[Basket] = []
    for o in await _purchases(uow, limit):
        ids = tuple(uuid.UUID(i["product_id"]) for i in o["items"] if i.get("product_id"))
        if ids:
            out.append(Basket(uuid.UUID(o["user_id"]), datetime.fromisoformat(o["created_at"]), ids))
    out.sort(key=lambda b: b.at)
    return out


async def sales(uow: UnitOfWork, *, limit: int = 200_000) -> list[Sale]:
    """Units sold per SKU and day (America/Sao_Paulo days would shift little at weekly grain: UTC)."""
    return [
        Sale(str(i["sku"]), datetime.fromisoformat(o["created_at"]).date(), int(i["quantity"]))
        for o in await _purchases(uow, limit)
        for i in o["items"]
    ]


async def catalog(uow: UnitOfWork, *, limit: int = 100_000) -> tuple[list[ProductInfo], dict[uuid.UUID, str]]:
    """Active products, and each one's SKU (how serving looks fresh prices up)."""
    out: list[ProductInfo] = []
    skus: dict[uuid.UUID, str] = {}
    cursor: str | None = None
    while len(out) < limit:
        page: dict[str, Any] = await products.list_products(uow, sort="newest", limit=100, cursor=cursor)
        for p in page["items"]:
            pid = uuid.UUID(str(p["id"]))
            footprint = p.get("carbon_footprint")
            out.append(
                ProductInfo(
                    id=pid,
                    name=str(p.get("name") or ""),
                    category=str((p.get("category") or {}).get("name") or ""),
                    sustainability_score=float(p.get("sustainability_score") or 0),
                    carbon_footprint=float(footprint) if footprint not in (None, "") else None,
                    certifications=tuple(str(c) for c in p.get("certifications") or ()),
                    in_stock=bool(p.get("in_stock", True)),
                )
            )
            skus[pid] = str(p["sku"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return out, skus


async def labelled_products(uow: UnitOfWork, *, describe_up_to: int = 2000) -> list[Labelled]:
    """Name (and description, for catalogs small enough to read one by one), category, certifications."""
    infos, _ = await catalog(uow)
    out = []
    for p in infos:
        text = p.name
        if len(infos) <= describe_up_to:
            text = f"{p.name}. {(await products.get_product(uow, p.id)).description}"
        out.append(Labelled(text, p.category, p.certifications))
    return out


async def priced_sales(uow: UnitOfWork, *, limit: int = 200_000) -> list[PricedSale]:
    """Units sold per product, day and unit price actually charged."""
    return [
        PricedSale(
            uuid.UUID(i["product_id"]),
            str(i["sku"]),
            datetime.fromisoformat(o["created_at"]).date(),
            int(i["quantity"]),
            Decimal(str(i["unit_price"])),
        )
        for o in await _purchases(uow, limit)
        for i in o["items"]
        if i.get("product_id")
    ]
