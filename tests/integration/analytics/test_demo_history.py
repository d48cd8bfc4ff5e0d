"""The demo's year of history: realistic shapes (peaks, returning and B2B buyers, refunds, searches),
visible to the orders context and to the reports, written once."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ecovarejo.analytics import demo, ingest, public
from ecovarejo.analytics.models import OrderFact
from ecovarejo.orders import service as orders
from tests.support import make_tenant

END = date(2026, 11, 30)


def _catalog(n: int = 60) -> list[demo.Product]:
    cats = [("Camisetas", ["vestuario", "camisetas"]), ("Cozinha", ["casa-e-decoracao", "cozinha"]),
            ("Pet", ["pet"])]  # fmt: skip
    return [
        demo.Product(uuid.uuid5(uuid.NAMESPACE_URL, f"p{i}"), f"SKU-{i}", f"Produto Verde {i}",
                     Decimal(20 + i), *cats[i % 3], i % 2 == 0, Decimal("1.5"), Decimal("7.5"), 1.0 / (1 + i))
        for i in range(n)
    ]  # fmt: skip


def test_generator_shapes_a_realistic_year() -> None:
    h = demo.generate(_catalog(), END, seed=7)
    assert (h.start, h.end) == (END - timedelta(days=364), END)
    by_day = Counter(o.at.date() for o in h.orders)
    bf = demo.black_friday(2026)  # 27/11/2026
    assert bf == date(2026, 11, 27)
    ordinary = sorted(by_day.values())[len(by_day) // 2]
    assert by_day[bf] > 3 * ordinary  # the Black Friday peak
    dec = sum(v for d, v in by_day.items() if d.month == 12 and d.day <= 23)
    jan = sum(v for d, v in by_day.items() if d.month == 1 and d.day <= 23)
    assert dec > 1.4 * jan  # the Christmas run-up
    buyers = Counter(o.customer.user_id for o in h.orders)
    assert sum(1 for n in buyers.values() if n > 1) > len(buyers) // 4  # returning customers
    assert any(o.customer.b2b for o in h.orders) and any(o.status == "refunded" for o in h.orders)
    pairs = Counter(p for o in h.orders for p in o.marks.get("co_purchase", []))
    assert pairs and pairs.most_common(1)[0][1] >= 10  # the planted co-purchases
    again = demo.generate(_catalog(), END, seed=7)
    assert [(o.at, o.customer.user_id) for o in again.orders] == [(o.at, o.customer.user_id) for o in h.orders]


async def test_history_written_to_orders_facts_and_behaviour(container) -> None:
    tid = await make_tenant(container)
    h = demo.generate(_catalog(), END, seed=3, days=120, daily_orders=6)
    async with container.uow(tid, actor="test") as uow:
        n = await demo.write(uow, h)
        await uow.commit()
    assert n == len(h.orders) > 300
    async with container.uow(tid, read_only=True) as uow:
        page = await orders.list_orders(uow, limit=5)
        span = public.Period(h.start, h.end)
        sales = await public.report(uow, "sales", span, grain="month")
        funnel = await public.report(uow, "funnel", span)
        zero = await public.report(uow, "zero_result_searches", span)
        sus = await public.report(uow, "sustainability", span)
        channel = await public.report(uow, "channel", span)
    assert len(page["items"]) == 5 and page["items"][0]["items"]  # the orders context lists them, with lines
    paid = [o for o in h.orders if o.status != "cancelled"]
    assert sales.summary["orders"] == len(paid)
    assert len(sales.rows) >= 4  # one row per month
    assert [r[0] for r in funnel.rows] == [
        "product_viewed",
        "added_to_cart",
        "checkout_started",
        "order_placed",
    ] and funnel.rows[0][1] > funnel.rows[-1][1] > 0
    assert zero.rows and all(r[2] == 0 for r in zero.rows)
    assert sus.summary["co2e_avoided_kg"] > 0
    assert {r[0] for r in channel.rows} == {"b2b", "b2c"}

    # the history's buyers and payments are real rows of the users and payments contexts: rebuilding an
    # order's facts from the orders context (what the consumers and the backfill do) reads the channel and
    # payment method the history was generated with (a sample: a full backfill is the same code per order)
    paid_orders = [o for o in h.orders if o.status != "cancelled"]
    sample = [o for o in paid_orders if o.customer.b2b][:10] + [o for o in paid_orders if not o.customer.b2b][:10]
    async with container.uow(tid, actor="test") as uow:
        for o in sample:
            assert await ingest.ingest_order(uow, o.id)
        await uow.commit()
    async with container.uow(tid, read_only=True) as uow:
        rows = (await uow.session.execute(
            select(OrderFact.order_id, OrderFact.channel, OrderFact.payment_method)
            .where(OrderFact.order_id.in_([o.id for o in sample]))
        )).all()  # fmt: skip
        detail = await orders.order_detail(uow, sample[0].id)
    rebuilt = {r[0]: (r[1], r[2]) for r in rows}
    assert rebuilt == {o.id: ("b2b" if o.customer.b2b else "b2c", o.method) for o in sample}
    assert detail["payments"][0]["method"] == sample[0].method and detail["payments"][0]["status"] != "voided"
