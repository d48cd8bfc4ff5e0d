"""The reports: each one a table (columns, rows) plus headline figures for the range and for the
previous period of the same length, computed by SQL aggregates over the facts (never in Python over
orders). Money is BRL (``Decimal``), carbon kg CO2e (``Decimal``), rates are fractions 0–1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo

GRAINS = ("day", "week", "month")
MAX_DAYS = 3 * 366
FUNNEL = ("product_viewed", "added_to_cart", "checkout_started", "order_placed")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass(frozen=True)
class Report:
    name: str
    period: Period
    previous: Period
    columns: list[str]
    rows: list[list[Any]]
    #: Headline figures of the range and of the previous period, by the same keys.
    summary: dict[str, Any] = field(default_factory=dict)
    summary_previous: dict[str, Any] = field(default_factory=dict)

    def change(self) -> dict[str, float | None]:
        """Relative change of each headline figure vs the previous period (None when it was 0)."""
        out: dict[str, float | None] = {}
        for key, now in self.summary.items():
            before = self.summary_previous.get(key)
            if isinstance(now, int | Decimal) and isinstance(before, int | Decimal):
                out[key] = None if before == 0 else float((Decimal(now) - Decimal(before)) / Decimal(before))
        return out


def period(start: date | None, end: date | None, today: date) -> Period:
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise InvalidInput("start is after end", code="invalid_range")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"a report spans at most {MAX_DAYS} days", code="range_too_long")
    return Period(start, end)


def brl(cents: Any) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


def kg(grams: Any) -> Decimal:
    return (Decimal(int(grams or 0)) / 1000).quantize(Decimal("0.001"))


def ratio(part: Any, whole: Any) -> Decimal:
    if not whole:
        return Decimal("0")
    return (Decimal(int(part or 0)) / Decimal(int(whole))).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def aov(gross_cents: Any, orders: Any) -> Decimal:
    if not orders:
        return Decimal("0.00")
    return (Decimal(int(gross_cents or 0)) / int(orders) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


async def _sales_summary(uow: UnitOfWork, p: Period) -> dict[str, Any]:
    t, customers = await repo.sales_totals(uow, p.start, p.end)
    return {
        "orders": int(t.orders),
        "revenue": brl(t.gross - t.refunded),
        "gross": brl(t.gross),
        "refunded": brl(t.refunded),
        "aov": aov(t.gross, t.orders),
        "customers": customers,
    }


# -- the reports -------------------------------------------------------------------------------
async def sales(uow: UnitOfWork, p: Period, grain: str = "day", **_: Any) -> Report:
    if grain not in GRAINS:
        raise InvalidInput(f"grain is one of {', '.join(GRAINS)}", code="invalid_grain")
    rows = [
        [
            r.period if isinstance(r.period, date) else date.fromisoformat(str(r.period)[:10]),
            int(r.orders),
            brl(r.gross),
            brl(r.refunded),
            brl(r.gross - r.refunded),
            aov(r.gross, r.orders),
            kg(r.carbon_g),
            kg(r.avoided_g),
        ]
        for r in await repo.sales_series(uow, p.start, p.end, grain)
    ]
    return Report(
        "sales",
        p,
        p.previous(),
        ["period", "orders", "gross", "refunded", "revenue", "aov", "co2e_kg", "co2e_avoided_kg"],
        rows,
        await _sales_summary(uow, p),
        await _sales_summary(uow, p.previous()),
    )


def _breakdown(name: str, fetch: Callable[[UnitOfWork, date, date], Awaitable[Any]]) -> ReportFn:
    async def report(uow: UnitOfWork, p: Period, **_: Any) -> Report:
        async def figures(q: Period) -> tuple[list[list[Any]], dict[str, Any]]:
            rows = sorted(await fetch(uow, q.start, q.end), key=lambda r: (-(r.gross - r.refunded), str(r.key)))
            total = sum(int(r.gross - r.refunded) for r in rows)
            out = [
                [
                    r.key,
                    int(r.orders),
                    brl(r.gross - r.refunded),
                    aov(r.gross, r.orders),
                    ratio(r.gross - r.refunded, total),
                ]
                for r in rows
            ]
            return out, {"orders": sum(int(r.orders) for r in rows), "revenue": brl(total)}

        rows, summary = await figures(p)
        prev_rows, prev_summary = await figures(p.previous())
        before = {r[0]: r[2] for r in prev_rows}
        for r in rows:
            r.append(before.get(r[0], Decimal("0.00")))
        return Report(
            name, p, p.previous(), ["key", "orders", "revenue", "aov", "share", "revenue_previous"], rows, summary,
            prev_summary,
        )  # fmt: skip

    return report


def _dimension(dim: str) -> Callable[[UnitOfWork, date, date], Awaitable[Any]]:
    async def fetch(uow: UnitOfWork, start: date, end: date) -> Any:
        return await repo.orders_by(uow, dim, start, end)

    return fetch


def _lines(dim: str) -> ReportFn:
    async def report(uow: UnitOfWork, p: Period, limit: int = 50, **_: Any) -> Report:
        async def figures(q: Period) -> list[Any]:
            return list(await repo.lines_by(uow, dim, q.start, q.end, limit))

        rows = await figures(p)
        prev = await figures(p.previous())
        total = sum(int(r.revenue) for r in rows)
        prev_total = sum(int(r.revenue) for r in prev)
        before = {tuple(r[: len(repo.LINE_DIMENSIONS[dim])]): r.revenue for r in prev}
        width = len(repo.LINE_DIMENSIONS[dim])
        out = [
            [
                *r[:width],
                int(r.units),
                int(r.orders),
                brl(r.revenue),
                ratio(r.revenue, total),
                kg(r.carbon_g),
                brl(before.get(tuple(r[:width]), 0)),
            ]
            for r in rows
        ]
        keys = ["key"] if width == 1 else ["sku", "name"]
        return Report(
            dim, p, p.previous(), [*keys, "units", "orders", "revenue", "share", "co2e_kg", "revenue_previous"], out,
            {"units": sum(int(r.units) for r in rows), "revenue": brl(total)},
            {"units": sum(int(r.units) for r in prev), "revenue": brl(prev_total)},
        )  # fmt: skip

    return report


async def _funnel_counts(uow: UnitOfWork, q: Period) -> dict[str, tuple[int, int]]:
    return {kind: (int(v), int(n)) for kind, v, n in await repo.behaviour_counts(uow, q.start, q.end)}


async def funnel(uow: UnitOfWork, p: Period, **_: Any) -> Report:
    now, before = await _funnel_counts(uow, p), await _funnel_counts(uow, p.previous())
    rows: list[list[Any]] = []
    first = now.get(FUNNEL[0], (0, 0))[0]
    prev_visitors = None
    for step in FUNNEL:
        visitors, events = now.get(step, (0, 0))
        rows.append(
            [
                step,
                visitors,
                events,
                ratio(visitors, prev_visitors) if prev_visitors is not None else Decimal("1"),
                ratio(visitors, first),
            ]
        )
        prev_visitors = visitors
    last = FUNNEL[-1]
    return Report(
        "funnel", p, p.previous(), ["step", "visitors", "events", "from_previous", "from_first"], rows,
        {"visitors": first, "converted": now.get(last, (0, 0))[0]},
        {"visitors": before.get(FUNNEL[0], (0, 0))[0], "converted": before.get(last, (0, 0))[0]},
    )  # fmt: skip


async def cohorts(uow: UnitOfWork, p: Period, horizon: int = 6, **_: Any) -> Report:
    """Buyers by month of first purchase; how many bought again in each following month."""

    async def figures(q: Period) -> tuple[list[list[Any]], dict[str, Any]]:
        rows: list[list[Any]] = []
        for cohort, buyers, repeat, *active in await repo.cohorts(uow, q.start, q.end, horizon):
            month = cohort if isinstance(cohort, date) else date.fromisoformat(str(cohort)[:10])
            rows.append([month, int(buyers), int(repeat), ratio(repeat, buyers), *(int(a) for a in active)])
        buyers_n = sum(int(r[1]) for r in rows)
        repeaters = sum(int(r[2]) for r in rows)
        return rows, {"buyers": buyers_n, "repeat_buyers": repeaters, "repeat_rate": ratio(repeaters, buyers_n)}

    rows, summary = await figures(p)
    prev = (await figures(p.previous()))[1]
    cols = ["cohort", "buyers", "repeat_buyers", "repeat_rate", *(f"month_{k}" for k in range(1, horizon + 1))]
    return Report("cohorts", p, p.previous(), cols, rows, summary, prev)


async def promotions(uow: UnitOfWork, p: Period, **_: Any) -> Report:
    """Orders with a coupon, with loyalty points, or neither: their count, value and what they cost."""

    async def figures(q: Period) -> tuple[list[list[Any]], dict[str, Any]]:
        rows = []
        for r in sorted(await repo.coupon_orders(uow, q.start, q.end), key=lambda r: str(r.key)):
            rows.append([r.key, int(r.orders), brl(r.gross), aov(r.gross, r.orders), brl(r.discount), brl(r.loyalty)])
        for codes, n, gross, discount in sorted(await repo.coupon_codes(uow, q.start, q.end), key=lambda r: str(r[0])):
            rows.append([f"coupon:{codes}", int(n), brl(gross), aov(gross, n), brl(discount), brl(0)])
        summary = {
            "discount": sum((r[4] for r in rows if not str(r[0]).startswith("coupon:")), Decimal("0.00")),
            "loyalty": sum((r[5] for r in rows), Decimal("0.00")),
            "orders_with_coupon": sum(r[1] for r in rows if r[0] == "coupon"),
        }
        return rows, summary

    rows, summary = await figures(p)
    prev = (await figures(p.previous()))[1]
    cols = ["key", "orders", "gross", "aov", "discount", "loyalty"]
    return Report("promotions", p, p.previous(), cols, rows, summary, prev)


async def stock(uow: UnitOfWork, p: Period, **_: Any) -> Report:
    """Units sold, sales rate, available stock, days of cover and turnover (units sold ÷ stock on hand)."""
    levels = await repo.stock_levels(uow)
    rows = []
    for sku, name, units in await repo.units_by_sku(uow, p.start, p.end):
        per_day = (Decimal(int(units)) / p.days).quantize(Decimal("0.01"))
        available = levels.get(sku)
        cover = (Decimal(available) / per_day).quantize(Decimal("0.1")) if available is not None and per_day else None
        turnover = ratio(units, available) if available else None
        rows.append([sku, name, int(units), per_day, available, cover, turnover])
    rows.sort(key=lambda r: (r[5] if r[5] is not None else Decimal("1e9"), r[0]))
    sold = sum(r[2] for r in rows)
    prev_sold = sum(int(u) for _s, _n, u in await repo.units_by_sku(uow, p.previous().start, p.previous().end))
    cols = ["sku", "name", "units", "units_per_day", "available", "days_of_cover", "turnover"]
    return Report("stock", p, p.previous(), cols, rows, {"units": sold}, {"units": prev_sold})


def _searches(zero_only: bool) -> ReportFn:
    async def report(uow: UnitOfWork, p: Period, limit: int = 50, **_: Any) -> Report:
        rows = [[q, int(n), int(r or 0)] for q, n, r in await repo.searches(uow, p.start, p.end, zero_only, limit)]
        prev = await repo.searches(uow, p.previous().start, p.previous().end, zero_only, limit)
        name = "zero_result_searches" if zero_only else "searches"
        return Report(
            name, p, p.previous(), ["query", "searches", "results"], rows,
            {"searches": sum(r[1] for r in rows)}, {"searches": sum(int(n) for _q, n, _r in prev)},
        )  # fmt: skip

    return report


async def _sustainability_summary(uow: UnitOfWork, q: Period) -> dict[str, Any]:
    lines, orders = await repo.sustainability(uow, q.start, q.end)
    return {
        "co2e_sold_kg": kg(lines.carbon_g),
        "co2e_logistics_kg": kg(orders.order_carbon_g - lines.carbon_g),
        "co2e_shipped_kg": kg(orders.shipped_g),
        "co2e_baseline_kg": kg(lines.baseline_g),
        "co2e_avoided_kg": kg(orders.avoided_g),
        "certified_revenue_share": ratio(lines.certified, lines.revenue),
        "eco_packaging_share": ratio(orders.eco_packaging, orders.orders),
        "green_delivery_share": ratio(orders.green_delivery, orders.orders),
    }


async def sustainability(uow: UnitOfWork, p: Period, **_: Any) -> Report:
    now, before = await _sustainability_summary(uow, p), await _sustainability_summary(uow, p.previous())
    rows = [[key, value, before[key]] for key, value in now.items()]
    return Report("sustainability", p, p.previous(), ["metric", "value", "previous"], rows, now, before)


async def status(uow: UnitOfWork, p: Period, **_: Any) -> Report:
    """Every order placed in the range (paid or not) by its current status."""

    async def figures(q: Period) -> tuple[list[list[Any]], dict[str, Any]]:
        rows = [[st, int(n), brl(total)] for st, n, total in await repo.orders_by_status(uow, q.start, q.end)]
        return rows, {"orders": sum(r[1] for r in rows)}

    rows, summary = await figures(p)
    prev = (await figures(p.previous()))[1]
    return Report("status", p, p.previous(), ["status", "orders", "total"], rows, summary, prev)


ReportFn = Callable[..., Awaitable[Report]]

REPORTS: dict[str, ReportFn] = {
    "sales": sales,
    "category": _lines("category"),
    "product": _lines("product"),
    "state": _breakdown("state", _dimension("state")),
    "payment_method": _breakdown("payment_method", _dimension("payment_method")),
    "channel": _breakdown("channel", _dimension("channel")),
    "customer_type": _breakdown("customer_type", repo.orders_by_customer_type),
    "status": status,
    "funnel": funnel,
    "cohorts": cohorts,
    "promotions": promotions,
    "stock": stock,
    "searches": _searches(False),
    "zero_result_searches": _searches(True),
    "sustainability": sustainability,
}


async def run(uow: UnitOfWork, name: str, p: Period, **options: Any) -> Report:
    fn = REPORTS.get(name)
    if fn is None:
        raise NotFound(f"no report {name!r}", code="report_not_found")
    return await fn(uow, p, **options)
