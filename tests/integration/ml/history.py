"""A generated shop history for ml tests: a real catalog (products context) and delivered orders with
planted patterns (customers loyal to a category, products bought in pairs)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ecovarejo.core.db import new_id
from ecovarejo.orders.models import Order, OrderItem
from ecovarejo.products import categories
from ecovarejo.products import service as products
from ecovarejo.products.schemas import CategoryIn, ProductCreate

CATEGORIES = ("Higiene", "Cozinha", "Moda")


@dataclass(frozen=True)
class Item:
    id: uuid.UUID
    sku: str
    slug: str
    category: str
    price: Decimal


async def catalog(container, tenant_id: uuid.UUID, per_category: int = 8) -> list[Item]:
    """Per category, pairs of products; the second of the last pair is the greenest (recyclable,
    biodegradable, a tenth of the footprint)."""
    out = []
    async with container.uow(tenant_id, actor="test") as uow:
        for c in CATEGORIES:
            cat = await categories.create_category(uow, CategoryIn(name=c))
            for i in range(per_category):
                green = i == per_category - 1
                p = await products.create_product(
                    uow,
                    ProductCreate(
                        sku=f"{c[:3].upper()}-{i}",
                        name=f"{c} item {i} {'refil ecológico' if green else 'comum'}",
                        price=Decimal("20.00") + i,
                        category_id=cat.id,
                        carbon_footprint_kg=Decimal("0.50") if green else Decimal("5.00"),
                        recyclable=green,
                        biodegradable=green,
                    ),
                )
                out.append(Item(p.id, p.sku, p.slug, c, p.price.amount))
        await uow.commit()
    return out


async def orders(
    container,
    tenant_id: uuid.UUID,
    items: list[Item],
    *,
    customers: int = 60,
    seed: int = 7,
    start: datetime | None = None,
):
    """Each customer sticks to one category and buys its pairs (2k, 2k+1) together, over a year."""
    rng = random.Random(seed)
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    by_cat = {c: [i for i in items if i.category == c] for c in CATEGORIES}
    users = []
    async with container.uow(tenant_id, actor="test") as uow:
        n = 0
        for _ in range(customers):
            uid = new_id()
            users.append(uid)
            mine = by_cat[rng.choice(CATEGORIES)]
            for _k in range(4):
                k = rng.randrange(0, len(mine) - 1, 2)
                pair = [mine[k], mine[k + 1]]
                total = sum((p.price for p in pair), Decimal("0"))
                n += 1
                order = Order(
                    order_number=f"EV-T-{n:06d}", user_id=uid, status="delivered", currency="BRL", subtotal=total,
                    total_amount=total, shipping_address={}, shipping_state="SP", carbon_footprint=Decimal("0"),
                    sustainability_score=0, created_at=start + timedelta(days=rng.randrange(330), minutes=n),
                )  # fmt: skip
                uow.session.add(order)
                await uow.session.flush()
                for p in pair:
                    item = OrderItem(
                        order_id=order.id, product_id=p.id, sku=p.sku, name=p.sku, quantity=1, unit_price=p.price,
                        line_total=p.price, carbon_footprint_kg=Decimal("0"), sustainability_score=Decimal("0"),
                    )  # fmt: skip
                    uow.session.add(item)
        await uow.commit()
    return users
