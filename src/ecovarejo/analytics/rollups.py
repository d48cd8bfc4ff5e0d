"""Daily rollups of the facts, kept incrementally by every fact write and rebuildable from the facts.

Every write of an order's facts goes through :func:`apply`: the rollup rows the order contributed
before (read from its old facts) are subtracted and the ones it contributes now are added, in the
same transaction as the facts (and the consumer's inbox row). A replayed event therefore adds
nothing (old contribution == new contribution), and a late refund or cancellation moves exactly the
order's day. :func:`rebuild` recomputes the same rows from the facts with ``GROUP BY`` (the backfill
and the tests use it, in :mod:`.rollup_rebuild`; the tests prove both ways agree after random event sequences).

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
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ecovarejo.core.uow import UnitOfWork

from . import models

ORDER_MEASURES = (
    "orders", "gross_cents", "refunded_cents", "discount_cents", "loyalty_cents", "carbon_g", "avoided_g",
    "shipped_g", "eco_packaging", "green_delivery",
)  # fmt: skip
LINE_MEASURES = ("orders", "units", "revenue_cents", "certified_cents", "carbon_g", "baseline_g")
PAID_DIMS = ("all", "state", "payment_method", "channel", "promotion", "coupon")
FUNNEL = ("product_viewed", "added_to_cart", "checkout_started", "order_placed")
COHORT_MEASURES = ("buyers", "repeat_buyers")
NO_MONTH = date.min  # ``prev_month`` of a buyer's first active month

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


def buyer_month_contributions(months: Iterable[Mapping[str, Any]]) -> dict[Key, list[int]]:
    """``(month, previous active month of the buyer)`` → buyers, from customer-month rows."""
    by_user: dict[Any, list[date]] = defaultdict(list)
    for row in months:
        by_user[row["user_id"]].append(row["month"])
    out: dict[Key, list[int]] = {}
    for active in by_user.values():
        prev = NO_MONTH
        for m in sorted(active):
            merge(out, {(m, prev): [1]})
            prev = m
    return out


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
    monthly: dict[Key, list[int]] = {}
    for (day, category, sku, name), v in by_line.items():
        merge(monthly, {(month_of(day), category, sku, name): v})
    monthly = {k: v for k, v in monthly.items() if any(v)}
    moved = {k: v for k, v in (cohorts or {}).items() if any(v)}
    for model, names, measures, rows in (
        (models.DailyOrders, ("day", "dim", "key"), ORDER_MEASURES, daily),
        (models.DailyLines, ("day", "category", "sku", "name"), LINE_MEASURES, by_line),
        (models.MonthlyLines, ("month", "category", "sku", "name"), LINE_MEASURES, monthly),
        (models.Cohort, ("cohort", "month_offset"), COHORT_MEASURES, moved),
    ):
        await _upsert(uow, model, names, measures, rows)


async def _upsert(
    uow: UnitOfWork,
    model: Any,
    names: tuple[str, ...],
    measures: tuple[str, ...],
    rows: dict[Key, list[int]],
    tenant: Any = None,
) -> None:
    """Add signed vectors to one rollup table's rows, then drop the rows whose count fell to 0."""
    if not rows:
        return
    tenant = uow.tenant_id if tenant is None else tenant
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
    table = cast(Table, models.OrderFact.__table__)
    for i in range(0, len(ids), 500):
        q = select(table).where(table.c.tenant_id == uow.tenant_id, table.c.user_id.in_(ids[i : i + 500]), table.c.paid)
        out += [dict(r) for r in (await uow.session.execute(q)).mappings()]
    return out


