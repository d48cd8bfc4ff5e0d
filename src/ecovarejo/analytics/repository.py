"""All SQL of the analytics context: fact writes and the report queries (plain aggregates on both
SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from ecovarejo.core.uow import UnitOfWork

from . import rollup_rebuild, rollups
from .models import (
    BehaviourEvent,
    BuyerMonth,
    Checkpoint,
    Cohort,
    Customer,
    CustomerMonth,
    DailyLines,
    DailyOrders,
    DailySearches,
    FunnelMonth,
    LineFact,
    MonthlyLines,
    MonthlySearches,
    OrderFact,
    StockSnapshot,
    VisitorDay,
    VisitorMonth,
)


# -- writes ------------------------------------------------------------------------------------
async def replace_order(uow: UnitOfWork, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Rewrite one order's facts (delete then insert) and move its rollup rows by the difference between
    what the order contributed before and what it contributes now: the same event twice leaves the same
    rows, a late refund or cancellation adjusts the order's own day."""
    oid = order["order_id"]
    await rollups.lock_order(uow, oid)
    await rollups.lock_users(uow, [order["user_id"]])
    old_order, before = await rollups.order_and_buyer_facts(uow, oid, order["user_id"])
    if old_order is not None and old_order["user_id"] != order["user_id"]:  # never in practice: a moved order
        await rollups.lock_users(uow, [old_order["user_id"]])
        before += await rollups.paid_orders_of(uow, [old_order["user_id"]])
    old = (old_order, await rollups.old_lines(uow, oid))
    after = [o for o in before if o["order_id"] != oid] + ([order] if order["paid"] else [])
    await uow.session.execute(delete(LineFact).where(LineFact.order_id == oid))
    await uow.session.execute(delete(OrderFact).where(OrderFact.order_id == oid))
    await uow.session.execute(insert(OrderFact), [{**order, "tenant_id": uow.tenant_id}])
    if lines:
        await uow.session.execute(insert(LineFact), [{**ln, "tenant_id": uow.tenant_id} for ln in lines])
    daily, by_line = rollups.delta(old, (order, lines))
    cohorts = await rollups.move_customers(uow, before, after, daily)
    await rollups.add(uow, {k: v for k, v in daily.items() if any(v)}, by_line, cohorts)


async def lock_orders(uow: UnitOfWork, order_ids: list[uuid.UUID]) -> None:
    """Take the rewrite locks of several orders, in a fixed order (PostgreSQL)."""
    for oid in sorted(order_ids, key=str):
        await rollups.lock_order(uow, oid)


async def lock_buyers_of(uow: UnitOfWork, order_ids: list[uuid.UUID], buyers: set[uuid.UUID]) -> None:
    """Take the locks of these buyers and of the orders' current buyers (their facts'), in a fixed order."""
    if uow.db.is_postgres:
        rows = await uow.session.scalars(select(OrderFact.user_id).where(OrderFact.order_id.in_(order_ids)))
        await rollups.lock_users(uow, {*buyers, *rows})


