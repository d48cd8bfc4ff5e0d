"""Daily rollups of the facts, kept incrementally by every fact write and rebuildable from the facts.

Every write of an order's facts goes through :func:`apply`: the rollup rows the order contributed
before (read from its old facts) are subtracted and the ones it contributes now are added, in the
same transaction as the facts (and the consumer's inbox row). A replayed event therefore adds
nothing (old contribution == new contribution), and a late refund or cancellation moves exactly the
order's day. :func:`rebuild` recomputes the same rows from the facts with ``GROUP BY`` (the backfill
and the tests use it; the tests prove both ways agree after random event sequences).

Searches are rolled up per day and query, and funnel events per visitor and day, as behaviour events
arrive; erasing a visitor recomputes the search days it touched and drops its visitor-day rows.

Per customer: whenever an order is rewritten, its buyer's paid orders are read before and after, and
the buyer's rows (``analytics_customers``: first paid order, orders, revenue; ``analytics_customer_months``)
are rewritten from them, while the new/returning dimension of the daily orders and the cohort rows move
by the difference of the buyer's contribution — the same old-minus-new rule as the order rollups (an
order paid late can turn a later order from new into returning). Product lines are also rolled up per
month (``analytics_monthly_lines``) for the reports over long ranges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, case, delete, func, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ecovarejo.core.uow import UnitOfWork

from .models import (
    BehaviourEvent,
    Cohort,
    Customer,
    CustomerMonth,
    DailyLines,
    DailyOrders,
    DailySearches,
    LineFact,
    MonthlyLines,
    OrderFact,
    VisitorDay,
)

ORDER_MEASURES = (
    "orders", "gross_cents", "refunded_cents", "discount_cents", "loyalty_cents", "carbon_g", "avoided_g",
    "shipped_g", "eco_packaging", "green_delivery",
)  # fmt: skip
LINE_MEASURES = ("orders", "units", "revenue_cents", "certified_cents", "carbon_g", "baseline_g")
PAID_DIMS = ("all", "state", "payment_method", "channel", "promotion", "coupon")
FUNNEL = ("product_viewed", "added_to_cart", "checkout_started", "order_placed")
COHORT_MEASURES = ("buyers", "repeat_buyers")

Key = tuple[Any, ...]


def promotion(coupons: str, loyalty_cents: int) -> str:
    return "coupon" if coupons else "loyalty" if loyalty_cents > 0 else "none"


def contributions(
    order: Mapping[str, Any] | None, lines: Iterable[Mapping[str, Any]]
) -> tuple[dict[Key, list[int]], dict[Key, list[int]]]:
    """What one order (its fact and line facts) adds to each rollup row: ``(daily orders, daily lines)``."""
    daily: dict[Key, list[int]] = {}
    if order is None:
        return daily, {}
    day = order["day"]
    daily[(day, "status", order["status"])] = [1, int(order["total_cents"]), 0, 0, 0, 0, 0, 0, 0, 0]
    if order["paid"]:
        vector = paid_vector(order)
        keys = {
            "all": "",
            "state": order["state"],
            "payment_method": order["payment_method"],
            "channel": order["channel"],
            "promotion": promotion(order["coupons"], int(order["loyalty_cents"])),
        }
        if order["coupons"]:
            keys["coupon"] = order["coupons"]
        for dim, key in keys.items():
            daily[(day, dim, key)] = list(vector)
    return daily, line_contributions(lines)


def paid_vector(order: Mapping[str, Any]) -> list[int]:
    """What a paid order adds to a daily order row (``ORDER_MEASURES``)."""
    return [
        1, int(order["total_cents"]), int(order["refunded_cents"]), int(order["discount_cents"]),
        int(order["loyalty_cents"]), int(order["carbon_g"]), int(order["avoided_g"]),
        int(order["carbon_g"]) if order["shipped"] else 0, int(bool(order["eco_packaging"])),
        int(bool(order["green_delivery"])),
    ]  # fmt: skip


def month_of(day: date) -> date:
    return day.replace(day=1)


def _months(d: date) -> int:
    return d.year * 12 + d.month


def customer_contributions(
    paid_orders: Iterable[Mapping[str, Any]],
) -> tuple[dict[Key, list[int]], dict[Key, list[int]], list[dict[str, Any]], list[dict[str, Any]]]:
    """What buyers' paid orders (all of them, ever) contribute: ``(daily orders of the customer_type
    dimension, cohort rows, customer rows, customer-month rows)``. An order is *new* when it is its buyer's
    first paid order (earliest ``placed_at``), otherwise *returning*."""
    by_user: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for o in paid_orders:
        if o["paid"]:
            by_user[o["user_id"]].append(o)
    daily: dict[Key, list[int]] = {}
    cohorts: dict[Key, list[int]] = {}
    customers: list[dict[str, Any]] = []
    months: list[dict[str, Any]] = []
    for user, orders in by_user.items():
        first_at = min(o["placed_at"] for o in orders)
        first_day = min(o["day"] for o in orders)
        for o in orders:
            merge(
                daily,
                {(o["day"], "customer_type", "new" if o["placed_at"] == first_at else "returning"): paid_vector(o)},
            )
        customers.append({
            "user_id": user, "first_at": first_at, "first_day": first_day, "orders": len(orders),
            "gross_cents": sum(int(o["total_cents"]) for o in orders),
            "refunded_cents": sum(int(o["refunded_cents"]) for o in orders),
        })  # fmt: skip
        per_month: dict[date, list[int]] = {}
        for o in orders:
            row = per_month.setdefault(month_of(o["day"]), [0, 0, 0])
            row[0] += 1
            row[1] += int(o["total_cents"])
            row[2] += int(o["refunded_cents"])
        for m, (n, gross, refunded) in per_month.items():
            months.append({"user_id": user, "month": m, "orders": n, "gross_cents": gross, "refunded_cents": refunded})
        cohort = month_of(first_day)
        merge(cohorts, {(cohort, 0): [1, 1 if len(orders) > 1 else 0]})
        for m in per_month:
            if m != cohort:
                merge(cohorts, {(cohort, _months(m) - _months(cohort)): [1, 0]})
    return daily, cohorts, customers, months


def line_contributions(lines: Iterable[Mapping[str, Any]]) -> dict[Key, list[int]]:
    by_line: dict[Key, list[int]] = {}
    for ln in lines:
        if not ln["paid"]:
            continue
        k = (ln["day"], ln["category"], ln["sku"], ln["name"])
        rev = int(ln["revenue_cents"])
        add = [0, int(ln["quantity"]), rev, rev if ln["certified"] else 0, int(ln["carbon_g"]), int(ln["baseline_g"])]
        # the product's row, and the category's total row (sku "" — what category and sustainability read)
        for key in (k, (ln["day"], ln["category"], "", "")):
            row = by_line.setdefault((*key, ln["order_id"]), [1, 0, 0, 0, 0, 0])
            for i in range(1, len(add)):
                row[i] += add[i]
    out: dict[Key, list[int]] = {}
    for k, v in by_line.items():
        merge(out, {k[:-1]: v})
    return out


def merge(into: dict[Key, list[int]], more: dict[Key, list[int]], sign: int = 1) -> None:
    for k, v in more.items():
        row = into.setdefault(k, [0] * len(v))
        for i, x in enumerate(v):
            row[i] += sign * x


def delta(
    old: tuple[Mapping[str, Any] | None, Iterable[Mapping[str, Any]]],
    new: tuple[Mapping[str, Any] | None, Iterable[Mapping[str, Any]]],
) -> tuple[dict[Key, list[int]], dict[Key, list[int]]]:
    """New contributions minus old ones; rows that do not change are left out."""
    d_old, l_old = contributions(*old)
    d_new, l_new = contributions(*new)
    merge(d_new, d_old, -1)
    merge(l_new, l_old, -1)
    return (
        {k: v for k, v in d_new.items() if any(v)},
        {k: v for k, v in l_new.items() if any(v)},
    )


def _insert(uow: UnitOfWork, table: Table) -> Any:
    return (postgresql.insert if uow.db.is_postgres else sqlite.insert)(table)


async def add(
    uow: UnitOfWork,
    daily: dict[Key, list[int]],
    by_line: dict[Key, list[int]],
    cohorts: dict[Key, list[int]] | None = None,
) -> None:
    """Add signed vectors to the rollup rows (upsert), then drop the rows no order contributes to any more.
    The monthly product rows move with the daily product rows."""
    tenant = uow.tenant_id
    monthly: dict[Key, list[int]] = {}
    for (day, category, sku, name), v in by_line.items():
        merge(monthly, {(month_of(day), category, sku, name): v})
    monthly = {k: v for k, v in monthly.items() if any(v)}
    for model, names, measures, rows in (
        (DailyOrders, ("day", "dim", "key"), ORDER_MEASURES, daily),
        (DailyLines, ("day", "category", "sku", "name"), LINE_MEASURES, by_line),
        (MonthlyLines, ("month", "category", "sku", "name"), LINE_MEASURES, monthly),
        (Cohort, ("cohort", "month_offset"), COHORT_MEASURES, {k: v for k, v in (cohorts or {}).items() if any(v)}),
    ):
        if not rows:
            continue
        table = cast(Table, model.__table__)
        stmt = _insert(uow, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", *names],
            set_={m: table.c[m] + stmt.excluded[m] for m in measures},
        )
        values = [
            {"tenant_id": tenant, **dict(zip(names, k, strict=True)), **dict(zip(measures, v, strict=True))}
            for k, v in sorted(rows.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
        ]
        await uow.session.execute(stmt, values)
        # a row's count (first measure) only reaches 0 when some delta takes from it: otherwise no delete
        days = sorted({k[0] for k, v in rows.items() if v[0] < 0})
        if days:
            first, count = table.c[names[0]], table.c[measures[0]]
            await uow.session.execute(delete(table).where(table.c.tenant_id == tenant, first.in_(days), count <= 0))


async def lock_users(uow: UnitOfWork, users: Iterable[Any]) -> None:
    """Serialise rewrites of one buyer's customer rows (PostgreSQL), in a fixed order (no deadlocks)."""
    if uow.db.is_postgres:
        for user in sorted({str(u) for u in users}):
            await uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"analytics:u:{user}"})