async def move_customers(
    uow: UnitOfWork, before: list[dict[str, Any]], after: list[dict[str, Any]], daily: dict[Key, list[int]]
) -> dict[Key, list[int]]:
    """Rewrite the customer rows of the buyers of ``after`` (their paid orders now; ``before``: then), add the
    change of their new/returning contribution to ``daily`` and return the change of their cohort rows."""
    d_old, c_old, _, m_old = customer_contributions(before)
    d_new, c_new, customers, months = customer_contributions(after)
    merge(d_new, d_old, -1)
    merge(daily, d_new)
    merge(c_new, c_old, -1)
    gaps = buyer_month_contributions(months)
    merge(gaps, buyer_month_contributions(m_old), -1)
    gaps = {k: v for k, v in gaps.items() if any(v)}
    await _upsert(uow, models.BuyerMonth, ("month", "prev_month"), ("buyers",), gaps)
    users = sorted({o["user_id"] for o in (*before, *after)}, key=str)
    tenant = uow.tenant_id
    for model in (models.Customer, models.CustomerMonth):
        table = cast(Table, model.__table__)
        for i in range(0, len(users), 500):
            await uow.session.execute(
                delete(table).where(table.c.tenant_id == tenant, table.c.user_id.in_(users[i : i + 500]))
            )
    if customers:
        await uow.session.execute(
            insert(cast(Table, models.Customer.__table__)), [{**c, "tenant_id": tenant} for c in customers]
        )
    if months:
        await uow.session.execute(
            insert(cast(Table, models.CustomerMonth.__table__)), [{**m, "tenant_id": tenant} for m in months]
        )
    return c_new


async def lock_order(uow: UnitOfWork, order_id: Any) -> None:
    """Serialise rewrites of one order (PostgreSQL; SQLite has one writer): the old facts read next are the
    last committed ones, so two consumers rebuilding the same order never subtract the same rows twice."""
    if uow.db.is_postgres:
        await uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"analytics:{order_id}"})


async def order_and_buyer_facts(
    uow: UnitOfWork, order_id: Any, user_id: Any
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """One read: the order's current fact (None: none yet) and every paid order fact of its buyer."""
    table = cast(Table, models.OrderFact.__table__)
    q = select(table).where(
        table.c.tenant_id == uow.tenant_id,
        or_(table.c.order_id == order_id, and_(table.c.user_id == user_id, table.c.paid)),
    )
    rows = [dict(r) for r in (await uow.session.execute(q)).mappings()]
    order = next((r for r in rows if r["order_id"] == order_id), None)
    return order, [r for r in rows if r["paid"] and r["user_id"] == user_id]


async def old_lines(uow: UnitOfWork, order_id: Any) -> list[dict[str, Any]]:
    q = select(models.LineFact.__table__).where(models.LineFact.order_id == order_id)
    lines = (await uow.session.execute(q)).mappings()
    return [dict(ln) for ln in lines]


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
    table = cast(Table, models.VisitorDay.__table__)
    stmt = _insert(uow, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "day", "visitor"], set_={k: table.c[k] + stmt.excluded[k] for k in FUNNEL}
    )
    values = [
        {"tenant_id": t, "day": d, "visitor": v, **dict(zip(FUNNEL, n, strict=True))}
        for (t, d, v), n in sorted(rows.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2]))
    ]
    await uow.session.execute(stmt, values)
    for tenant in sorted({t for t, _d, _v in rows}, key=str):
        added: dict[tuple[date, str], list[int]] = {}
        for (t, d, v), n in rows.items():
            if t == tenant:
                merge(added, {(month_of(d), v): n})
        await add_visitor_months(uow, tenant, added)


def funnel_month_contributions(rows: Iterable[Mapping[str, Any]]) -> dict[Key, list[int]]:
    """``(step, month, previous month of the visitor with that step)`` → [visitors, events], from
    visitor-month rows."""
    by_visitor: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        by_visitor[r["visitor"]].append(r)
    out: dict[Key, list[int]] = {}
    for months in by_visitor.values():
        for step in FUNNEL:
            prev = NO_MONTH
            for r in sorted((r for r in months if int(r[step]) > 0), key=lambda r: r["month"]):
                merge(out, {(step, r["month"], prev): [1, int(r[step])]})
                prev = r["month"]
    return out


