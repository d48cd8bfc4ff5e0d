"""A hand-made set of facts whose every report figure is computed by hand in test_reports.py."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from ecovarejo.analytics import repository as repo
from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id

A, B, C = (uuid.uuid5(uuid.NAMESPACE_URL, f"buyer-{n}") for n in "ABC")


def order(user: uuid.UUID, day: date, total: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "order_id": new_id(),
        "order_number": f"EV-{new_id().hex[:8]}",
        "user_id": user,
        "placed_at": datetime(day.year, day.month, day.day, 15, tzinfo=UTC),
        "day": day,
        "status": "paid",
        "paid": True,
        "channel": "b2c",
        "payment_method": "card",
        "state": "SP",
        "items": 1,
        "subtotal_cents": total,
        "discount_cents": 0,
        "loyalty_cents": 0,
        "shipping_cents": 0,
        "total_cents": total,
        "refunded_cents": 0,
        "coupons": "",
        "carbon_g": 0,
        "avoided_g": 0,
        "eco_packaging": False,
        "green_delivery": False,
        "shipped": False,
    }
    row.update(kw)
    return row


def line(o: dict[str, Any], sku: str, category: str, qty: int, revenue: int, carbon: int, base: int, cert: bool):
    return {
        "order_id": o["order_id"], "day": o["day"], "paid": o["paid"], "product_id": None, "sku": sku,
        "name": sku.title(), "category": category, "certified": cert, "quantity": qty, "revenue_cents": revenue,
        "carbon_g": carbon, "baseline_g": base,
    }  # fmt: skip


async def plant(container: Container, tenant_id: uuid.UUID) -> None:
    o1 = order(A, date(2026, 3, 2), 10000, discount_cents=1000, coupons="ECO10", carbon_g=3000, avoided_g=2000,
               eco_packaging=True, shipped=True, status="shipped")  # fmt: skip
    o2 = order(B, date(2026, 3, 2), 30000, refunded_cents=5000, loyalty_cents=500, channel="b2b",
               payment_method="pix", state="RJ", carbon_g=6000, green_delivery=True)  # fmt: skip
    o3 = order(A, date(2026, 3, 9), 5000, carbon_g=1000, avoided_g=500, eco_packaging=True)
    o4 = order(C, date(2026, 3, 5), 99900, status="cancelled", paid=False)
    o5 = order(A, date(2026, 2, 20), 4000, state="MG", carbon_g=1000)
    lines = [
        line(o1, "TEE", "Camisetas", 2, 8000, 2000, 4000, True),
        line(o1, "CUP", "Cozinha", 1, 3000, 500, 500, False),
        line(o2, "CUP", "Cozinha", 10, 30000, 5000, 5000, False),
        line(o3, "TEE", "Camisetas", 1, 5000, 1000, 1500, True),
        line(o4, "TEE", "Camisetas", 9, 99900, 9000, 9000, True),
        line(o5, "TEE", "Camisetas", 1, 4000, 1000, 1500, True),
    ]
    orders = [o1, o2, o3, o4, o5]
    behaviour = []
    for visitor, kinds in (
        ("v1", ("product_viewed", "product_viewed", "added_to_cart", "checkout_started", "order_placed")),
        ("v2", ("product_viewed", "added_to_cart")),
        ("v3", ("product_viewed",)),
    ):
        behaviour += [{"kind": k, "visitor": visitor} for k in kinds]
    behaviour += [
        {"kind": "search_performed", "visitor": "v1", "query": "camiseta", "results": 5},
        {"kind": "search_performed", "visitor": "v2", "query": "camiseta", "results": 5},
        {"kind": "search_performed", "visitor": "v3", "query": "xyz", "results": 0},
    ]
    async with container.uow(tenant_id, actor="test") as uow:
        await repo.bulk_insert(
            uow, [{**o, "tenant_id": tenant_id} for o in orders], [{**ln, "tenant_id": tenant_id} for ln in lines]
        )
        at = datetime(2026, 3, 4, 12, tzinfo=UTC)
        await repo.insert_behaviour(
            uow, [{"id": new_id(), "at": at, "day": date(2026, 3, 4), "tenant_id": tenant_id, **b} for b in behaviour]
        )
        await repo.set_stock(uow, "TEE", 30)
        await uow.commit()