async def paid_orders_of(uow: UnitOfWork, users: Iterable[Any]) -> list[dict[str, Any]]:
    """Every paid order fact of these buyers (over the index that leads with the buyer)."""
    ids = sorted(set(users), key=str)
    out: list[dict[str, Any]] = []
    table = cast(Table, OrderFact.__table__)
    for i in range(0, len(ids), 500):
        q = select(table).where(table.c.tenant_id == uow.tenant_id, table.c.user_id.in_(ids[i : i + 500]), table.c.paid)
        out += [dict(r) for r in (await uow.session.execute(q)).mappings()]
    return out


async def move_customers(
    uow: UnitOfWork, before: list[dict[str, Any]], after: list[dict[str, Any]], daily: dict[Key, list[int]]
) -> dict[Key, list[int]]:
    """Rewrite the customer rows of the buyers of ``after`` (their paid orders now; ``before``: then), add the
    change of their new/returning contribution to ``daily`` and return the change of their cohort rows."""
    d_old, c_old, _, _ = customer_contributions(before)
    d_new, c_new, customers, months = customer_contributions(after)
    merge(d_new, d_old, -1)
    merge(daily, d_new)
    merge(c_new, c_old, -1)
    users = sorted({o["user_id"] for o in (*before, *after)}, key=str)
    tenant = uow.tenant_id
    for model in (Customer, CustomerMonth):
        table = cast(Table, model.__table__)
        for i in range(0, len(users), 500):
            await uow.session.execute(
                delete(table).where(table.c.tenant_id == tenant, table.c.user_id.in_(users[i : i + 500]))
            )
    if customers:
        await uow.session.execute(
            insert(cast(Table, Customer.__table__)), [{**c, "tenant_id": tenant} for c in customers]
        )
    if months:
        await uow.session.execute(
            insert(cast(Table, CustomerMonth.__table__)), [{**m, "tenant_id": tenant} for m in months]
        )
    return c_new


