"""Facts from real checkouts: the consumers keep them within moments of each order event, a redelivered
event changes nothing, and the backfill rebuilds them (resumably) from the orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ecovarejo.analytics import public
from ecovarejo.analytics.backfill import backfill
from ecovarejo.analytics.events import on_order_event
from ecovarejo.core.consumers import Consumer, Outcome, deliver
from ecovarejo.core.events import Event
from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import eventually, make_tenant


async def _sales(container, tenant_id):
    async with container.uow(tenant_id, read_only=True) as uow:
        return await public.report(uow, "sales", public.period())


async def test_checkout_reaches_the_reports_and_redelivery_is_a_no_op(container, client) -> None:
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00", carbon_footprint_kg=Decimal("2.50"), certified=True)
    await shop.stock("TEE", 10)
    _, h = shop.customer()
    r = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": "TEE", "quantity": 2}]),
                          headers={**h, "Idempotency-Key": "a1"})  # fmt: skip
    assert r.status_code == 201, r.text
    order = r.json()

    async def counted() -> bool:
        return (await _sales(container, shop.tenant_id)).summary["orders"] == 1

    await eventually(counted)
    report = await _sales(container, shop.tenant_id)
    assert report.summary["gross"] == Decimal(order["total_amount"])
    async with container.uow(shop.tenant_id, read_only=True) as uow:
        sus = await public.report(uow, "sustainability", public.period())
        state = await public.report(uow, "payment_method", public.period())
    assert sus.summary["co2e_sold_kg"] == Decimal("5.000") and sus.summary["certified_revenue_share"] == 1
    assert state.rows[0][0] == "card"

    # the same event delivered again (at-least-once) is skipped by the inbox; run twice by hand, same rows
    event = Event("order-events", "order.paid", {"order_id": order["id"]}, shop.tenant_id)
    consumer = Consumer("analytics.orders", ("order-events",), on_order_event)
    assert await deliver(container.db, consumer, event, attempt=1, max_attempts=1) == Outcome.DONE
    assert await deliver(container.db, consumer, event, attempt=1, max_attempts=1) == Outcome.DUPLICATE
    again = await _sales(container, shop.tenant_id)
    assert again.summary == report.summary

    # a refund reaches the facts too
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "x"}, headers=h)
    assert r.status_code == 200

    async def cancelled() -> bool:
        return (await _sales(container, shop.tenant_id)).summary["orders"] == 0

    await eventually(cancelled)


async def test_backfill_rebuilds_and_resumes(container, client) -> None:
    shop = await open_shop(container)
    shop.catalog.put("MUG", "30.00")
    await shop.stock("MUG", 50)
    _, h = shop.customer()
    for n in range(5):
        r = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": "MUG", "quantity": 1}]),
                              headers={**h, "Idempotency-Key": f"b{n}"})  # fmt: skip
        assert r.status_code == 201
    await container.stop()  # no consumers from here on: only the backfill writes facts
    async with container.uow(shop.tenant_id) as uow:
        from ecovarejo.analytics import repository as repo

        await repo.clear_facts(uow)
        await uow.commit()
    assert (await _sales(container, shop.tenant_id)).summary["orders"] == 0
    # stopped after the first page of 2: resumes from the checkpoint, not from the start
    assert await backfill(container, shop.tenant_id, page=2, stop_after_pages=1) == 2
    seen: list[int] = []
    assert await backfill(container, shop.tenant_id, page=2, progress=seen.append) == 3
    assert seen == [2, 3]
    assert (await _sales(container, shop.tenant_id)).summary["orders"] == 5
    # once more from the start: the same facts, not doubled
    assert await backfill(container, shop.tenant_id, page=2, restart=True) == 5
    assert (await _sales(container, shop.tenant_id)).summary["orders"] == 5
    # a rollup that lost its rows (a hand edit) is rebuilt from the facts by the backfill's second pass
    async with container.uow(shop.tenant_id) as uow:
        for model in (repo.DailyOrders, repo.Customer, repo.CustomerMonth, repo.Cohort):
            await uow.session.execute(repo.delete(model))
        await uow.commit()
    assert (await _sales(container, shop.tenant_id)).summary["orders"] == 0
    months: list[str] = []
    assert await backfill(container, shop.tenant_id, page=50, restart=True, rollup_progress=months.append) == 5
    assert months == ["customers", public.shop_today().strftime("%Y-%m")]  # the customer rows, then each month
    sales = await _sales(container, shop.tenant_id)
    assert sales.summary["orders"] == 5 and sales.summary["customers"] == 1
    async with container.uow(shop.tenant_id, read_only=True) as uow:
        today = public.shop_today()
        kinds = await public.report(uow, "customer_type", public.Period(today - timedelta(days=29), today))
        cohorts = await public.report(uow, "cohorts", public.Period(today - timedelta(days=29), today))
    assert {(r[0], r[1]) for r in kinds.rows} == {("new", 1), ("returning", 4)}  # one buyer, five orders
    assert cohorts.summary == {"buyers": 1, "repeat_buyers": 1, "repeat_rate": Decimal("1.0000")}


async def test_co2e_saved_gauge_comes_from_the_facts(container) -> None:
    from ecovarejo.core.uow import UnitOfWork

    from .facts import plant

    tid = await make_tenant(container)
    await plant(container, tid)
    async with UnitOfWork(container.db, None, read_only=True) as uow:
        metrics = await public.business_metrics(uow)
    assert metrics[str(tid)] == {"co2e_saved_kg": 2.5}  # 2 + 0.5 kg avoided by the paid orders


async def test_green_delivery_from_the_chosen_shipping_service(container) -> None:
    from ecovarejo.analytics.ingest import CategoryIndex, build_facts

    tid = await make_tenant(container)
    order = {
        "id": "0193f1c4-0000-7000-8000-000000000001", "order_number": "EV-1", "user_id":
        "0193f1c4-0000-7000-8000-000000000002", "status": "shipped", "created_at": "2026-03-02T15:00:00+00:00",
        "items": [], "payments": [{"method": "pix"}], "subtotal": "10.00", "discount_amount": "0",
        "loyalty_discount": "0", "shipping_cost": "5.00", "total_amount": "15.00", "refunded_amount": "0",
        "carbon_footprint": "0.40", "eco_packaging": True, "carrier": "Transportadora",
        "shipping_address": {"state": "rj"},
        "shipping_option": {"service": "green", "service_name": "Entrega verde"},  # its own column (orders_0003)
    }  # fmt: skip
    async with container.uow(tid, read_only=True) as uow:
        fact, lines = await build_facts(uow, order, CategoryIndex([]))
    assert fact["green_delivery"] and fact["shipped"] and fact["state"] == "RJ" and fact["payment_method"] == "pix"
    assert (fact["total_cents"], fact["shipping_cents"], fact["carbon_g"], lines) == (1500, 500, 400, [])


async def test_category_tree_cached_until_the_catalog_changes(container, client) -> None:
    from ecovarejo.analytics.ingest import CategoryCache
    from tests.support import bearer, token_for

    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}
    r = await client.post("/api/v1/categories", json={"name": "Camisetas"}, headers=h)
    assert r.status_code == 201, r.text
    cache = CategoryCache()
    for _ in range(3):  # one order event after another: the tree is loaded once
        async with container.uow(tid, read_only=True) as uow:
            index = await cache.get(uow)
    assert cache.loads == 1 and list(index.name.values()) == ["Camisetas"]
    r = await client.post("/api/v1/categories", json={"name": "Cozinha"}, headers=h)  # bumps the catalog version
    assert r.status_code == 201, r.text
    async with container.uow(tid, read_only=True) as uow:
        index = await cache.get(uow)
    assert cache.loads == 2 and sorted(index.name.values()) == ["Camisetas", "Cozinha"]
