"""The order consumers' batch handler (#17): a batch of events rebuilds exactly the facts and rollups that
one-by-one delivery builds, with one inbox row per event, and a redelivered event (in the batch or the
whole batch again) adds nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from ecovarejo.analytics import repository as repo
from ecovarejo.analytics import rollup_rebuild
from ecovarejo.analytics.events import consumers
from ecovarejo.core.consumers import Consumer, Outcome, deliver_batch
from ecovarejo.core.events import Event
from ecovarejo.core.models import InboxEntry
from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import eventually


async def _state(container: Any, tenant_id: Any) -> dict[str, Any]:
    async with container.uow(tenant_id, read_only=True) as uow:
        out = await rollup_rebuild.snapshot(uow)
        for model in (repo.OrderFact, repo.LineFact):
            table = model.__table__
            cols = [c for c in table.c if c.name not in ("id", "updated_at")]  # write time
            rows = (await uow.session.execute(select(*cols))).all()
            out[table.name] = sorted((tuple(str(v) for v in r) for r in rows), key=str)
    return out


async def test_a_batch_of_events_yields_the_facts_of_one_by_one_delivery(container, client) -> None:
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00", certified=True)
    shop.catalog.put("MUG", "30.00")
    await shop.stock("TEE", 20)
    await shop.stock("MUG", 20)
    ids: list[str] = []
    buyers = [shop.customer()[1] for _ in range(3)]
    for n, (buyer, sku, qty) in enumerate([(0, "TEE", 1), (0, "MUG", 2), (1, "TEE", 3), (2, "MUG", 1)]):
        h = buyers[buyer]  # the first buyer twice: new, then returning
        r = await client.post("/api/v1/orders", json=checkout_body(items=[{"sku": sku, "quantity": qty}]),
                              headers={**h, "Idempotency-Key": f"k{n}"})  # fmt: skip
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])

    async def ingested() -> bool:
        async with container.uow(shop.tenant_id, read_only=True) as uow:
            return len(await repo.order_ids_with_facts(uow, [uuid.UUID(i) for i in ids])) == 4

    await eventually(ingested)
    await container.stop()  # from here on only this test delivers
    one_by_one = await _state(container, shop.tenant_id)
    assert len(one_by_one["analytics_orders"]) == 4 and one_by_one["analytics_customers"]

    async with container.uow(shop.tenant_id) as uow:
        await repo.clear_facts(uow)
        await uow.commit()
    assert (await _state(container, shop.tenant_id))["analytics_orders"] == []

    (orders_consumer,) = [c for c in consumers(container) if c.name == "analytics.orders"]
    assert orders_consumer.batch_handler is not None
    consumer = Consumer("analytics.orders.batch-test", ("order-events",), orders_consumer.handler,
                        batch_handler=orders_consumer.batch_handler)  # fmt: skip
    events = [Event("order-events", "order.paid", {"order_id": i}, shop.tenant_id) for i in ids]
    again = Event("order-events", "order.shipped", {"order_id": ids[0]}, shop.tenant_id)  # same order, new event
    other = Event("user-events", "user.created", {"user_id": ids[0]}, shop.tenant_id)  # not wanted
    batch = [*events, events[1], again, other]  # events[1] twice: redelivered within the batch
    outcomes = await deliver_batch(container.db, consumer, batch)
    assert outcomes == [*[Outcome.DONE] * 4, Outcome.DUPLICATE, Outcome.DONE, Outcome.SKIPPED]
    assert await _state(container, shop.tenant_id) == one_by_one

    # the whole batch redelivered: every event is in the inbox, nothing changes
    assert await deliver_batch(container.db, consumer, batch) == [*[Outcome.DUPLICATE] * 6, Outcome.SKIPPED]
    assert await _state(container, shop.tenant_id) == one_by_one
    async with container.db.system_session() as s:
        inbox = (await s.scalars(select(InboxEntry.event_id).where(InboxEntry.consumer == consumer.name))).all()
    assert sorted(map(str, inbox)) == sorted(str(e.id) for e in [*events, again])

    # a batch whose handler fails is delivered one by one: the good events land, the bad one alone fails
    async with container.uow(shop.tenant_id) as uow:
        await repo.clear_facts(uow)
        await uow.commit()
    bad = Event("order-events", "order.paid", {"order_id": "not-a-uuid"}, shop.tenant_id)
    fresh = [Event("order-events", "order.paid", {"order_id": i}, shop.tenant_id) for i in ids]
    outcomes = await deliver_batch(container.db, consumer, [*fresh[:2], bad, *fresh[2:]])
    assert outcomes[:2] == [Outcome.DONE] * 2 and outcomes[3:] == [Outcome.DONE] * 2
    assert outcomes[2] in (Outcome.RETRY, Outcome.DEAD)
    assert await _state(container, shop.tenant_id) == one_by_one