async def lock_order(uow: UnitOfWork, order_id: Any) -> None:
    """Serialise rewrites of one order (PostgreSQL; SQLite has one writer): the old facts read next are the
    last committed ones, so two consumers rebuilding the same order never subtract the same rows twice."""
    if uow.db.is_postgres:
        await uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"analytics:{order_id}"})


async def old_facts(uow: UnitOfWork, order_id: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    o = (await uow.session.execute(select(OrderFact.__table__).where(OrderFact.order_id == order_id))).mappings()
    order = next(iter(o), None)
    lines = (await uow.session.execute(select(LineFact.__table__).where(LineFact.order_id == order_id))).mappings()
    return (dict(order) if order is not None else None), [dict(ln) for ln in lines]


# -- behaviour: searches and funnel visitor-days ---------------------------------------------------
async def add_visitor_days(uow: UnitOfWork, events: Iterable[Mapping[str, Any]]) -> None:
    """Count new funnel events (rows carry ``tenant_id``) into their visitor's day row."""
    rows: dict[tuple[Any, Any, str], list[int]] = {}
    for e in events:
        if e.get("kind") in FUNNEL:
            row = rows.setdefault((e["tenant_id"], e["day"], e["visitor"]), [0, 0, 0, 0])
            row[FUNNEL.index(e["kind"])] += 1
    if not rows:
        return
    table = cast(Table, VisitorDay.__table__)
    stmt = _insert(uow, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "day", "visitor"], set_={k: table.c[k] + stmt.excluded[k] for k in FUNNEL}
    )
    values = [
        {"tenant_id": t, "day": d, "visitor": v, **dict(zip(FUNNEL, n, strict=True))}
        for (t, d, v), n in sorted(rows.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2]))
    ]
    await uow.session.execute(stmt, values)


