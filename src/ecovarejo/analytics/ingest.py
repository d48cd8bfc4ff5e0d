"""Order facts from the orders context's view of an order (the consumer and the backfill share this).

An order event only says *which* order changed; the fact is rebuilt from the order as it is now
(``orders.service.order_detail``), its buyer's channel (users) and its lines' categories (products),
so replays, reorderings and the backfill all converge on the same rows.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ecovarejo.core.errors import NotFound
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders import public as orders
from ecovarejo.orders.public import PAID_OR_LATER
from ecovarejo.products import public as products
from ecovarejo.users import public as users

from . import repository as repo
from .baselines import avoided_g, baseline_kg, grams

SHOP_TZ = ZoneInfo("America/Sao_Paulo")
SHIPPED = frozenset({"shipped", "delivered", "return_requested", "returned", "partially_refunded"})
#: Carriers whose delivery counts as green (electric vans, bicycles); logistics may say so per shipment.
GREEN_CARRIERS = ("bike", "bicicleta", "eletric", "elétric", "verde", "green")
# (the logistics context's "green" service, chosen at checkout, is the order's ``shipping_option``)


def shop_day(at: datetime) -> date:
    return at.astimezone(SHOP_TZ).date()


def cents(value: Any) -> int:
    return int((Decimal(str(value or 0)) * 100).to_integral_value())


class CategoryIndex:
    """Category names and baseline paths by id, loaded once per ingestion batch."""

    def __init__(self, tree: list[dict[str, Any]]) -> None:
        self.path: dict[str, list[str]] = {}
        self.name: dict[str, str] = {}

        def walk(nodes: list[dict[str, Any]], parents: list[str]) -> None:
            for n in nodes:
                cid = str(n["id"])
                self.path[cid] = [*parents, n["slug"]]
                self.name[cid] = n["name"]
                walk(n.get("children") or [], self.path[cid])

        walk(tree, [])

    @classmethod
    async def load(cls, uow: UnitOfWork) -> CategoryIndex:
        return cls(await products.list_categories(uow))


class CategoryCache:
    """The category index per tenant, kept while the tenant's catalog version (bumped in the same transaction
    as every category change) stays the same: a consumer reads one version row per event instead of the
    whole category tree."""

    def __init__(self) -> None:
        self._by_tenant: dict[uuid.UUID, tuple[str, CategoryIndex]] = {}
        self.loads = 0

    async def get(self, uow: UnitOfWork) -> CategoryIndex:
        tenant = uow.tenant_id
        if tenant is None:
            return await CategoryIndex.load(uow)
        version = await products.catalog_version(uow)
        hit = self._by_tenant.get(tenant)
        if hit is not None and hit[0] == version:
            return hit[1]
        index = await CategoryIndex.load(uow)
        self.loads += 1
        self._by_tenant[tenant] = (version, index)
        return index


async def build_facts(
    uow: UnitOfWork,
    order: dict[str, Any],
    categories: CategoryIndex,
    sellables: dict[str, Any] | None = None,
    b2b: bool | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The order's fact and line facts; ``sellables`` (by SKU) and ``b2b`` (the buyer's channel), when a
    batch has read them already, spare their reads."""
    placed_at = datetime.fromisoformat(order["created_at"])
    day = shop_day(placed_at)
    status = order["status"]
    paid = status in PAID_OR_LATER
    skus = [i["sku"] for i in order["items"]]
    if sellables is None:
        sellables = await products.get_sellables(uow, skus) if skus else {}
    if b2b is None:
        b2b = await users.is_b2b(uow, uuid.UUID(order["user_id"]))
    lines = []
    for item in order["items"]:
        sellable = sellables.get(item["sku"])
        cid = str(sellable.category_id) if sellable and sellable.category_id else ""
        qty = int(item["quantity"])
        carbon = grams(Decimal(str(item.get("carbon_footprint_kg") or 0)) * qty)
        base = baseline_kg(categories.path.get(cid, []))
        lines.append(
            {
                "order_id": uuid.UUID(order["id"]),
                "day": day,
                "paid": paid,
                "product_id": uuid.UUID(item["product_id"]) if item.get("product_id") else None,
                "sku": item["sku"],
                "name": item["name"][:300],
                "category": categories.name.get(cid, "—")[:120],
                "certified": bool(item.get("certified", sellable.certified if sellable else False)),
                "quantity": qty,
                "revenue_cents": cents(item["line_total"]),
                "carbon_g": carbon,
                "baseline_g": grams(base * qty) if base is not None else carbon,
            }
        )
    methods = [p["method"] for p in order.get("payments") or [] if p.get("method")]
    option = order.get("shipping_option") or {}
    carrier = " ".join(
        str(x or "") for x in (order.get("carrier"), option.get("service"), option.get("service_name"))
    ).lower()
    fact = {
        "order_id": uuid.UUID(order["id"]),
        "order_number": order["order_number"],
        "user_id": uuid.UUID(order["user_id"]),
        "placed_at": placed_at,
        "day": day,
        "status": status,
        "paid": paid,
        "channel": "b2b" if b2b else "b2c",
        "payment_method": (methods[0] if methods else "none")[:20],
        "state": str((order.get("shipping_address") or {}).get("state") or "")[:2].upper(),
        "items": sum(ln["quantity"] for ln in lines),
        "subtotal_cents": cents(order["subtotal"]),
        "discount_cents": cents(order["discount_amount"]),
        "loyalty_cents": cents(order.get("loyalty_discount")),
        "shipping_cents": cents(order["shipping_cost"]),
        "total_cents": cents(order["total_amount"]),
        "refunded_cents": cents(order["refunded_amount"]),
        "coupons": ",".join(sorted(order.get("coupon_codes") or []))[:200],
        "carbon_g": grams(Decimal(str(order["carbon_footprint"]))),
        "avoided_g": sum(avoided_g(ln["baseline_g"], ln["carbon_g"]) for ln in lines),
        "eco_packaging": bool(order.get("eco_packaging")),
        "green_delivery": any(word in carrier for word in GREEN_CARRIERS),
        "shipped": status in SHIPPED,
    }
    return fact, lines


