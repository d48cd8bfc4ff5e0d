"""The rollups kept by every fact write (daily and monthly, customers, customer-months, cohorts, funnel
visitor-days) equal a recomputation from the facts, after a random sequence of order events with
duplicates, late payments, refunds, cancellations, bulk history, behaviour events and erasures."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, literal

from ecovarejo.analytics import repository as repo
from ecovarejo.analytics import rollup_rebuild
from ecovarejo.core.db import new_id
from tests.support import make_tenant

from .facts import line, order

DAYS = [date(2026, 4, 28) + timedelta(days=9 * n) for n in range(10)]  # four months: cohorts, monthly rows
BUYERS = [new_id() for _ in range(4)]


def _random_order(rng: random.Random, oid=None, day=None, user=None):
    status = rng.choice(["pending", "paid", "paid", "shipped", "delivered", "cancelled", "partially_refunded"])
    paid = status not in ("pending", "cancelled")
    total = rng.randrange(1000, 50000)
    o = order(
        user or rng.choice(BUYERS), day or rng.choice(DAYS), total, status=status, paid=paid,
        refunded_cents=rng.choice([0, 0, total // 3, total]) if paid else 0, state=rng.choice(["SP", "RJ", "MG"]),
        payment_method=rng.choice(["card", "pix", "boleto"]), channel=rng.choice(["b2c", "b2b"]),
        coupons=rng.choice(["", "", "ECO10", "ECO10,FRETE"]), loyalty_cents=rng.choice([0, 0, 300]),
        discount_cents=rng.choice([0, 500]), carbon_g=rng.randrange(0, 9000), avoided_g=rng.randrange(0, 3000),
        eco_packaging=rng.random() < 0.3, green_delivery=rng.random() < 0.2, shipped=rng.random() < 0.5,
    )  # fmt: skip
    if oid is not None:
        o["order_id"] = oid
    lines = [
        line(
            o,
            sku,
            cat,
            rng.randrange(1, 4),
            rng.randrange(500, 9000),
            rng.randrange(0, 3000),
            rng.randrange(0, 5000),
            sku == "TEE",
        )
        for sku, cat in rng.sample(
            [("TEE", "Camisetas"), ("CUP", "Cozinha"), ("MUG", "Cozinha"), ("BAG", "Bolsas")], rng.randrange(1, 4)
        )
    ]
    if rng.random() < 0.2:  # the same sku twice in one order: still one order in the product's row
        lines.append({**lines[0], "quantity": 1})
    return o, lines


async def test_incremental_rollups_equal_a_rebuild_from_the_facts(container) -> None:
    rng = random.Random(20261202)
    tid = await make_tenant(container)
    known: dict = {}  # order id -> (day, user): an order keeps its day and buyer
    for _step in range(100):
        async with container.uow(tid, actor="test") as uow:
            roll = rng.random()
            if roll < 0.1:  # a page of history written in bulk
                batch = [_random_order(rng) for _ in range(rng.randrange(1, 6))]
                for o, _lines in batch:
                    known[o["order_id"]] = (o["day"], o["user_id"])
                await repo.bulk_insert(
                    uow,
                    [{**o, "tenant_id": tid} for o, _ in batch],
                    [{**ln, "tenant_id": tid} for _, lines in batch for ln in lines],
                )
            elif roll < 0.2 and known:  # a visitor's searches, and now and then an erasure
                visitor = rng.choice(["v1", "v2", "v3"])
                at = datetime(2026, 5, 2, 12, tzinfo=UTC)
                await repo.insert_behaviour(uow, [
                    {"id": new_id(), "at": at, "day": rng.choice(DAYS), "tenant_id": tid, "kind": "search_performed",
                     "visitor": visitor, "query": rng.choice(["camiseta", "xyz"]), "results": rng.choice([0, 3, 7])}
                    for _ in range(rng.randrange(1, 4))
                ] + [
                    {"id": new_id(), "at": at, "day": rng.choice(DAYS), "tenant_id": tid, "visitor": visitor,
                     "kind": rng.choice(["product_viewed", "added_to_cart", "checkout_started", "order_placed"])}
                    for _ in range(rng.randrange(0, 5))
                ])  # fmt: skip
                if rng.random() < 0.3:
                    await repo.erase_visitor(uow, visitor)
            else:
                # an event about a known order (a duplicate, a refund, a cancellation...) or a new one
                oid = rng.choice(list(known)) if known and rng.random() < 0.6 else new_id()
                day, user = known.get(oid, (None, None))
                o, lines = _random_order(rng, oid, day, user)
                known[oid] = (o["day"], o["user_id"])
                await repo.replace_order(uow, o, lines)
                if rng.random() < 0.3:  # redelivered: the same facts again
                    await repo.replace_order(uow, o, lines)
            await uow.commit()
    async with container.uow(tid, actor="test") as uow:
        incremental = await rollup_rebuild.snapshot(uow)
        await rollup_rebuild.rebuild(uow)
        rebuilt = await rollup_rebuild.snapshot(uow)
        await uow.commit()
    assert set(incremental) == {
        "analytics_daily_orders", "analytics_daily_lines", "analytics_daily_searches", "analytics_monthly_searches",
        "analytics_monthly_lines",
        "analytics_customers", "analytics_customer_months", "analytics_cohorts", "analytics_buyer_months",
        "analytics_visitor_days", "analytics_visitor_months", "analytics_funnel_months",
    }  # fmt: skip
    for table in rebuilt:
        assert incremental[table] == rebuilt[table], table
    assert len(rebuilt["analytics_daily_orders"]) > 50 and len(rebuilt["analytics_daily_lines"]) > 20
    assert {k for _d, dim, k, *_ in rebuilt["analytics_daily_orders"] if dim == "customer_type"} == {"new", "returning"}
    assert {row[1] for row in rebuilt["analytics_cohorts"]} >= {0, 1, 2}  # buyers back one and two months later
    assert {prev for _m, prev, _n in rebuilt["analytics_buyer_months"]} - {date.min}  # a buyer active again later
    assert {row[2] for row in rebuilt["analytics_funnel_months"]} - {date.min}  # a visitor back a month later


async def test_search_reports_from_the_monthly_rollup_equal_the_events(container) -> None:
    """The search reports read monthly rows for a range's whole months and daily rows at its edges (#17): the
    same answer as grouping the behaviour events of the range, aligned on months or not, after an erasure."""
    from sqlalchemy import func, select

    from ecovarejo.analytics import public
    from ecovarejo.analytics.models import BehaviourEvent as B

    rng = random.Random(17)
    tid = await make_tenant(container)
    start = date(2026, 1, 1)
    at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    rows = [
        {"id": new_id(), "at": at, "day": start + timedelta(days=rng.randrange(120)), "tenant_id": tid,
         "kind": "search_performed", "visitor": rng.choice(["v1", "v2", "v3", "v4"]),
         "query": rng.choice(["camiseta", "caneca", "xyz", "bambu", "=1+1"]), "results": rng.choice([0, 0, 2, 5, 9])}
        for _ in range(400)
    ]  # fmt: skip
    async with container.uow(tid, actor="test") as uow:
        for i in range(0, len(rows), 100):
            await repo.insert_behaviour(uow, rows[i : i + 100])
        await repo.erase_visitor(uow, "v4")
        await uow.commit()

    async def by_events(a: date, b: date, zero: bool) -> list[list]:
        n = func.sum(case((func.coalesce(B.results, 0) == 0, 1), else_=0)) if zero else func.count()
        q = (
            select(B.query, n, literal(0) if zero else func.max(B.results))
            .where(B.tenant_id == tid, B.kind == "search_performed", B.day >= a, B.day <= b)
            .group_by(B.query)
            .having(n > 0)
            .order_by(n.desc(), B.query)
        )
        async with container.uow(tid, read_only=True) as uow:
            return [list(r) for r in (await uow.session.execute(q)).all()]

    ranges = [(date(2026, 1, 1), date(2026, 4, 30)), (date(2026, 1, 10), date(2026, 3, 20)),
              (date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 2, 5), date(2026, 2, 20)),
              (date(2026, 1, 31), date(2026, 3, 1))]  # fmt: skip
    for a, b in ranges:
        async with container.uow(tid, read_only=True) as uow:
            top = await public.report(uow, "searches", public.Period(a, b), limit=100)
            zero = await public.report(uow, "zero_result_searches", public.Period(a, b), limit=100)
        expected = await by_events(a, b, False)
        assert [[r[0], r[1], r[2]] for r in top.rows] == expected, (a, b)
        assert [[r[0], r[1]] for r in zero.rows] == [[q, n] for q, n, _ in await by_events(a, b, True)], (a, b)
        assert expected  # something to compare
    async with container.uow(tid, actor="test") as uow:
        incremental = await rollup_rebuild.snapshot(uow)
        await rollup_rebuild.rebuild(uow)
        assert await rollup_rebuild.snapshot(uow) == incremental
        assert len(incremental["analytics_monthly_searches"]) >= 16  # 4 months x 4+ queries