async def add_searches(uow: UnitOfWork, events: Iterable[Mapping[str, Any]]) -> None:
    """Count new ``search_performed`` events (rows carry ``tenant_id``) into the daily search rollup."""
    rows: dict[tuple[Any, Any, str], list[int]] = {}
    for e in events:
        if e.get("kind") != "search_performed" or e.get("query") is None:
            continue
        n = int(e.get("results") or 0)
        row = rows.setdefault((e["tenant_id"], e["day"], e["query"]), [0, 0, 0])
        row[0] += 1
        row[1] += 1 if n == 0 else 0
        row[2] = max(row[2], n)
    if not rows:
        return
    table = cast(Table, DailySearches.__table__)
    stmt = _insert(uow, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "day", "query"],
        set_={
            "searches": table.c.searches + stmt.excluded.searches,
            "zero_results": table.c.zero_results + stmt.excluded.zero_results,
            "max_results": case(
                (stmt.excluded.max_results > table.c.max_results, stmt.excluded.max_results),
                else_=table.c.max_results,
            ),
        },
    )
    values = [
        {"tenant_id": t, "day": d, "query": q, "searches": s, "zero_results": z, "max_results": m}
        for (t, d, q), (s, z, m) in sorted(rows.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2]))
    ]
    await uow.session.execute(stmt, values)


# -- rebuild from the facts ------------------------------------------------------------------------
def _in(col: Any, start: date, end: date) -> Any:
    return and_(col >= start, col <= end)


def _order_selects() -> list[Any]:
    o = OrderFact
    paid = [
        func.count(), func.sum(o.total_cents), func.sum(o.refunded_cents), func.sum(o.discount_cents),
        func.sum(o.loyalty_cents), func.sum(o.carbon_g), func.sum(o.avoided_g),
        func.sum(case((o.shipped, o.carbon_g), else_=0)), func.sum(case((o.eco_packaging, 1), else_=0)),
        func.sum(case((o.green_delivery, 1), else_=0)),
    ]  # fmt: skip
    promo = case((o.coupons != "", literal("coupon")), (o.loyalty_cents > 0, literal("loyalty")), else_=literal("none"))
    out = []
    for dim, key, extra in (
        ("all", literal(""), None),
        ("state", o.state, None),
        ("payment_method", o.payment_method, None),
        ("channel", o.channel, None),
        ("promotion", promo, None),
        ("coupon", o.coupons, o.coupons != ""),
    ):
        q = select(o.tenant_id, o.day, literal(dim), key, *paid).where(o.paid).group_by(o.tenant_id, o.day, key)
        out.append(q.where(extra) if extra is not None else q)
    zero = [literal(0)] * 8
    out.append(
        select(o.tenant_id, o.day, literal("status"), o.status, func.count(), func.sum(o.total_cents), *zero).group_by(
            o.tenant_id, o.day, o.status
        )
    )
    return out