async def visitor_months_of(uow: UnitOfWork, tenant: Any, visitors: Iterable[str]) -> list[dict[str, Any]]:
    table = cast(Table, models.VisitorMonth.__table__)
    ids = sorted(set(visitors))
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), 500):
        q = select(table).where(table.c.tenant_id == tenant, table.c.visitor.in_(ids[i : i + 500]))
        out += [dict(r) for r in (await uow.session.execute(q)).mappings()]
    return out


async def add_visitor_months(uow: UnitOfWork, tenant: Any, added: dict[tuple[date, str], list[int]]) -> None:
    """Add funnel events per (month, visitor) to the visitor-month rows, and move the funnel-month rows by
    the difference of those visitors' contribution (read before, computed after)."""
    if not added:
        return
    before = await visitor_months_of(uow, tenant, {v for _m, v in added})
    after = {(r["month"], r["visitor"]): [int(r[k]) for k in FUNNEL] for r in before}
    for key, n in added.items():
        merge(after, {key: n})
    gaps = funnel_month_contributions(
        {"month": m, "visitor": v, **dict(zip(FUNNEL, n, strict=True))} for (m, v), n in after.items()
    )
    merge(gaps, funnel_month_contributions(before), -1)
    table = cast(Table, models.VisitorMonth.__table__)
    stmt = _insert(uow, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "month", "visitor"], set_={k: table.c[k] + stmt.excluded[k] for k in FUNNEL}
    )
    await uow.session.execute(
        stmt,
        [
            {"tenant_id": tenant, "month": m, "visitor": v, **dict(zip(FUNNEL, n, strict=True))}
            for (m, v), n in sorted(added.items())
        ],
    )
    await _upsert(
        uow, models.FunnelMonth, ("step", "month", "prev_month"), ("visitors", "events"),
        {k: v for k, v in gaps.items() if any(v)}, tenant=tenant,
    )  # fmt: skip


async def erase_visitor_months(uow: UnitOfWork, visitor: str) -> None:
    """Drop an erased visitor's visitor-month rows and their contribution to the funnel-month rows."""
    before = await visitor_months_of(uow, uow.tenant_id, [visitor])
    gaps: dict[Key, list[int]] = {}
    merge(gaps, funnel_month_contributions(before), -1)
    table = cast(Table, models.VisitorMonth.__table__)
    await uow.session.execute(delete(table).where(table.c.tenant_id == uow.tenant_id, table.c.visitor == visitor))
    await _upsert(uow, models.FunnelMonth, ("step", "month", "prev_month"), ("visitors", "events"), gaps)


async def add_searches(uow: UnitOfWork, events: Iterable[Mapping[str, Any]]) -> None:
    """Count new ``search_performed`` events (rows carry ``tenant_id``) into the daily and monthly search
    rollups."""
    daily: dict[tuple[Any, Any, str], list[int]] = {}
    monthly: dict[tuple[Any, Any, str], list[int]] = {}
    for e in events:
        if e.get("kind") != "search_performed" or e.get("query") is None:
            continue
        n = int(e.get("results") or 0)
        for rows, key in ((daily, e["day"]), (monthly, month_of(e["day"]))):
            row = rows.setdefault((e["tenant_id"], key, e["query"]), [0, 0, 0])
            row[0] += 1
            row[1] += 1 if n == 0 else 0
            row[2] = max(row[2], n)
    await _upsert_searches(uow, cast(Table, models.DailySearches.__table__), "day", daily)
    await _upsert_searches(uow, cast(Table, models.MonthlySearches.__table__), "month", monthly)


async def _upsert_searches(
    uow: UnitOfWork, table: Table, period: str, rows: dict[tuple[Any, Any, str], list[int]]
) -> None:
    if not rows:
        return
    stmt = _insert(uow, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", period, "query"],
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
        {"tenant_id": t, period: d, "query": q, "searches": s, "zero_results": z, "max_results": m}
        for (t, d, q), (s, z, m) in sorted(rows.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2]))
    ]
    await uow.session.execute(stmt, values)
