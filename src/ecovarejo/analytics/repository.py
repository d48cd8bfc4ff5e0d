"""All SQL of the analytics context: fact writes and the report queries (plain aggregates on both
SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, case, delete, func, insert, literal, select
from sqlalchemy.sql.elements import ColumnElement

from ecovarejo.core.uow import UnitOfWork

from . import rollups
from .models import (
    BehaviourEvent,
    Checkpoint,
    DailyLines,
    DailyOrders,
    DailySearches,
    LineFact,
    OrderFact,
    StockSnapshot,
)


# -- writes ------------------------------------------------------------------------------------
async def replace_order(uow: UnitOfWork, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Rewrite one order's facts (delete then insert) and move its rollup rows by the difference between
    what the order contributed before and what it contributes now: the same event twice leaves the same
    rows, a late refund or cancellation adjusts the order's own day."""
    oid = order["order_id"]
    await rollups.lock_order(uow, oid)
    old = await rollups.old_facts(uow, oid)
    await uow.session.execute(delete(LineFact).where(LineFact.order_id == oid))
    await uow.session.execute(delete(OrderFact).where(OrderFact.order_id == oid))
    await uow.session.execute(insert(OrderFact), [{**order, "tenant_id": uow.tenant_id}])
    if lines:
        await uow.session.execute(insert(LineFact), [{**ln, "tenant_id": uow.tenant_id} for ln in lines])
    await rollups.add(uow, *rollups.delta(old, (order, lines)))