async def bulk_insert(uow: UnitOfWork, orders: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    """Insert many new facts at once (demo history, benchmarks) with Core ``executemany`` (no ORM per row);
    rows carry their ``tenant_id`` and every column; the orders must not have facts yet. Their rollup
    contributions are summed in Python and added with one upsert per table; their buyers' customer rows are
    rewritten from the buyers' paid orders before and after."""
    users = {o["user_id"] for o in orders}
    before = await rollups.paid_orders_of(uow, users) if users else []
    if orders:
        await uow.session.execute(insert(cast(Table, OrderFact.__table__)), orders)
    if lines:
        await uow.session.execute(insert(cast(Table, LineFact.__table__)), lines)
    daily: dict[rollups.Key, list[int]] = {}
    for o in orders:
        rollups.merge(daily, rollups.contributions(o, ())[0])
    cohorts = await rollups.move_customers(uow, before, before + [o for o in orders if o["paid"]], daily)
    await rollups.add(uow, {k: v for k, v in daily.items() if any(v)}, rollups.line_contributions(lines), cohorts)


async def insert_behaviour(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Rows carry their ``tenant_id`` (one ``executemany``); optional columns may be left out."""
    optional = {"product": None, "query": None, "results": None, "source": None}
    rows = [r if optional.keys() <= r.keys() else {**optional, **r} for r in rows]
    if rows:
        await uow.session.execute(insert(cast(Table, BehaviourEvent.__table__)), rows)
        await rollups.add_searches(uow, rows)
        await rollups.add_visitor_days(uow, rows)


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
    for model in (
        LineFact,
        OrderFact,
        DailyOrders,
        DailyLines,
        MonthlyLines,
        Customer,
        CustomerMonth,
        Cohort,
        BuyerMonth,
    ):
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
    await uow.session.execute(delete(VisitorDay).where(VisitorDay.visitor == visitor))
    await rollups.erase_visitor_months(uow, visitor)
    if touched:
        await rollup_rebuild.rebuild_search_days(uow, touched)
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
ML = MonthlyLines
CM = CustomerMonth


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


def month_split(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months of ``start``..``end`` (first day of the first and of the last one; None when there
    is none) and the days left at its edges."""
    first = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    last_end = end if (end + timedelta(days=1)).day == 1 else end.replace(day=1) - timedelta(days=1)
    if first > last_end:
        return None, [(start, end)]
    edges = [(a, b) for a, b in ((start, first - timedelta(days=1)), (last_end + timedelta(days=1), end)) if a <= b]
    return (first, last_end.replace(day=1)), edges


async def distinct_customers(uow: UnitOfWork, start: date, end: date) -> int:
    """Buyers with a paid order in the range. Whole months: the buyer-month rollup (a buyer counts at their
    first active month of the range — the row whose previous active month is before it); the days at the
    edges: the buyers of the paid order facts there that have no customer-month row in those whole months
    (at most ~60 days of facts, over the index ``(tenant_id, day, user_id, paid)``)."""
    months, edges = month_split(start, end)
    n = 0
    if months is not None:
        B = BuyerMonth
        q = select(func.coalesce(func.sum(B.buyers), 0)).where(
            B.tenant_id == uow.tenant_id, B.month >= months[0], B.month <= months[1], B.prev_month < months[0]
        )
        n += int(await uow.session.scalar(q) or 0)
    if edges:
        F = OrderFact
        q = select(func.count(func.distinct(F.user_id))).where(
            F.tenant_id == uow.tenant_id, F.paid, or_(*(_in(F.day, a, b) for a, b in edges))
        )
        if months is not None:
            q = q.where(
                ~select(CM.user_id)
                .where(CM.tenant_id == F.tenant_id, CM.user_id == F.user_id, CM.month >= months[0],
                       CM.month <= months[1])
                .exists()
            )  # fmt: skip
        n += int(await uow.session.scalar(q) or 0)
    return n


async def sales_totals(uow: UnitOfWork, start: date, end: date) -> tuple[Any, int]:
    """Totals from the daily rollup, and the distinct customers (:func:`distinct_customers`)."""
    q = select(
        func.coalesce(func.sum(D.orders), 0).label("orders"),
        func.coalesce(func.sum(D.gross_cents), 0).label("gross"),
        func.coalesce(func.sum(D.refunded_cents), 0).label("refunded"),
        func.coalesce(func.sum(D.discount_cents), 0).label("discount"),
        func.coalesce(func.sum(D.loyalty_cents), 0).label("loyalty"),
    ).where(_dim("all", start, end))
    return (await uow.session.execute(q)).one(), await distinct_customers(uow, start, end)


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
    """New (the buyer's first paid order ever) vs returning: the ``customer_type`` rows of the daily rollup."""
    return await orders_by(uow, "customer_type", start, end)


LINE_DIMENSIONS = {"category": (DL.category,), "product": (DL.sku, DL.name)}


def _product_rows(uow: UnitOfWork, start: date, end: date, totals: bool = False) -> Any:
    """The product rows (``totals``: the category totals) of a range: the monthly rollup for its whole
    months, the daily one for its edges."""
    months, edges = month_split(start, end)
    parts: list[Any] = []
    cols = ("category", "sku", "name", "units", "revenue_cents", "orders", "carbon_g", "baseline_g", "certified_cents")
    if months is not None:
        m = cast(Table, MonthlyLines.__table__)
        parts.append(
            select(*(m.c[c] for c in cols)).where(
                m.c.tenant_id == uow.tenant_id, m.c.month >= months[0], m.c.month <= months[1],
                (m.c.sku == "") if totals else (m.c.sku != ""),
            )
        )  # fmt: skip
    for a, b in edges:
        d = cast(Table, DailyLines.__table__)
        parts.append(
            select(*(d.c[c] for c in cols)).where(
                d.c.tenant_id == uow.tenant_id, _in(d.c.day, a, b), (d.c.sku == "") if totals else (d.c.sku != "")
            )
        )
    rows: Any = union_all(*parts) if len(parts) > 1 else parts[0]
    return rows.subquery()


async def lines_by(uow: UnitOfWork, dimension: str, start: date, end: date, limit: int) -> Sequence[Any]:
    if dimension == "product":
        src = _product_rows(uow, start, end)
        cols: tuple[Any, ...] = (src.c.sku, src.c.name)
        revenue = func.sum(src.c.revenue_cents)
        q = (
            select(
                *cols,
                func.sum(src.c.units).label("units"),
                revenue.label("revenue"),
                func.sum(src.c.orders).label("orders"),
                func.sum(src.c.carbon_g).label("carbon_g"),
            )
            .group_by(*cols)
            .order_by(revenue.desc(), *cols)
            .limit(limit)
        )
        return (await uow.session.execute(q)).all()
    src = _product_rows(uow, start, end, totals=True)
    revenue = func.sum(src.c.revenue_cents)
    q = (
        select(
            src.c.category,
            func.sum(src.c.units).label("units"),
            revenue.label("revenue"),
            func.sum(src.c.orders).label("orders"),
            func.sum(src.c.carbon_g).label("carbon_g"),
        )
        .group_by(src.c.category)
        .order_by(revenue.desc(), src.c.category)
        .limit(limit)
    )
    return (await uow.session.execute(q)).all()


async def sustainability(uow: UnitOfWork, start: date, end: date) -> tuple[Any, Any]:
    src = _product_rows(uow, start, end, totals=True)
    lines = select(
        func.coalesce(func.sum(src.c.carbon_g), 0).label("carbon_g"),
        func.coalesce(func.sum(src.c.baseline_g), 0).label("baseline_g"),
        func.coalesce(func.sum(src.c.revenue_cents), 0).label("revenue"),
        func.coalesce(func.sum(src.c.certified_cents), 0).label("certified"),
    )
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


async def behaviour_counts(uow: UnitOfWork, start: date, end: date) -> list[tuple[str, int, int]]:
    """Per funnel step: distinct visitors with such an event in the range, and the events. Whole months: the
    funnel-month rollup (a visitor counts at their first month of the range with the step); the days at the
    edges: the visitor-day rows grouped by visitor, a visitor counted unless the visitor-month rows of those
    whole months already have the step."""
    months, edges = month_split(start, end)
    visitors = dict.fromkeys(rollups.FUNNEL, 0)
    events = dict.fromkeys(rollups.FUNNEL, 0)
    if months is not None:
        F = FunnelMonth
        q = (
            select(
                F.step,
                func.coalesce(func.sum(case((F.prev_month < months[0], F.visitors), else_=0)), 0),
                func.coalesce(func.sum(F.events), 0),
            )
            .where(F.tenant_id == uow.tenant_id, F.month >= months[0], F.month <= months[1])
            .group_by(F.step)
        )
        for step, n, e in (await uow.session.execute(q)).all():
            visitors[step] += int(n)
            events[step] += int(e)
    if edges:
        V = cast(Table, VisitorDay.__table__)
        per_visitor = (
            select(
                V.c.visitor,
                *(func.max(V.c[k]).label(k) for k in rollups.FUNNEL),
                *(func.sum(V.c[k]).label(f"{k}_events") for k in rollups.FUNNEL),
            )
            .where(V.c.tenant_id == uow.tenant_id, or_(*(_in(V.c.day, a, b) for a, b in edges)))
            .group_by(V.c.visitor)
            .subquery()
        )
        VM = cast(Table, VisitorMonth.__table__)

        def new_visitor(k: str) -> Any:
            if months is None:
                return per_visitor.c[k] > 0
            seen = (
                select(VM.c.visitor)
                .where(VM.c.tenant_id == uow.tenant_id, VM.c.visitor == per_visitor.c.visitor,
                       VM.c.month >= months[0], VM.c.month <= months[1], VM.c[k] > 0)
                .exists()
            )  # fmt: skip
            return and_(per_visitor.c[k] > 0, ~seen)

        q = select(
            *(
                x
                for k in rollups.FUNNEL
                for x in (
                    func.coalesce(func.sum(case((new_visitor(k), 1), else_=0)), 0),
                    func.coalesce(func.sum(per_visitor.c[f"{k}_events"]), 0),
                )
            )
        )
        row = (await uow.session.execute(q)).one()
        for i, k in enumerate(rollups.FUNNEL):
            visitors[k] += int(row[2 * i])
            events[k] += int(row[2 * i + 1])
    return [(k, visitors[k], events[k]) for k in rollups.FUNNEL]


async def searches(uow: UnitOfWork, start: date, end: date, zero_only: bool, limit: int) -> Sequence[Any]:
    """Searches per query: the monthly rollup for the range's whole months, the daily one for its edges."""
    months, edges = month_split(start, end)
    cols = ("query", "searches", "zero_results", "max_results")
    parts: list[Any] = []
    if months is not None:
        m = cast(Table, MonthlySearches.__table__)
        where = (m.c.tenant_id == uow.tenant_id, m.c.month >= months[0], m.c.month <= months[1])
        parts.append(select(*(m.c[c] for c in cols)).where(*where))
    for a, b in edges:
        d = cast(Table, DailySearches.__table__)
        parts.append(select(*(d.c[c] for c in cols)).where(d.c.tenant_id == uow.tenant_id, _in(d.c.day, a, b)))
    rows: Any = union_all(*parts) if len(parts) > 1 else parts[0]
    src = rows.subquery()
    n = func.sum(src.c.zero_results if zero_only else src.c.searches)
    results = literal(0) if zero_only else func.max(src.c.max_results)
    q = (
        select(src.c.query, n.label("searches"), results.label("results"))
        .group_by(src.c.query)
        .having(n > 0)
        .order_by(n.desc(), src.c.query)
        .limit(limit)
    )
    return (await uow.session.execute(q)).all()


async def cohorts(uow: UnitOfWork, start: date, end: date, horizon: int) -> list[list[Any]]:
    """Per month of first paid order (the months the range touches): buyers, repeat buyers (more than one
    paid order ever) and, for k = 1..horizon, buyers with a paid order k months after their first month —
    read from the cohort rollup."""
    C = Cohort
    q = (
        select(C.cohort, C.month_offset, C.buyers, C.repeat_buyers)
        .where(
            C.tenant_id == uow.tenant_id, C.cohort >= start.replace(day=1), C.cohort <= end, C.month_offset <= horizon
        )
        .order_by(C.cohort, C.month_offset)
    )
    rows: dict[Any, list[Any]] = {}
    for cohort, offset, buyers, repeat in (await uow.session.execute(q)).all():
        row = rows.setdefault(cohort, [cohort, 0, 0, *([0] * horizon)])
        if offset == 0:
            row[1], row[2] = int(buyers), int(repeat)
        else:
            row[2 + int(offset)] = int(buyers)
    return list(rows.values())


async def units_by_sku(uow: UnitOfWork, start: date, end: date) -> Sequence[Any]:
    src = _product_rows(uow, start, end)
    q = select(src.c.sku, func.max(src.c.name), func.sum(src.c.units)).group_by(src.c.sku)
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
