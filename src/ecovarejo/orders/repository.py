"""All SQL of the orders context."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update

from ecovarejo.core.db import utcnow
from ecovarejo.core.uow import UnitOfWork

from .models import Coupon, CouponRedemption, Order, OrderItem, OrderStatusChange


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def get_order(uow: UnitOfWork, order_id: uuid.UUID) -> Order | None:
    return await uow.session.get(Order, order_id, populate_existing=True)


async def lock_order(uow: UnitOfWork, order_id: uuid.UUID) -> Order | None:
    """The order, row-locked until the transaction ends (PostgreSQL; SQLite's writers are serialized)."""
    q = select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    return await uow.session.scalar(q)


async def order_by_number(uow: UnitOfWork, number: str) -> Order | None:
    return await uow.session.scalar(select(Order).where(Order.order_number == number))


async def items(uow: UnitOfWork, order_ids: list[uuid.UUID]) -> list[OrderItem]:
    if not order_ids:
        return []
    q = select(OrderItem).where(OrderItem.order_id.in_(order_ids)).order_by(OrderItem.order_id, OrderItem.sku)
    return list((await uow.session.scalars(q)).all())


async def history(uow: UnitOfWork, order_id: uuid.UUID) -> list[OrderStatusChange]:
    q = (
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order_id)
        .order_by(OrderStatusChange.created_at, OrderStatusChange.id)
    )
    return list((await uow.session.scalars(q)).all())


async def list_orders(
    uow: UnitOfWork,
    *,
    limit: int,
    before: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    status: str | None = None,
    number: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> list[Order]:
    q = select(Order).order_by(Order.id.desc()).limit(limit)
    if before is not None:
        q = q.where(Order.id < before)
    if user_id is not None:
        q = q.where(Order.user_id == user_id)
    if status:
        q = q.where(Order.status == status)
    if number:
        q = q.where(Order.order_number == number.strip().upper())
    if created_from:
        q = q.where(Order.created_at >= created_from)
    if created_to:
        q = q.where(Order.created_at < created_to)
    return list((await uow.session.scalars(q)).all())


async def purchase_rows(
    uow: UnitOfWork, *, limit: int, exclude_status: frozenset[str]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The newest ``limit`` orders not in ``exclude_status`` as plain column tuples, and their lines: two
    column selects, no ORM objects (what models read over the whole history)."""
    q = (
        select(Order.id, Order.user_id, Order.status, Order.created_at, Order.total_amount, Order.shipping_address,
               Order.billing_address)
        .where(Order.status.not_in(exclude_status))
        .order_by(Order.id.desc())
        .limit(limit)
    )  # fmt: skip
    orders = [tuple(r) for r in (await uow.session.execute(q)).all()]
    lines = (
        select(OrderItem.order_id, OrderItem.product_id, OrderItem.sku, OrderItem.quantity, OrderItem.unit_price)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.status.not_in(exclude_status))
        .order_by(OrderItem.order_id, OrderItem.sku)
    )
    return orders, [tuple(r) for r in (await uow.session.execute(lines)).all()]


async def count_orders_of(uow: UnitOfWork, user_id: uuid.UUID, exclude_status: tuple[str, ...]) -> int:
    q = select(func.count()).select_from(Order).where(Order.user_id == user_id, Order.status.not_in(exclude_status))
    return int(await uow.session.scalar(q) or 0)


async def move_status(uow: UnitOfWork, order_id: uuid.UUID, from_status: str, to_status: str, **values: object) -> bool:
    """Compare-and-set on the status, so two racing transitions cannot both win."""
    res = await uow.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == from_status)
        .values(status=to_status, **{"updated_at": utcnow(), **values})
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def set_refunded(uow: UnitOfWork, order_id: uuid.UUID, old: Decimal, new: Decimal) -> bool:
    """Compare-and-set the refunded total (it mirrors the payment's, so repeating is harmless)."""
    res = await uow.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.refunded_amount == old, Order.total_amount >= new)
        .values(refunded_amount=new, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- coupons


async def coupons_by_code(uow: UnitOfWork, codes: list[str]) -> list[Coupon]:
    if not codes:
        return []
    q = select(Coupon).where(Coupon.code.in_(codes)).order_by(Coupon.code)
    return list((await uow.session.scalars(q)).all())


async def coupon_by_code(uow: UnitOfWork, code: str) -> Coupon | None:
    return await uow.session.scalar(select(Coupon).where(Coupon.code == code))


async def coupon(uow: UnitOfWork, coupon_id: uuid.UUID) -> Coupon | None:
    return await uow.session.get(Coupon, coupon_id, with_for_update=True)


async def list_coupons(uow: UnitOfWork, limit: int) -> list[Coupon]:
    return list((await uow.session.scalars(select(Coupon).order_by(Coupon.code).limit(limit))).all())


async def claim_coupon(uow: UnitOfWork, coupon_id: uuid.UUID) -> bool:
    """Take one use of a coupon atomically (also locks its row until commit)."""
    res = await uow.session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, (Coupon.max_uses.is_(None)) | (Coupon.used_count < Coupon.max_uses))
        .values(used_count=Coupon.used_count + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def release_coupon(uow: UnitOfWork, coupon_id: uuid.UUID) -> None:
    await uow.session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.used_count > 0)
        .values(used_count=Coupon.used_count - 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def redemptions_of(uow: UnitOfWork, coupon_id: uuid.UUID, user_id: uuid.UUID) -> int:
    q = (
        select(func.count())
        .select_from(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id, CouponRedemption.user_id == user_id)
    )
    return int(await uow.session.scalar(q) or 0)


async def redemptions_for_order(uow: UnitOfWork, order_id: uuid.UUID) -> list[CouponRedemption]:
    q = select(CouponRedemption).where(CouponRedemption.order_id == order_id)
    return list((await uow.session.scalars(q)).all())


async def totals_by_tenant(
    uow: UnitOfWork, statuses: frozenset[str]
) -> list[tuple[uuid.UUID, int, Decimal, Decimal, Decimal]]:
    """Per tenant: orders in ``statuses``, their totals, refunds and kg CO2e (a system unit: all tenants)."""
    rows = await uow.session.execute(
        select(
            Order.tenant_id,
            func.count(Order.id),
            func.coalesce(func.sum(Order.total_amount), 0),
            func.coalesce(func.sum(Order.refunded_amount), 0),
            func.coalesce(func.sum(Order.carbon_footprint), 0),
        )
        .where(Order.status.in_(statuses))
        .group_by(Order.tenant_id)
    )
    return [(t, int(n), Decimal(total), Decimal(refunded), Decimal(co2)) for t, n, total, refunded, co2 in rows.all()]


async def bulk_insert_history(
    uow: UnitOfWork, orders: list[dict[str, object]], items: list[dict[str, object]], history: list[dict[str, object]]
) -> None:
    """Insert already-complete past orders in three Core ``executemany`` statements (history import; see
    ``orders.history``): no ORM unit-of-work per row, which would cost ~50× as much."""
    for table, rows in (
        (Order.__table__, orders),
        (OrderItem.__table__, items),
        (OrderStatusChange.__table__, history),
    ):
        if rows:
            await uow.session.execute(insert(cast(Table, table)), rows)