async def bulk_insert(uow: UnitOfWork, orders: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    """Insert many new facts at once (demo history, benchmarks) with Core ``executemany`` (no ORM per row);
    rows carry their ``tenant_id`` and every column; the orders must not have facts yet. Their rollup
    contributions are summed in Python and added with one upsert per table."""
    if orders:
        await uow.session.execute(insert(cast(Table, OrderFact.__table__)), orders)
    if lines:
        await uow.session.execute(insert(cast(Table, LineFact.__table__)), lines)
    daily: dict[rollups.Key, list[int]] = {}
    for o in orders:
        rollups.merge(daily, rollups.contributions(o, ())[0])
    await rollups.add(uow, daily, rollups.line_contributions(lines))


async def insert_behaviour(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Rows carry their ``tenant_id`` (one ``executemany``); optional columns may be left out."""
    optional = {"product": None, "query": None, "results": None, "source": None}
    rows = [r if optional.keys() <= r.keys() else {**optional, **r} for r in rows]
    if rows:
        await uow.session.execute(insert(cast(Table, BehaviourEvent.__table__)), rows)
        await rollups.add_searches(uow, rows)


async def has_facts(uow: UnitOfWork) -> bool:
    return (await uow.session.scalar(select(OrderFact.order_id).limit(1))) is not None


async def fact_day_range(uow: UnitOfWork) -> tuple[date | None, date | None]:
    row = (await uow.session.execute(select(func.min(OrderFact.day), func.max(OrderFact.day)))).one()
    first, last = row
    if first is not None and not isinstance(first, date):
        first, last = date.fromisoformat(str(first)[:10]), date.fromisoformat(str(last)[:10])
    return first, last


async def clear_facts(uow: UnitOfWork) -> None:
    """Delete the tenant's order facts and their rollups (tests; a fresh backfill)."""
    for model in (LineFact, OrderFact, DailyOrders, DailyLines):
        await uow.session.execute(delete(model))


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
    days = await uow.session.scalars(
        select(BehaviourEvent.day).where(BehaviourEvent.visitor == visitor, BehaviourEvent.kind == "search_performed")
    )
    touched = set(days)
    result = await uow.session.execute(delete(BehaviourEvent).where(BehaviourEvent.visitor == visitor))
    if touched:
        await rollups.rebuild_search_days(uow, touched)
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


D = DailyOrders
DL = DailyLines


def _dim(dim: str, start: date, end: date) -> ColumnElement[bool]:
    return and_(D.dim == dim, _in(D.day, start, end))


async def sales_series(uow: UnitOfWork, start: date, end: date, grain: str) -> Sequence[Any]:
    bucket = period_bucket(grain, uow.db.is_postgres, D.day).label("period")
    q = (
        select(
            bucket,
            func.sum(D.orders).label("orders"),
            func.sum(D.gross_cents).label("gross"),
            func.sum(D.refunded_cents).label("refunded"),
            func.sum(D.carbon_g).label("carbon_g"),
            func.sum(D.avoided_g).label("avoided_g"),
        )
        .where(_dim("all", start, end))
        .group_by(bucket)
        .order_by(bucket)
    )
    return (await uow.session.execute(q)).all()


async def orders_by_status(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(D.key, func.sum(D.orders), func.sum(D.gross_cents))
        .where(_dim("status", start, end))
        .group_by(D.key)
        .order_by(D.key)
    )
    return (await uow.session.execute(q)).all()


async def sales_totals(uow: UnitOfWork, start: date, end: date) -> Any:
    """Totals from the rollup; distinct customers need the buyers, so they come from the order facts."""
    q = select(
        func.coalesce(func.sum(D.orders), 0).label("orders"),
        func.coalesce(func.sum(D.gross_cents), 0).label("gross"),
        func.coalesce(func.sum(D.refunded_cents), 0).label("refunded"),
        func.coalesce(func.sum(D.discount_cents), 0).label("discount"),
        func.coalesce(func.sum(D.loyalty_cents), 0).label("loyalty"),
        select(func.count(func.distinct(OrderFact.user_id)))
        .where(OrderFact.paid, _in(OrderFact.day, start, end))
        .scalar_subquery()
        .label("customers"),
    ).where(_dim("all", start, end))
    return (await uow.session.execute(q)).one()


ORDER_DIMENSIONS = {"state": OrderFact.state, "payment_method": OrderFact.payment_method, "channel": OrderFact.channel}


async def orders_by(uow: UnitOfWork, dimension: str, start: date, end: date) -> Sequence[Any]:
    q = (
        select(
            D.key.label("key"),
            func.sum(D.orders).label("orders"),
            func.sum(D.gross_cents).label("gross"),
            func.sum(D.refunded_cents).label("refunded"),
        )
        .where(_dim(dimension, start, end))
        .group_by(D.key)
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


LINE_DIMENSIONS = {"category": (DL.category,), "product": (DL.sku, DL.name)}


async def lines_by(uow: UnitOfWork, dimension: str, start: date, end: date, limit: int) -> Sequence[Any]:
    cols = LINE_DIMENSIONS[dimension]
    revenue = func.sum(DL.revenue_cents)
    q = (
        select(
            *cols,
            func.sum(DL.units).label("units"),
            revenue.label("revenue"),
            func.sum(DL.orders).label("orders"),
            func.sum(DL.carbon_g).label("carbon_g"),
        )
        .where(_in(DL.day, start, end), (DL.sku == "") if dimension == "category" else (DL.sku != ""))
        .group_by(*cols)
        .order_by(revenue.desc(), *cols)
        .limit(limit)
    )
    return (await uow.session.execute(q)).all()


async def sustainability(uow: UnitOfWork, start: date, end: date) -> tuple[Any, Any]:
    lines = select(
        func.coalesce(func.sum(DL.carbon_g), 0).label("carbon_g"),
        func.coalesce(func.sum(DL.baseline_g), 0).label("baseline_g"),
        func.coalesce(func.sum(DL.revenue_cents), 0).label("revenue"),
        func.coalesce(func.sum(DL.certified_cents), 0).label("certified"),
    ).where(_in(DL.day, start, end), DL.sku == "")
    orders = select(
        func.coalesce(func.sum(D.orders), 0).label("orders"),
        func.coalesce(func.sum(D.carbon_g), 0).label("order_carbon_g"),
        func.coalesce(func.sum(D.shipped_g), 0).label("shipped_g"),
        func.coalesce(func.sum(D.avoided_g), 0).label("avoided_g"),
        func.coalesce(func.sum(D.eco_packaging), 0).label("eco_packaging"),
        func.coalesce(func.sum(D.green_delivery), 0).label("green_delivery"),
    ).where(_dim("all", start, end))
    return (await uow.session.execute(lines)).one(), (await uow.session.execute(orders)).one()


async def coupon_orders(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    """Paid orders split by: with a coupon, with loyalty points, neither."""
    q = (
        select(
            D.key.label("key"),
            func.sum(D.orders).label("orders"),
            func.sum(D.gross_cents).label("gross"),
            func.sum(D.discount_cents).label("discount"),
            func.sum(D.loyalty_cents).label("loyalty"),
        )
        .where(_dim("promotion", start, end))
        .group_by(D.key)
    )
    return (await uow.session.execute(q)).all()


async def coupon_codes(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(D.key, func.sum(D.orders), func.sum(D.gross_cents), func.sum(D.discount_cents))
        .where(_dim("coupon", start, end))
        .group_by(D.key)
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
    S = DailySearches
    n = func.sum(S.zero_results if zero_only else S.searches)
    results = literal(0) if zero_only else func.max(S.max_results)
    q = (
        select(S.query, n.label("searches"), results.label("results"))
        .where(_in(S.day, start, end))
        .group_by(S.query)
        .having(n > 0)
        .order_by(n.desc(), S.query)
        .limit(limit)
    )
    return (await uow.session.execute(q)).all()


def month_index(col: Any, is_pg: bool) -> Any:
    """Months since year 0 of a date column (so month differences are plain subtraction)."""
    if is_pg:
        return func.extract("year", col) * 12 + func.extract("month", col)
    return func.cast(func.strftime("%Y", col), Integer) * 12 + func.cast(func.strftime("%m", col), Integer)


async def cohorts(uow: UnitOfWork, start: date, end: date, horizon: int) -> Sequence[Any]:
    """Per month of first paid order (in the range): buyers, repeat buyers (more than one paid order ever)
    and, for k = 1..horizon, buyers with a paid order k months after their first — all in SQL."""
    pg = uow.db.is_postgres
    orders = (
        select(
            OrderFact.user_id.label("user_id"),
            OrderFact.day.label("day"),
            func.min(OrderFact.day).over(partition_by=OrderFact.user_id).label("first_day"),
        )
        .where(OrderFact.paid)
        .subquery()
    )
    offset = month_index(orders.c.day, pg) - month_index(orders.c.first_day, pg)
    users = (
        select(
            period_bucket("month", pg, orders.c.first_day).label("cohort"),
            func.count().label("n"),
            *(func.max(case((offset == k, 1), else_=0)).label(f"m{k}") for k in range(1, horizon + 1)),
        )
        .where(_in(orders.c.first_day, start, end))
        .group_by(orders.c.user_id, orders.c.first_day)
        .subquery()
    )
    q = (
        select(
            users.c.cohort,
            func.count().label("buyers"),
            func.sum(case((users.c.n > 1, 1), else_=0)).label("repeat"),
            *(func.sum(users.c[f"m{k}"]) for k in range(1, horizon + 1)),
        )
        .group_by(users.c.cohort)
        .order_by(users.c.cohort)
    )
    return (await uow.session.execute(q)).all()


async def units_by_sku(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    q = (
        select(DL.sku, func.max(DL.name), func.sum(DL.units))
        .where(_in(DL.day, start, end), DL.sku != "")
        .group_by(DL.sku)
    )
    return (await uow.session.execute(q)).all()


async def stock_levels(uow: UnitOfWork) -> dict[str, int]:
    rows = (await uow.session.execute(select(StockSnapshot.sku, StockSnapshot.available))).all()
    return {sku: int(n) for sku, n in rows}


async def order_ids_with_facts(uow: UnitOfWork, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await uow.session.scalars(select(OrderFact.order_id).where(OrderFact.order_id.in_(ids)))
    return set(rows)


async def totals_by_tenant(uow: UnitOfWork) -> Sequence[Any]:
    q = select(D.tenant_id, func.sum(D.avoided_g), func.sum(D.carbon_g)).where(D.dim == "all").group_by(D.tenant_id)
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
