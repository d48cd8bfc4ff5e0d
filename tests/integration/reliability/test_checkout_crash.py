"""Checkout that converges: the process dies at each step of the saga (a fault hook, not timing luck),
then a retry with the same Idempotency-Key — at once, or, without one, the recovery job — brings the
order to an end: no order half-made, no money captured without an order (nor twice), no stock left
held, and each order event published once and consumed once by every consumer (in-process bus on
SQLite and PostgreSQL; NATS JetStream on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from ecovarejo.bootstrap import build_container
from ecovarejo.core import faults
from ecovarejo.core.bus import NatsBus
from ecovarejo.core.db import utcnow
from ecovarejo.core.models import DeadLetter, IdempotencyRecord, InboxEntry, OutboxEvent
from ecovarejo.inventory.models import Reservation
from ecovarejo.orders import checkout
from ecovarejo.orders.models import Order
from ecovarejo.payments.models import Payment, PaymentTransaction
from tests.conftest import needs_nats
from tests.integration.orders.shop import checkout_body, open_shop
from tests.integration.reliability.conftest import delete_stream, nats_bus
from tests.support import eventually

STEPS = ["checkout.reserved", "checkout.authorized", "checkout.order_committed", "checkout.captured"]


@pytest.fixture
def bus_kind() -> str:
    return "in-process"


@pytest.fixture
async def container(settings, bus_kind: str):
    """The platform with its relay and consumers running, on the in-process bus or on a NATS stream of
    this test's own."""
    c = build_container(settings)
    if bus_kind == "nats":
        c.bus = nats_bus(c)
    await c.start()
    yield c
    await c.stop()
    if isinstance(c.bus, NatsBus):
        await delete_stream(c.bus)


@pytest.fixture
def crash_at():
    """``crash_at(point)``: the next checkout dies there (once), as a ``kill -9`` would."""

    def arm(point: str) -> None:
        async def hook(at: str) -> None:
            if at == point:
                faults.install(None)
                raise faults.ProcessCrash(point)

        faults.install(hook)

    yield arm
    faults.install(None)


async def _shop(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "50.00")
    await shop.stock("TEE", 10)
    _uid, h = shop.customer()
    return shop, h


async def _crash(client, h, crash_at, point: str, key: str):
    crash_at(point)
    with pytest.raises(faults.ProcessCrash):
        await client.post(
            "/api/v1/orders",
            json=checkout_body(items=[{"sku": "TEE", "quantity": 2}]),
            headers={**h, "Idempotency-Key": key},
        )


async def _later(shop, minutes: int = 10) -> None:
    """Time passes: the dead request's key and payment age past the takeover and recovery thresholds."""
    past = utcnow() - timedelta(minutes=minutes)
    async with shop.container.db.system_session() as s:
        await s.execute(update(IdempotencyRecord).values(locked_at=past))
        await s.execute(update(Payment).values(created_at=past))
        await s.commit()


async def _assert_converged(shop, *, paid_orders: int) -> None:
    async with shop.container.db.system_session() as s:
        orders = (await s.scalars(select(Order).where(Order.tenant_id == shop.tenant_id))).all()
        payments = (await s.scalars(select(Payment).where(Payment.tenant_id == shop.tenant_id))).all()
        captures = (
            await s.scalars(
                select(PaymentTransaction).where(
                    PaymentTransaction.tenant_id == shop.tenant_id,
                    PaymentTransaction.kind == "capture",
                    PaymentTransaction.status == "succeeded",
                )
            )
        ).all()
        held = await s.scalar(
            select(func.count())
            .select_from(Reservation)
            .where(Reservation.tenant_id == shop.tenant_id, Reservation.status == "held")
        )
    assert [o.status for o in orders] == ["paid"] * paid_orders, [o.status for o in orders]
    assert held == 0
    captured = [p for p in payments if p.captured_amount > 0]
    assert len(captured) == paid_orders and len(captures) == paid_orders
    assert all(p.order_id in {o.id for o in orders} for p in captured)  # no money without its order
    assert all(p.status in ("captured", "voided", "failed") for p in payments)  # no hold left behind
    for o in orders:
        assert sum(p.captured_amount for p in captured if p.order_id == o.id) == o.total_amount
    assert await shop.available("TEE") == 10 - 2 * paid_orders