async def ingest_order(
    uow: UnitOfWork, order_id: uuid.UUID, categories: CategoryIndex | CategoryCache | None = None
) -> bool:
    """Rebuild the facts of one order; False when the order does not exist (any more)."""
    try:
        order = await orders.order_detail(uow, order_id)
    except NotFound:
        return False
    if isinstance(categories, CategoryCache):
        index = await categories.get(uow)
    else:
        index = categories or await CategoryIndex.load(uow)
    fact, lines = await build_facts(uow, order, index)
    await repo.replace_order(uow, fact, lines)
    return True


async def ingest_orders(uow: UnitOfWork, order_ids: list[uuid.UUID], categories: CategoryCache | None = None) -> int:
    """Rebuild the facts of several orders in this unit of work (the consumers' batch handler): each order
    once however many of its events the batch holds, the category index, the lines' sellables and each
    buyer's channel read once for the batch. On PostgreSQL every order's lock is taken before any buyer's
    (each in a fixed order, as a single rewrite takes them: no deadlock). Returns the orders rebuilt."""
    ids = sorted(set(order_ids), key=str)
    await repo.lock_orders(uow, ids)
    details = []
    for oid in ids:
        try:
            details.append(await orders.order_detail(uow, oid))
        except NotFound:
            continue
    if not details:
        return 0
    index = await categories.get(uow) if categories is not None else await CategoryIndex.load(uow)
    skus = sorted({i["sku"] for o in details for i in o["items"]})
    sellables = await products.get_sellables(uow, skus) if skus else {}
    buyers = {uuid.UUID(o["user_id"]) for o in details}
    await repo.lock_buyers_of(uow, [uuid.UUID(o["id"]) for o in details], buyers)
    b2b = {u: await users.is_b2b(uow, u) for u in sorted(buyers, key=str)}
    for order in details:
        fact, lines = await build_facts(uow, order, index, sellables, b2b[uuid.UUID(order["user_id"])])
        await repo.replace_order(uow, fact, lines)
    return len(details)