def _where(col_tenant: Any, col_day: Any, tenant: Any, start: date | None, end: date | None) -> list[Any]:
    out = [] if tenant is None else [col_tenant == tenant]
    if col_day is not None and start is not None and end is not None:
        out.append(_in(col_day, start, end))
    return out


def daily_rebuild_statements(tenant: Any, start: date | None, end: date | None) -> list[Any]:
    """The SQL that recomputes the daily order, line and search rollups of one tenant (None: every tenant) and
    range (None: all days) from the facts: delete them, then ``INSERT … SELECT … GROUP BY`` (migration
    ``analytics_0002``; the rest of the rollups came later: :func:`rebuild_statements`)."""
    stmts: list[Any] = []
    for model in (DailyOrders, DailyLines, DailySearches):
        table = cast(Table, model.__table__)
        stmts.append(delete(table).where(*_where(table.c.tenant_id, table.c.day, tenant, start, end)))
    orders = cast(Table, DailyOrders.__table__)
    for q in _order_selects():
        q = q.where(*_where(OrderFact.tenant_id, OrderFact.day, tenant, start, end))
        stmts.append(insert(orders).from_select(["tenant_id", "day", "dim", "key", *ORDER_MEASURES], q))
    ln = LineFact
    sums = (
        func.count(func.distinct(ln.order_id)), func.sum(ln.quantity), func.sum(ln.revenue_cents),
        func.sum(case((ln.certified, ln.revenue_cents), else_=0)), func.sum(ln.carbon_g), func.sum(ln.baseline_g),
    )  # fmt: skip
    where = (ln.paid, *_where(ln.tenant_id, ln.day, tenant, start, end))
    cols = ["tenant_id", "day", "category", "sku", "name", *LINE_MEASURES]
    by_product = (
        select(ln.tenant_id, ln.day, ln.category, ln.sku, ln.name, *sums)
        .where(*where)
        .group_by(ln.tenant_id, ln.day, ln.category, ln.sku, ln.name)
    )
    by_category = (
        select(ln.tenant_id, ln.day, ln.category, literal(""), literal(""), *sums)
        .where(*where)
        .group_by(ln.tenant_id, ln.day, ln.category)
    )
    for q in (by_product, by_category):
        stmts.append(insert(cast(Table, DailyLines.__table__)).from_select(cols, q))
    stmts.append(_searches_insert(tenant, start, end))
    return stmts


def month_start(col: Any, postgres: bool) -> Any:
    """The first day of the month of a date column, as a date (SQLite stores dates as ISO text)."""
    if postgres:
        return func.date_trunc("month", col).cast(OrderFact.day.type)
    return func.date(col, "start of month")


def month_index(col: Any, postgres: bool) -> Any:
    """Months since year 0 of a date column (so month differences are plain subtraction)."""
    if postgres:
        return (func.extract("year", col) * 12 + func.extract("month", col)).cast(Integer)
    return func.cast(func.strftime("%Y", col), Integer) * 12 + func.cast(func.strftime("%m", col), Integer)


def customer_statements(tenant: Any, postgres: bool) -> list[Any]:
    """Recompute every customer row, customer-month row and cohort row of a tenant (None: all) from the facts."""
    o, c, m = OrderFact, Customer, CustomerMonth
    stmts: list[Any] = [
        delete(cast(Table, model.__table__)).where(*_where(model.tenant_id, None, tenant, None, None))
        for model in (Customer, CustomerMonth, Cohort)
    ]
    paid = (o.paid, *_where(o.tenant_id, None, tenant, None, None))
    customers = (
        select(o.tenant_id, o.user_id, func.min(o.placed_at), func.min(o.day), func.count(), func.sum(o.total_cents),
               func.sum(o.refunded_cents))
        .where(*paid)
        .group_by(o.tenant_id, o.user_id)
    )  # fmt: skip
    cols = ["tenant_id", "user_id", "first_at", "first_day", "orders", "gross_cents", "refunded_cents"]
    stmts.append(insert(cast(Table, Customer.__table__)).from_select(cols, customers))
    month = month_start(o.day, postgres)
    months = (
        select(o.tenant_id, o.user_id, month, func.count(), func.sum(o.total_cents), func.sum(o.refunded_cents))
        .where(*paid)
        .group_by(o.tenant_id, o.user_id, month)
    )
    cols = ["tenant_id", "user_id", "month", "orders", "gross_cents", "refunded_cents"]
    stmts.append(insert(cast(Table, CustomerMonth.__table__)).from_select(cols, months))
    cohort = month_start(c.first_day, postgres)
    where_c = _where(c.tenant_id, None, tenant, None, None)
    buyers = (
        select(c.tenant_id, cohort, literal(0), func.count(), func.sum(case((c.orders > 1, 1), else_=0)))
        .where(*where_c)
        .group_by(c.tenant_id, cohort)
    )
    offset = month_index(m.month, postgres) - month_index(c.first_day, postgres)
    later = (
        select(c.tenant_id, cohort, offset, func.count(), literal(0))
        .join(m, and_(m.tenant_id == c.tenant_id, m.user_id == c.user_id))
        .where(m.month != cohort, *where_c)
        .group_by(c.tenant_id, cohort, offset)
    )
    for q in (buyers, later):
        stmts.append(insert(cast(Table, Cohort.__table__)).from_select(["tenant_id", "cohort", "month_offset",
                                                                         *COHORT_MEASURES], q))  # fmt: skip
    return stmts


