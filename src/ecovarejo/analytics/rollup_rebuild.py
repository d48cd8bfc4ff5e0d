"""Rebuilding the rollups from the facts (:mod:`.rollups` keeps them incrementally): the same rows
recomputed with ``GROUP BY`` — used by the backfill, by migrations that add a rollup, and by the tests that
prove both ways agree after random event sequences."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, case, delete, func, insert, literal, select

from ecovarejo.core.uow import UnitOfWork

from . import models
from .rollups import COHORT_MEASURES, FUNNEL, LINE_MEASURES, NO_MONTH, ORDER_MEASURES, month_of


# -- rebuild from the facts ------------------------------------------------------------------------
def _in(col: Any, start: date, end: date) -> Any:
    return and_(col >= start, col <= end)


def _order_selects() -> list[Any]:
    o = models.OrderFact
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
    for model in (models.DailyOrders, models.DailyLines, models.DailySearches):
        table = cast(Table, model.__table__)
        stmts.append(delete(table).where(*_where(table.c.tenant_id, table.c.day, tenant, start, end)))
    orders = cast(Table, models.DailyOrders.__table__)
    for q in _order_selects():
        q = q.where(*_where(models.OrderFact.tenant_id, models.OrderFact.day, tenant, start, end))
        stmts.append(insert(orders).from_select(["tenant_id", "day", "dim", "key", *ORDER_MEASURES], q))
    ln = models.LineFact
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
        stmts.append(insert(cast(Table, models.DailyLines.__table__)).from_select(cols, q))
    stmts.append(_searches_insert(tenant, start, end))
    return stmts


def month_start(col: Any, postgres: bool) -> Any:
    """The first day of the month of a date column, as a date (SQLite stores dates as ISO text)."""
    if postgres:
        return func.date_trunc("month", col).cast(models.OrderFact.day.type)
    return func.date(col, "start of month")


def month_index(col: Any, postgres: bool) -> Any:
    """Months since year 0 of a date column (so month differences are plain subtraction)."""
    if postgres:
        return (func.extract("year", col) * 12 + func.extract("month", col)).cast(Integer)
    return func.cast(func.strftime("%Y", col), Integer) * 12 + func.cast(func.strftime("%m", col), Integer)


def customer_statements(tenant: Any, postgres: bool) -> list[Any]:
    """Recompute every customer row, customer-month row and cohort row of a tenant (None: all) from the facts."""
    o, c, m = models.OrderFact, models.Customer, models.CustomerMonth
    stmts: list[Any] = [
        delete(cast(Table, model.__table__)).where(*_where(model.tenant_id, None, tenant, None, None))
        for model in (models.Customer, models.CustomerMonth, models.Cohort)
    ]
    paid = (o.paid, *_where(o.tenant_id, None, tenant, None, None))
    customers = (
        select(o.tenant_id, o.user_id, func.min(o.placed_at), func.min(o.day), func.count(), func.sum(o.total_cents),
               func.sum(o.refunded_cents))
        .where(*paid)
        .group_by(o.tenant_id, o.user_id)
    )  # fmt: skip
    cols = ["tenant_id", "user_id", "first_at", "first_day", "orders", "gross_cents", "refunded_cents"]
    stmts.append(insert(cast(Table, models.Customer.__table__)).from_select(cols, customers))
    month = month_start(o.day, postgres)
    months = (
        select(o.tenant_id, o.user_id, month, func.count(), func.sum(o.total_cents), func.sum(o.refunded_cents))
        .where(*paid)
        .group_by(o.tenant_id, o.user_id, month)
    )
    cols = ["tenant_id", "user_id", "month", "orders", "gross_cents", "refunded_cents"]
    stmts.append(insert(cast(Table, models.CustomerMonth.__table__)).from_select(cols, months))
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
        stmts.append(insert(cast(Table, models.Cohort.__table__)).from_select(["tenant_id", "cohort", "month_offset",
                                                                         *COHORT_MEASURES], q))  # fmt: skip
    return stmts


def funnel_month_statements(tenant: Any, postgres: bool) -> list[Any]:
    """Recompute the visitor-month rows (from the behaviour events) and the funnel-month rows (from those,
    per step: each month with the step and the visitor's previous one, window ``lag``) of a tenant (None: all)."""
    vm, fm = cast(Table, models.VisitorMonth.__table__), cast(Table, models.FunnelMonth.__table__)
    b = models.BehaviourEvent
    stmts: list[Any] = [delete(t).where(*_where(t.c.tenant_id, None, tenant, None, None)) for t in (vm, fm)]
    month = month_start(b.day, postgres)
    q = (
        select(b.tenant_id, month, b.visitor, *(func.sum(case((b.kind == k, 1), else_=0)) for k in FUNNEL))
        .where(b.kind.in_(FUNNEL), *_where(b.tenant_id, None, tenant, None, None))
        .group_by(b.tenant_id, month, b.visitor)
    )
    stmts.append(insert(vm).from_select(["tenant_id", "month", "visitor", *FUNNEL], q))
    for k in FUNNEL:
        prev = func.lag(vm.c.month).over(partition_by=(vm.c.tenant_id, vm.c.visitor), order_by=vm.c.month)
        steps = (
            select(vm.c.tenant_id, vm.c.month, func.coalesce(prev, literal(NO_MONTH, vm.c.month.type)).label("prev"),
                   vm.c[k].label("n"))
            .where(vm.c[k] > 0, *_where(vm.c.tenant_id, None, tenant, None, None))
            .subquery()
        )  # fmt: skip
        q = select(steps.c.tenant_id, literal(k), steps.c.month, steps.c.prev, func.count(), func.sum(steps.c.n))
        q = q.group_by(steps.c.tenant_id, steps.c.month, steps.c.prev)
        stmts.append(insert(fm).from_select(["tenant_id", "step", "month", "prev_month", "visitors", "events"], q))
    return stmts


def buyer_month_statements(tenant: Any) -> list[Any]:
    """Recompute the buyer-month rows of a tenant (None: all) from its customer-month rows."""
    table = cast(Table, models.BuyerMonth.__table__)
    return [delete(table).where(*_where(table.c.tenant_id, None, tenant, None, None)), buyer_months_insert(tenant)]


def buyer_months_insert(tenant: Any) -> Any:
    """The buyer-month rows (month, the buyer's previous active month) from the customer-month rows."""
    m = models.CustomerMonth
    prev = func.lag(m.month).over(partition_by=(m.tenant_id, m.user_id), order_by=m.month)
    gaps = (
        select(m.tenant_id, m.month, func.coalesce(prev, literal(NO_MONTH, m.month.type)).label("prev_month"))
        .where(*_where(m.tenant_id, None, tenant, None, None))
        .subquery()
    )
    q = select(gaps.c.tenant_id, gaps.c.month, gaps.c.prev_month, func.count()).group_by(
        gaps.c.tenant_id, gaps.c.month, gaps.c.prev_month
    )
    cols = ["tenant_id", "month", "prev_month", "buyers"]
    return insert(cast(Table, models.BuyerMonth.__table__)).from_select(cols, q)


def _customer_type_insert(tenant: Any, start: date | None, end: date | None) -> Any:
    """The new/returning rows of the daily order rollup, from the facts and the customer rows."""
    o, c = models.OrderFact, models.Customer
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
    return insert(cast(Table, models.DailyOrders.__table__)).from_select(
        ["tenant_id", "day", "dim", "key", *ORDER_MEASURES], q
    )


def _monthly_lines(tenant: Any, start: date | None, end: date | None, postgres: bool) -> list[Any]:
    """The monthly product rows of the months ``start``..``end`` touch (whole months), from the line facts."""
    if start is not None and end is not None:
        start = month_of(start)
        end = (month_of(end) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    table = cast(Table, models.MonthlyLines.__table__)
    ln = models.LineFact
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
    table = cast(Table, models.VisitorDay.__table__)
    b = models.BehaviourEvent
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
    tenant: Any,
    start: date | None,
    end: date | None,
    *,
    postgres: bool,
    customers: bool = True,
    buyer_months: bool = True,
    monthly_searches: bool = True,
) -> list[Any]:
    """The SQL that recomputes every rollup of one tenant (None: every tenant) from the facts: the customer
    rows, cohorts and buyer-months (``customers``: whole history only; ``buyer_months``: False before the
    migration that adds them), then the daily order rows (new/returning from the customer rows), daily lines
    and searches, monthly product rows and visitor-days of the range (None: all)."""
    stmts = customer_statements(tenant, postgres) if customers else []
    if customers and buyer_months:
        stmts += buyer_month_statements(tenant) + funnel_month_statements(tenant, postgres)
    stmts += daily_rebuild_statements(tenant, start, end)
    stmts.append(_customer_type_insert(tenant, start, end))
    stmts += _monthly_lines(tenant, start, end, postgres)
    stmts += _visitor_days(tenant, start, end)
    if monthly_searches:  # False before the migration that adds them (analytics_0007)
        stmts += monthly_search_statements(tenant, start, end, postgres=postgres)
    return stmts


def _searches_select(tenant: Any, start: date | None, end: date | None, period: Any) -> Any:
    b = models.BehaviourEvent
    return (
        select(
            b.tenant_id, period, b.query, func.count(), func.sum(case((func.coalesce(b.results, 0) == 0, 1), else_=0)),
            func.max(func.coalesce(b.results, 0)),
        )
        .where(b.kind == "search_performed", b.query.is_not(None), *_where(b.tenant_id, b.day, tenant, start, end))
        .group_by(b.tenant_id, period, b.query)
    )  # fmt: skip


def _searches_insert(tenant: Any, start: date | None, end: date | None) -> Any:
    cols = ["tenant_id", "day", "query", "searches", "zero_results", "max_results"]
    q = _searches_select(tenant, start, end, models.BehaviourEvent.day)
    return insert(cast(Table, models.DailySearches.__table__)).from_select(cols, q)


def monthly_search_statements(tenant: Any, start: date | None, end: date | None, *, postgres: bool) -> list[Any]:
    """The monthly search rows of the months ``start``..``end`` touch (whole months; None: all), recomputed
    from the behaviour events (migration ``analytics_0007``, the backfill, an erasure's months)."""
    if start is not None and end is not None:
        start = month_of(start)
        end = (month_of(end) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    table = cast(Table, models.MonthlySearches.__table__)
    cols = ["tenant_id", "month", "query", "searches", "zero_results", "max_results"]
    q = _searches_select(tenant, start, end, month_start(models.BehaviourEvent.day, postgres))
    return [
        delete(table).where(*_where(table.c.tenant_id, table.c.month, tenant, start, end)),
        insert(table).from_select(cols, q),
    ]


async def rebuild(
    uow: UnitOfWork, start: date | None = None, end: date | None = None, *, customers: bool | None = None
) -> None:
    """Recompute the tenant's rollup rows of ``start``..``end`` (all days by default) from the facts, and the
    customer rows and cohorts (by default when the whole history is rebuilt); idempotent."""
    with_customers = (start is None) if customers is None else customers
    for stmt in rebuild_statements(uow.tenant_id, start, end, postgres=uow.db.is_postgres, customers=with_customers):
        await uow.session.execute(stmt)


async def rebuild_customers(uow: UnitOfWork) -> None:
    """Recompute the tenant's customer rows, customer-months, cohorts and buyer-months from the facts, and
    its visitor-months and funnel-months from the behaviour events (whole history)."""
    for stmt in (
        customer_statements(uow.tenant_id, uow.db.is_postgres)
        + buyer_month_statements(uow.tenant_id)
        + funnel_month_statements(uow.tenant_id, uow.db.is_postgres)
    ):
        await uow.session.execute(stmt)


async def rebuild_search_days(uow: UnitOfWork, days: Iterable[date]) -> None:
    """Recompute the search rollups of some days and of their months (after a visitor's events were erased)."""
    table = cast(Table, models.DailySearches.__table__)
    for d in sorted(set(days)):
        await uow.session.execute(delete(table).where(table.c.tenant_id == uow.tenant_id, table.c.day == d))
        await uow.session.execute(_searches_insert(uow.tenant_id, d, d))
    for m in sorted({month_of(d) for d in days}):
        for stmt in monthly_search_statements(uow.tenant_id, m, m, postgres=uow.db.is_postgres):
            await uow.session.execute(stmt)


async def snapshot(uow: UnitOfWork) -> dict[str, set[tuple[Any, ...]]]:
    """Every rollup row of the tenant (tests compare the incremental rows with a rebuild)."""
    out: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for model in (
        models.DailyOrders,
        models.DailyLines,
        models.DailySearches,
        models.MonthlySearches,
        models.MonthlyLines,
        models.Customer,
        models.CustomerMonth,
        models.Cohort,
        models.BuyerMonth,
        models.VisitorDay,
        models.VisitorMonth,
        models.FunnelMonth,
    ):
        table = cast(Table, model.__table__)
        cols = [c for c in table.c if c.name != "tenant_id"]
        for row in (await uow.session.execute(select(*cols).where(table.c.tenant_id == uow.tenant_id))).all():
            out[table.name].add(tuple(row))
    return dict(out)
