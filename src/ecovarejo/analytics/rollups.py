"""Daily rollups of the facts, kept incrementally by every fact write and rebuildable from the facts.

Every write of an order's facts goes through :func:`apply`: the rollup rows the order contributed
before (read from its old facts) are subtracted and the ones it contributes now are added, in the
same transaction as the facts (and the consumer's inbox row). A replayed event therefore adds
nothing (old contribution == new contribution), and a late refund or cancellation moves exactly the
order's day. :func:`rebuild` recomputes the same rows from the facts with ``GROUP BY`` (the backfill
and the tests use it; the tests prove both ways agree after random event sequences).

Searches are rolled up per day and query as behaviour events arrive; erasing a visitor recomputes
the days it touched. The funnel (distinct visitors), new vs returning customers, distinct customers
and cohorts need per-visitor or per-customer detail and read the facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, func, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ecovarejo.core.uow import UnitOfWork

from .models import BehaviourEvent, DailyLines, DailyOrders, DailySearches, LineFact, OrderFact

ORDER_MEASURES = (
    "orders", "gross_cents", "refunded_cents", "discount_cents", "loyalty_cents", "carbon_g", "avoided_g",
    "shipped_g", "eco_packaging", "green_delivery",
)  # fmt: skip
LINE_MEASURES = ("orders", "units", "revenue_cents", "certified_cents", "carbon_g", "baseline_g")
PAID_DIMS = ("all", "state", "payment_method", "channel", "promotion", "coupon")

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
        vector = [
            1, int(order["total_cents"]), int(order["refunded_cents"]), int(order["discount_cents"]),
            int(order["loyalty_cents"]), int(order["carbon_g"]), int(order["avoided_g"]),
            int(order["carbon_g"]) if order["shipped"] else 0, int(bool(order["eco_packaging"])),
            int(bool(order["green_delivery"])),
        ]  # fmt: skip
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


async def add(uow: UnitOfWork, daily: dict[Key, list[int]], by_line: dict[Key, list[int]]) -> None:
    """Add signed vectors to the rollup rows (upsert), then drop the rows no order contributes to any more."""
    tenant = uow.tenant_id
    for model, names, measures, rows in (
        (DailyOrders, ("day", "dim", "key"), ORDER_MEASURES, daily),
        (DailyLines, ("day", "category", "sku", "name"), LINE_MEASURES, by_line),
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
        days = sorted({k[0] for k in rows})
        await uow.session.execute(
            delete(table).where(table.c.tenant_id == tenant, table.c.day.in_(days), table.c.orders <= 0)
        )


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


# -- searches ------------------------------------------------------------------------------------
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
    if start is not None and end is not None:
        out.append(_in(col_day, start, end))
    return out


def rebuild_statements(tenant: Any, start: date | None, end: date | None) -> list[Any]:
    """The SQL that recomputes the rollup rows of one tenant (None: every tenant) and range (None: all days)
    from the facts: delete them, then ``INSERT … SELECT … GROUP BY`` (the backfill and the migration run it)."""
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


async def rebuild(uow: UnitOfWork, start: date | None = None, end: date | None = None) -> None:
    """Recompute the tenant's rollup rows of ``start``..``end`` (all days by default) from the facts; idempotent."""
    for stmt in rebuild_statements(uow.tenant_id, start, end):
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
    for model in (DailyOrders, DailyLines, DailySearches):
        table = cast(Table, model.__table__)
        cols = [c for c in table.c if c.name != "tenant_id"]
        for row in (await uow.session.execute(select(*cols).where(table.c.tenant_id == uow.tenant_id))).all():
            out[table.name].add(tuple(row))
    return dict(out)