def _customer_type_insert(tenant: Any, start: date | None, end: date | None) -> Any:
    """The new/returning rows of the daily order rollup, from the facts and the customer rows."""
    o, c = OrderFact, Customer
    key = case((o.placed_at == c.first_at, literal("new")), else_=literal("returning"))
    paid = [
        func.count(), func.sum(o.total_cents), func.sum(o.refunded_cents), func.sum(o.discount_cents),
        func.sum(o.loyalty_cents), func.sum(o.carbon_g), func.sum(o.avoided_g),
        func.sum(case((o.shipped, o.carbon_g), else_=0)), func.sum(case((o.eco_packaging, 1), else_=0)),
        func.sum(case((o.green_delivery, 1), else_=0)),
    ]  # fmt: skip
    q = (
        select(o.tenant_id, o.day, literal("customer_type"), key, *paid)
        .join(c, and_(c.tenant_id == o.tenant_id, c.user_id == o.user_id))
        .where(o.paid, *_where(o.tenant_id, o.day, tenant, start, end))
        .group_by(o.tenant_id, o.day, key)
    )
    return insert(cast(Table, DailyOrders.__table__)).from_select(
        ["tenant_id", "day", "dim", "key", *ORDER_MEASURES], q
    )


def _monthly_lines(tenant: Any, start: date | None, end: date | None, postgres: bool) -> list[Any]:
    """The monthly product rows of the months ``start``..``end`` touch (whole months), from the line facts."""
    if start is not None and end is not None:
        start = month_of(start)
        end = (month_of(end) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    table = cast(Table, MonthlyLines.__table__)
    ln = LineFact
    month = month_start(ln.day, postgres)
    q = (
        select(
            ln.tenant_id, month, ln.category, ln.sku, ln.name, func.count(func.distinct(ln.order_id)),
            func.sum(ln.quantity), func.sum(ln.revenue_cents),
            func.sum(case((ln.certified, ln.revenue_cents), else_=0)), func.sum(ln.carbon_g), func.sum(ln.baseline_g),
        )
        .where(ln.paid, *_where(ln.tenant_id, ln.day, tenant, start, end))
        .group_by(ln.tenant_id, month, ln.category, ln.sku, ln.name)
    )  # fmt: skip
    totals = (
        select(
            ln.tenant_id, month, ln.category, literal(""), literal(""), func.count(func.distinct(ln.order_id)),
            func.sum(ln.quantity), func.sum(ln.revenue_cents),
            func.sum(case((ln.certified, ln.revenue_cents), else_=0)), func.sum(ln.carbon_g), func.sum(ln.baseline_g),
        )
        .where(ln.paid, *_where(ln.tenant_id, ln.day, tenant, start, end))
        .group_by(ln.tenant_id, month, ln.category)
    )  # fmt: skip
    cols = ["tenant_id", "month", "category", "sku", "name", *LINE_MEASURES]
    return [
        delete(table).where(*_where(table.c.tenant_id, table.c.month, tenant, start, end)),
        insert(table).from_select(cols, q),
        insert(table).from_select(cols, totals),
    ]


def monthly_rebuild_statements(tenant: Any, *, postgres: bool) -> list[Any]:
    """Recompute every monthly line row (products and category totals) from the line facts."""
    return _monthly_lines(tenant, None, None, postgres)


def _visitor_days(tenant: Any, start: date | None, end: date | None) -> list[Any]:
    table = cast(Table, VisitorDay.__table__)
    b = BehaviourEvent
    q = (
        select(b.tenant_id, b.day, b.visitor, *(func.sum(case((b.kind == k, 1), else_=0)) for k in FUNNEL))
        .where(b.kind.in_(FUNNEL), *_where(b.tenant_id, b.day, tenant, start, end))
        .group_by(b.tenant_id, b.day, b.visitor)
    )
    return [
        delete(table).where(*_where(table.c.tenant_id, table.c.day, tenant, start, end)),
        insert(table).from_select(["tenant_id", "day", "visitor", *FUNNEL], q),
    ]


def rebuild_statements(
    tenant: Any, start: date | None, end: date | None, *, postgres: bool, customers: bool = True
) -> list[Any]:
    """The SQL that recomputes every rollup of one tenant (None: every tenant) from the facts: the customer
    rows and cohorts (``customers``: whole history only), then the daily order rows (new/returning from the
    customer rows), daily lines and searches, monthly product rows and visitor-days of the range (None: all)."""
    stmts = customer_statements(tenant, postgres) if customers else []
    stmts += daily_rebuild_statements(tenant, start, end)
    stmts.append(_customer_type_insert(tenant, start, end))
    stmts += _monthly_lines(tenant, start, end, postgres)
    stmts += _visitor_days(tenant, start, end)
    return stmts


def _searches_insert(tenant: Any, start: date | None, end: date | None) -> Any:
    b = BehaviourEvent
    q = (
        select(
            b.tenant_id, b.day, b.query, func.count(), func.sum(case((func.coalesce(b.results, 0) == 0, 1), else_=0)),
            func.max(func.coalesce(b.results, 0)),
        )
        .where(b.kind == "search_performed", b.query.is_not(None), *_where(b.tenant_id, b.day, tenant, start, end))
        .group_by(b.tenant_id, b.day, b.query)
    )  # fmt: skip
    cols = ["tenant_id", "day", "query", "searches", "zero_results", "max_results"]
    return insert(cast(Table, DailySearches.__table__)).from_select(cols, q)


async def rebuild(
    uow: UnitOfWork, start: date | None = None, end: date | None = None, *, customers: bool | None = None
) -> None:
    """Recompute the tenant's rollup rows of ``start``..``end`` (all days by default) from the facts, and the
    customer rows and cohorts (by default when the whole history is rebuilt); idempotent."""
    with_customers = (start is None) if customers is None else customers
    for stmt in rebuild_statements(uow.tenant_id, start, end, postgres=uow.db.is_postgres, customers=with_customers):
        await uow.session.execute(stmt)


async def rebuild_customers(uow: UnitOfWork) -> None:
    """Recompute the tenant's customer rows, customer-months and cohorts from the facts (whole history)."""
    for stmt in customer_statements(uow.tenant_id, uow.db.is_postgres):
        await uow.session.execute(stmt)


async def rebuild_search_days(uow: UnitOfWork, days: Iterable[date]) -> None:
    """Recompute the search rollup of some days (after a visitor's events were erased)."""
    table = cast(Table, DailySearches.__table__)
    for d in sorted(set(days)):
        await uow.session.execute(delete(table).where(table.c.tenant_id == uow.tenant_id, table.c.day == d))
        await uow.session.execute(_searches_insert(uow.tenant_id, d, d))


async def snapshot(uow: UnitOfWork) -> dict[str, set[tuple[Any, ...]]]:
    """Every rollup row of the tenant (tests compare the incremental rows with a rebuild)."""
    out: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for model in (DailyOrders, DailyLines, DailySearches, MonthlyLines, Customer, CustomerMonth, Cohort, VisitorDay):
        table = cast(Table, model.__table__)
        cols = [c for c in table.c if c.name != "tenant_id"]
        for row in (await uow.session.execute(select(*cols).where(table.c.tenant_id == uow.tenant_id))).all():
            out[table.name].add(tuple(row))
    return dict(out)
