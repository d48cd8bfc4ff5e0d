"""All SQL of the analytics context: fact writes and the report queries (plain aggregates on both
SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, func, insert, literal, select
from sqlalchemy.sql.elements import ColumnElement

from ecovarejo.core.uow import UnitOfWork

from .models import BehaviourEvent, Checkpoint, LineFact, OrderFact, StockSnapshot


# -- writes ------------------------------------------------------------------------------------
async def replace_order(uow: UnitOfWork, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Rewrite one order's facts (delete then insert): the same event twice leaves the same rows."""
    oid = order["order_id"]
    await uow.session.execute(delete(LineFact).where(LineFact.order_id == oid))
    await uow.session.execute(delete(OrderFact).where(OrderFact.order_id == oid))
    await uow.session.execute(insert(OrderFact), [{**order, "tenant_id": uow.tenant_id}])
    if lines:
        await uow.session.execute(insert(LineFact), [{**ln, "tenant_id": uow.tenant_id} for ln in lines])


async def bulk_insert(uow: UnitOfWork, orders: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    """Insert many new facts at once (demo history, benchmarks) with Core ``executemany`` (no ORM per row);
    rows carry their ``tenant_id`` and every column."""
    if orders:
        await uow.session.execute(insert(cast(Table, OrderFact.__table__)), orders)
    if lines:
        await uow.session.execute(insert(cast(Table, LineFact.__table__)), lines)


async def insert_behaviour(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Rows carry their ``tenant_id`` (one ``executemany``); optional columns may be left out."""
    optional = {"product": None, "query": None, "results": None, "source": None}
    rows = [r if optional.keys() <= r.keys() else {**optional, **r} for r in rows]
    if rows:
        await uow.session.execute(insert(cast(Table, BehaviourEvent.__table__)), rows)


async def has_facts(uow: UnitOfWork) -> bool:
    return (await uow.session.scalar(select(OrderFact.order_id).limit(1))) is not None


async def set_stock(uow: UnitOfWork, sku: str, available: int) -> None:
    row = await uow.session.get(StockSnapshot, (sku, uow.tenant_id))
    if row is None:
        uow.session.add(StockSnapshot(sku=sku, tenant_id=uow.tenant_id, available=available))
    else:
        row.available = available


async def get_checkpoint(uow: UnitOfWork, name: str) -> dict[str, Any] | None:
    row = await uow.session.get(Checkpoint, (name, uow.tenant_id))
    return dict(row.value) if row is not None else None


async def set_checkpoint(uow: UnitOfWork, name: str, value: dict[str, Any]) -> None:
    row = await uow.session.get(Checkpoint, (name, uow.tenant_id))
    if row is None:
        uow.session.add(Checkpoint(name=name, tenant_id=uow.tenant_id, value=value))
    else:
        row.value = value


async def erase_visitor(uow: UnitOfWork, visitor: str) -> int:
    result = await uow.session.execute(delete(BehaviourEvent).where(BehaviourEvent.visitor == visitor))
    return int(getattr(result, "rowcount", 0) or 0)


# -- reads -------------------------------------------------------------------------------------
def _in(col: Any, start: date, end: date) -> ColumnElement[bool]:
    return and_(col >= start, col <= end)


def period_bucket(grain: str, is_pg: bool, column: Any = None) -> Any:
    """The first day of the day/week/month of ``column`` (``analytics_orders.day``; ISO weeks start Monday)."""
    d = OrderFact.day if column is None else column
    if grain == "day":
        return d
    if is_pg:
        return func.date_trunc(grain, d).cast(OrderFact.day.type)
    if grain == "week":
        return func.date(d, "weekday 0", "-6 days")
    return func.date(d, "start of month")


async def sales_series(uow: UnitOfWork, start: date, end: date, grain: str) -> Sequence[Any]:
    bucket = period_bucket(grain, uow.db.is_postgres).label("period")
    q = (
        select(
            bucket,
            func.count().label("orders"),
            func.sum(OrderFact.total_cents).label("gross"),
            func.sum(OrderFact.refunded_cents).label("refunded"),
            func.sum(OrderFact.carbon_g).label("carbon_g"),
            func.sum(OrderFact.avoided_g).label("avoided_g"),
        )
        .where(OrderFact.paid, _in(OrderFact.day, start, end))
        .group_by(bucket)
        .order_by(bucket)
    )
    return (await uow.session.execute(q)).all()


async def orders_by_status(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(OrderFact.status, func.count(), func.sum(OrderFact.total_cents))
        .where(_in(OrderFact.day, start, end))
        .group_by(OrderFact.status)
        .order_by(OrderFact.status)
    )
    return (await uow.session.execute(q)).all()


async def sales_totals(uow: UnitOfWork, start: date, end: date) -> Any:
    q = select(
        func.count().label("orders"),
        func.coalesce(func.sum(OrderFact.total_cents), 0).label("gross"),
        func.coalesce(func.sum(OrderFact.refunded_cents), 0).label("refunded"),
        func.coalesce(func.sum(OrderFact.discount_cents), 0).label("discount"),
        func.coalesce(func.sum(OrderFact.loyalty_cents), 0).label("loyalty"),
        func.count(func.distinct(OrderFact.user_id)).label("customers"),
    ).where(OrderFact.paid, _in(OrderFact.day, start, end))
    return (await uow.session.execute(q)).one()


ORDER_DIMENSIONS = {"state": OrderFact.state, "payment_method": OrderFact.payment_method, "channel": OrderFact.channel}


async def orders_by(uow: UnitOfWork, dimension: str, start: date, end: date) -> Sequence[Any]:
    col = ORDER_DIMENSIONS[dimension].label("key")
    q = (
        select(
            col,
            func.count().label("orders"),
            func.sum(OrderFact.total_cents).label("gross"),
            func.sum(OrderFact.refunded_cents).label("refunded"),
        )
        .where(OrderFact.paid, _in(OrderFact.day, start, end))
        .group_by(col)
    )
    return (await uow.session.execute(q)).all()


async def orders_by_customer_type(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    """New (the buyer's first paid order ever) vs returning; the first order from a window function."""
    orders = (
        select(
            OrderFact.day.label("day"),
            OrderFact.total_cents.label("total_cents"),
            OrderFact.refunded_cents.label("refunded_cents"),
            OrderFact.placed_at.label("placed_at"),
            func.min(OrderFact.placed_at).over(partition_by=OrderFact.user_id).label("first_at"),
        )
        .where(OrderFact.paid)
        .subquery()
    )
    kind = case((orders.c.placed_at == orders.c.first_at, literal("new")), else_=literal("returning")).label("key")
    q = (
        select(
            kind,
            func.count().label("orders"),
            func.sum(orders.c.total_cents).label("gross"),
            func.sum(orders.c.refunded_cents).label("refunded"),
        )
        .where(_in(orders.c.day, start, end))
        .group_by(kind)
    )
    return (await uow.session.execute(q)).all()


LINE_DIMENSIONS = {"category": (LineFact.category,), "product": (LineFact.sku, LineFact.name)}


async def lines_by(uow: UnitOfWork, dimension: str, start: date, end: date, limit: int) -> Sequence[Any]:
    cols = LINE_DIMENSIONS[dimension]
    revenue = func.sum(LineFact.revenue_cents)
    q = (
        select(
            *cols,
            func.sum(LineFact.quantity).label("units"),
            revenue.label("revenue"),
            func.count(func.distinct(LineFact.order_id)).label("orders"),
            func.sum(LineFact.carbon_g).label("carbon_g"),
        )
        .where(LineFact.paid, _in(LineFact.day, start, end))
        .group_by(*cols)
        .order_by(revenue.desc(), *cols)
        .limit(limit)
    )
    return (await uow.session.execute(q)).all()


async def sustainability(uow: UnitOfWork, start: date, end: date) -> tuple[Any, Any]:
    lines = select(
        func.coalesce(func.sum(LineFact.carbon_g), 0).label("carbon_g"),
        func.coalesce(func.sum(LineFact.baseline_g), 0).label("baseline_g"),
        func.coalesce(func.sum(LineFact.revenue_cents), 0).label("revenue"),
        func.coalesce(func.sum(case((LineFact.certified, LineFact.revenue_cents), else_=0)), 0).label("certified"),
    ).where(LineFact.paid, _in(LineFact.day, start, end))
    orders = select(
        func.count().label("orders"),
        func.coalesce(func.sum(OrderFact.carbon_g), 0).label("order_carbon_g"),
        func.coalesce(func.sum(case((OrderFact.shipped, OrderFact.carbon_g), else_=0)), 0).label("shipped_g"),
        func.coalesce(func.sum(OrderFact.avoided_g), 0).label("avoided_g"),
        func.coalesce(func.sum(case((OrderFact.eco_packaging, 1), else_=0)), 0).label("eco_packaging"),
        func.coalesce(func.sum(case((OrderFact.green_delivery, 1), else_=0)), 0).label("green_delivery"),
    ).where(OrderFact.paid, _in(OrderFact.day, start, end))
    return (await uow.session.execute(lines)).one(), (await uow.session.execute(orders)).one()


async def coupon_orders(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    """Paid orders split by: with a coupon, with loyalty points, neither."""
    kind = case(
        (OrderFact.coupons != "", literal("coupon")),
        (OrderFact.loyalty_cents > 0, literal("loyalty")),
        else_=literal("none"),
    ).label("key")
    q = (
        select(
            kind,
            func.count().label("orders"),
            func.sum(OrderFact.total_cents).label("gross"),
            func.sum(OrderFact.discount_cents).label("discount"),
            func.sum(OrderFact.loyalty_cents).label("loyalty"),
        )
        .where(OrderFact.paid, _in(OrderFact.day, start, end))
        .group_by(kind)
    )
    return (await uow.session.execute(q)).all()


async def coupon_codes(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(OrderFact.coupons, func.count(), func.sum(OrderFact.total_cents), func.sum(OrderFact.discount_cents))
        .where(OrderFact.paid, OrderFact.coupons != "", _in(OrderFact.day, start, end))
        .group_by(OrderFact.coupons)
    )
    return (await uow.session.execute(q)).all()


async def behaviour_counts(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(BehaviourEvent.kind, func.count(func.distinct(BehaviourEvent.visitor)), func.count())
        .where(_in(BehaviourEvent.day, start, end))
        .group_by(BehaviourEvent.kind)
    )
    return (await uow.session.execute(q)).all()


async def searches(uow: UnitOfWork, start: date, end: date, zero_only: bool, limit: int) -> Sequence[Any]:
    n = func.count()
    q = (
        select(BehaviourEvent.query, n.label("searches"), func.max(BehaviourEvent.results).label("results"))
        .where(BehaviourEvent.kind == "search_performed", _in(BehaviourEvent.day, start, end))
        .group_by(BehaviourEvent.query)
        .order_by(n.desc(), BehaviourEvent.query)
        .limit(limit)
    )
    if zero_only:
        q = q.where(BehaviourEvent.results == 0)
    return (await uow.session.execute(q)).all()


async def cohort_rows(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    """(user, first paid day, month, paid orders that month) for buyers whose first order is in the range.

    The first day comes from a window (``min() over (partition by user)``), not a join on a grouped
    subquery, which SQLite would run as a nested loop."""
    orders = (
        select(
            OrderFact.user_id.label("user_id"),
            OrderFact.day.label("day"),
            func.min(OrderFact.day).over(partition_by=OrderFact.user_id).label("first_day"),
        )
        .where(OrderFact.paid)
        .subquery()
    )
    month = period_bucket("month", uow.db.is_postgres, orders.c.day).label("month")
    q = (
        select(orders.c.user_id, orders.c.first_day, month, func.count())
        .where(_in(orders.c.first_day, start, end))
        .group_by(orders.c.user_id, orders.c.first_day, month)
    )
    return (await uow.session.execute(q)).all()


async def units_by_sku(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(LineFact.sku, func.max(LineFact.name), func.sum(LineFact.quantity))
        .where(LineFact.paid, _in(LineFact.day, start, end))
        .group_by(LineFact.sku)
    )
    return (await uow.session.execute(q)).all()


async def stock_levels(uow: UnitOfWork) -> dict[str, int]:
    rows = (await uow.session.execute(select(StockSnapshot.sku, StockSnapshot.available))).all()
    return {sku: int(n) for sku, n in rows}


async def order_ids_with_facts(uow: UnitOfWork, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await uow.session.scalars(select(OrderFact.order_id).where(OrderFact.order_id.in_(ids)))
    return set(rows)


async def totals_by_tenant(uow: UnitOfWork) -> Sequence[Any]:
    q = (
        select(OrderFact.tenant_id, func.sum(OrderFact.avoided_g), func.sum(OrderFact.carbon_g))
        .where(OrderFact.paid)
        .group_by(OrderFact.tenant_id)
    )
    return (await uow.session.execute(q)).all()


FACT_TABLES: dict[str, Any] = {
    "analytics_orders": OrderFact,
    "analytics_order_lines": LineFact,
    "analytics_behaviour": BehaviourEvent,
}


async def fact_rows(uow: UnitOfWork, table: str, start: date, end: date) -> tuple[list[str], Sequence[Any]]:
    """Every column but the tenant of one fact table's rows of ``start``..``end`` (the Parquet export)."""
    model = FACT_TABLES[table]
    columns = [c for c in model.__table__.columns if c.name != "tenant_id"]
    q = select(*columns).where(_in(model.day, start, end)).order_by(model.day)
    return [c.name for c in columns], (await uow.session.execute(q)).all()
