"""Payments core: the sandbox's test cards, payment records with transactions, idempotent money effects,
and the reusable Idempotency-Key store."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.payments import sandbox
from ecovarejo.payments import service as payments
from ecovarejo.payments.gateway import GatewayTimeout
from ecovarejo.payments.idempotency import IdempotencyStore, fingerprint
from tests.support import make_tenant


async def test_sandbox_test_cards():
    gw = sandbox.SandboxGateway()
    ok = await gw.authorize(amount=Decimal("10.00"), currency="BRL", source="4242 4242 4242 4242", idempotency_key="a")
    assert ok.ok and ok.status == "authorized" and ok.reference
    again = await gw.authorize(amount=Decimal("10.00"), currency="BRL", source=sandbox.APPROVE, idempotency_key="a")
    assert again == ok  # idempotent on the provider side
    declined = await gw.authorize(amount=Decimal("10"), currency="BRL", source=sandbox.DECLINE, idempotency_key="b")
    assert (declined.ok, declined.code) == (False, "card_declined")
    poor = await gw.authorize(
        amount=Decimal("10"), currency="BRL", source="tok_insufficient_funds", idempotency_key="c"
    )
    assert (poor.ok, poor.code) == (False, "insufficient_funds")
    with pytest.raises(GatewayTimeout):
        await gw.authorize(amount=Decimal("10"), currency="BRL", source=sandbox.TIMEOUT, idempotency_key="d")
    bad = await gw.authorize(amount=Decimal("10"), currency="BRL", source="4242424242424241", idempotency_key="e")
    assert (bad.ok, bad.code) == (False, "invalid_card")
    assert (await gw.capture(ok.reference, Decimal("10.00"), idempotency_key="cap")).ok
    assert not (await gw.capture(ok.reference, Decimal("1.00"), idempotency_key="cap2")).ok
    assert (await gw.refund(ok.reference, Decimal("4.00"), idempotency_key="r1")).ok
    assert not (await gw.refund(ok.reference, Decimal("7.00"), idempotency_key="r2")).ok
    assert (await gw.status(ok.reference)).status == "partially_refunded"


async def test_payment_record_capture_and_idempotent_refunds(container):
    tid = await make_tenant(container)
    gw = payments.gateway_of(container)
    result = await payments.gateway_authorize(
        gw, amount=Decimal("100.00"), currency="BRL", source=sandbox.APPROVE, idempotency_key="k1"
    )
    async with container.uow(tid) as uow:
        p = await payments.record_authorization(
            uow, result, gateway="sandbox", amount=Decimal("100.00"), currency="BRL", method="card",
            source=sandbox.APPROVE, idempotency_key="k1",
        )  # fmt: skip
        await uow.commit()
    assert p.card_last4 == "4242" and p.status == "authorized"
    p = await payments.capture(container, tid, p.id, key="k1:capture")
    p = await payments.capture(container, tid, p.id, key="k1:capture")  # replay: no second capture
    assert (p.status, p.captured_amount) == ("captured", Decimal("100.00"))

    t1 = await payments.refund(container, tid, p.id, Decimal("30.00"), key="refund-1")
    t1b = await payments.refund(container, tid, p.id, Decimal("30.00"), key="refund-1")
    assert t1.id == t1b.id and t1.status == "succeeded"
    with pytest.raises(InvalidInput):
        await payments.refund(container, tid, p.id, Decimal("31.00"), key="refund-1")
    with pytest.raises(Conflict) as exc:
        await payments.refund(container, tid, p.id, Decimal("70.01"), key="refund-2")
    assert exc.value.code == "refund_exceeds_capture"
    # concurrent refunds of the remainder with different keys: only one can win
    outcomes = await asyncio.gather(
        *(payments.refund(container, tid, p.id, Decimal("70.00"), key=f"race-{i}") for i in range(5)),
        return_exceptions=True,
    )
    assert sum(1 for o in outcomes if not isinstance(o, Exception)) == 1
    async with container.uow(tid) as uow:
        p = await payments.get_payment(uow, p.id)
        assert (p.status, p.refunded_amount) == ("refunded", Decimal("100.00"))
        kinds = [(t.kind, t.status) for t in await payments.transactions(uow, p.id)]
    assert kinds.count(("refund", "succeeded")) == 2 and kinds[:2] == [
        ("authorize", "succeeded"),
        ("capture", "succeeded"),
    ]


async def test_void_releases_an_authorization_once(container):
    tid = await make_tenant(container)
    gw = payments.gateway_of(container)
    result = await payments.gateway_authorize(
        gw, amount=Decimal("5"), currency="BRL", source="tok_approve", idempotency_key="v"
    )
    async with container.uow(tid) as uow:
        p = await payments.record_authorization(
            uow, result, gateway="sandbox", amount=Decimal("5"), currency="BRL", method="card", source="tok_approve",
            idempotency_key="v",
        )  # fmt: skip
        await uow.commit()
    assert await payments.void(container, tid, p.id, key="v:void") is True
    assert await payments.void(container, tid, p.id, key="v:void") is False
    async with container.uow(tid) as uow:
        assert (await payments.get_payment(uow, p.id)).status == "voided"


async def test_idempotency_store_replays_refuses_and_runs_once(container):
    tid = await make_tenant(container)
    store = IdempotencyStore(container)
    calls = 0
    gate = asyncio.Event()

    async def handler():
        nonlocal calls
        calls += 1
        await gate.wait()
        return 201, {"n": calls}, {"Location": "/x"}

    h = fingerprint("/p", {"a": 1})
    first = asyncio.create_task(store.run(tenant_id=tid, scope="u1", key="K", request_hash=h, handler=handler))
    await asyncio.sleep(0.2)
    with pytest.raises(Conflict) as exc:  # concurrent duplicate while the first runs
        await store.run(tenant_id=tid, scope="u1", key="K", request_hash=h, handler=handler)
    assert exc.value.code == "idempotency_in_progress"
    gate.set()
    r1 = await first
    assert r1.status_code == 201 and r1.headers["Idempotent-Replayed"] == "false"
    r2 = await store.run(tenant_id=tid, scope="u1", key="K", request_hash=h, handler=handler)
    assert (r2.status_code, r2.body, r2.headers["Idempotent-Replayed"]) == (201, r1.body, "true")
    with pytest.raises(InvalidInput) as exc2:
        await store.run(tenant_id=tid, scope="u1", key="K", request_hash=fingerprint("/p", {"a": 2}), handler=handler)
    assert exc2.value.code == "idempotency_key_reused"
    # another caller's key space is separate
    r3 = await store.run(tenant_id=tid, scope="u2", key="K", request_hash=h, handler=handler)
    assert r3.headers["Idempotent-Replayed"] == "false"
    assert calls == 2
    with pytest.raises(InvalidInput):
        await store.run(tenant_id=tid, scope="u1", key=None, request_hash=h, handler=handler)