async def _assert_events_consumed_once(shop) -> None:
    """``order.placed`` and ``order.paid`` were each emitted once (a resumed checkout does not emit them
    again), and every consumer that wants them handled each one (its inbox row), none dead-lettered."""
    container = shop.container
    async with container.db.system_session() as s:
        rows = (
            await s.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.tenant_id == shop.tenant_id, OutboxEvent.type.in_(["order.placed", "order.paid"])
                )
            )
        ).all()
    assert sorted(r.type for r in rows) == ["order.paid", "order.placed"]
    from ecovarejo.core.events import Event

    wanted = {(c.name, r.id) for r in rows for c in container.consumers if c.wants(Event.from_envelope(r.envelope))}
    assert wanted

    async def consumed() -> bool:
        async with container.db.system_session() as s:
            seen = {
                (i.consumer, i.event_id)
                for i in (await s.scalars(select(InboxEntry).where(InboxEntry.event_id.in_([r.id for r in rows]))))
            }
        return wanted <= seen

    await eventually(consumed, message="every consumer handled order.placed and order.paid")
    async with container.db.system_session() as s:
        assert await s.scalar(select(func.count()).select_from(DeadLetter)) == 0


async def _resume_at_once(container, client, crash_at, point: str) -> None:
    shop, h = await _shop(container, client)
    await _crash(client, h, crash_at, point, "crash-1")
    # no waiting: the crashed request's process is known dead, so the retry takes its key over now
    body = checkout_body(items=[{"sku": "TEE", "quantity": 2}])
    retry = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "crash-1"})
    assert retry.status_code == 201, retry.text
    assert retry.json()["status"] == "paid" and retry.json()["total_amount"] == "114.90"
    again = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "crash-1"})
    assert again.status_code == 201 and again.json()["id"] == retry.json()["id"]
    await _assert_converged(shop, paid_orders=1)
    await _assert_events_consumed_once(shop)


@pytest.mark.parametrize("point", STEPS)
async def test_retry_with_the_same_key_resumes_after_a_crash_at_each_step(
    container, client, crash_at, point: str
) -> None:
    await _resume_at_once(container, client, crash_at, point)


@needs_nats
@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("bus_kind", ["nats"])
@pytest.mark.parametrize("point", STEPS)
async def test_retry_resumes_after_a_crash_at_each_step_on_postgresql_and_nats(
    container, client, crash_at, point: str
) -> None:
    await _resume_at_once(container, client, crash_at, point)


@pytest.mark.parametrize("point", ["checkout.order_committed", "checkout.captured"])
async def test_recovery_job_captures_an_order_left_awaiting_its_capture(container, client, crash_at, point) -> None:
    shop, h = await _shop(container, client)
    await _crash(client, h, crash_at, point, "crash-2")
    assert await checkout.recover_checkouts(container) == 0  # too recent: may be a checkout in flight
    await _later(shop)
    assert await checkout.recover_checkouts(container) == 1
    assert await checkout.recover_checkouts(container) == 0
    await _assert_converged(shop, paid_orders=1)


async def test_recovery_job_voids_an_authorization_whose_order_was_cancelled(container, client, crash_at) -> None:
    shop, h = await _shop(container, client)
    await _crash(client, h, crash_at, "checkout.order_committed", "crash-3")
    async with container.db.system_session() as s:
        order = await s.scalar(select(Order).where(Order.tenant_id == shop.tenant_id))
    cancel = await client.post(f"/api/v1/orders/{order.id}/cancel", json={"reason": "changed my mind"}, headers=h)
    assert cancel.status_code in (200, 409), cancel.text
    await _later(shop)
    await checkout.recover_checkouts(container)
    async with container.db.system_session() as s:
        [payment] = (await s.scalars(select(Payment).where(Payment.tenant_id == shop.tenant_id))).all()
        order = await s.get(Order, order.id)
    if order.status == "cancelled":
        assert payment.status == "voided" and payment.captured_amount == Decimal("0")
    else:  # cancellation refused while awaiting payment: recovery captured it
        assert order.status == "paid" and payment.status == "captured"
