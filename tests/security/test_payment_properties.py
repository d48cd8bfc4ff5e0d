"""The money invariant as a property (Hypothesis), on SQLite and PostgreSQL: over generated sequences of
charges (card, Pix, boleto; right and wrong amounts), PSP notifications (right and wrong amounts,
repeated), expiries, refunds and "payment captured" deliveries in any order:

- an order becomes paid only when its captured payments, net of refunds, cover its total;
- it is never charged beyond its total (no double charge);
- refunds never exceed captures (per payment and in sum);
- no request ends in a server error.

One app and container per database (the fixture), one shop; each generated sequence gets an order of
its own (a fresh customer, a fresh order: nothing of one example is seen by the next) — no per-example
migrations or app start. ``ECOVAREJO_PROPERTY_EXAMPLES`` sets the number of sequences per database
(default 30 for CI; ``ECOVAREJO_PROPERTY_EXAMPLES=2000`` for a long run, see docs/security.md).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from ecovarejo.bootstrap import build_container
from ecovarejo.core.settings import Settings
from ecovarejo.orders import lifecycle
from ecovarejo.orders.models import Order
from ecovarejo.payments.models import Payment
from tests.integration.payments_providers.browser import sandbox_token, store_card
from tests.support import bearer, token_for

from .money import pix_shop, place_pix_order, psp_confirms, sign

EXAMPLES = int(os.environ.get("ECOVAREJO_PROPERTY_EXAMPLES", "30"))
#: A file to which every sequence that held appends a line (a long run's progress, readable while it runs).
PROGRESS = os.environ.get("ECOVAREJO_PROPERTY_PROGRESS")
KINDS = st.sampled_from(["exact", "omit", "cent", "less", "more"])
OPS = st.one_of(
    st.tuples(st.just("pix"), KINDS),
    st.tuples(st.just("boleto"), KINDS),
    st.tuples(st.just("card"), KINDS),
    st.tuples(st.just("confirm"), st.integers(0, 3), st.sampled_from(["exact", "cent"]), st.integers(1, 2)),
    st.tuples(st.just("boleto_paid"), st.integers(0, 3)),
    st.tuples(st.just("refund"), st.integers(0, 3), st.sampled_from(["all", "half", "cent", "too_much"])),
    st.tuples(st.just("expire")),
    st.tuples(st.just("mark_paid")),
)


@pytest.fixture
async def quiet(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """No consumers: "payment captured" reaches the order only when the sequence says so (``mark_paid``)."""
    from ecovarejo.app import create_app

    c = build_container(settings)
    c.run_consumers = False
    c.run_relay = False  # nobody consumes: the outbox rows just stay (the relay's polling would only cost time)
    await c.start()
    transport = httpx.ASGITransport(app=create_app(container=c), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield c, client
    await c.stop()


async def _state(container: Any, tid: uuid.UUID, oid: uuid.UUID) -> tuple[str, Decimal, list[Payment]]:
    async with container.uow(tid, read_only=True) as uow:
        status, total = (
            await uow.session.execute(select(Order.status, Order.total_amount).where(Order.id == oid))
        ).one()
        rows = list(
            await uow.session.scalars(select(Payment).where(Payment.order_id == oid).order_by(Payment.created_at))
        )
    return str(status), Decimal(total), rows


def _amount(kind: str, outstanding: Decimal) -> dict[str, str]:
    return {
        "exact": {"amount": str(outstanding)},
        "omit": {},
        "cent": {"amount": "0.01"},
        "less": {"amount": str(max(Decimal("0.01"), outstanding - 1))},
        "more": {"amount": str(outstanding + 1)},
    }[kind]


@pytest.mark.timeout(max(300, 10 * EXAMPLES))  # a long run is not cut by the suite's 300 s per test
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(ops=st.lists(OPS, min_size=1, max_size=10))
async def test_payment_sequences_keep_the_money_invariant(quiet, ops) -> None:
    container, client = quiet
    shop = getattr(container, "_property_shop", None)
    if shop is None:
        shop = await pix_shop(container)
        container._property_shop = shop
    _, customer = shop.customer()
    staff = {**shop.h, **bearer(token_for(container, shop.tenant_id, "staff", permissions=("handle_payments",)))}
    order = await place_pix_order(client, shop, customer, quantity=1)
    oid = uuid.UUID(order["id"])
    card: dict[str, Any] | None = None
    pix: list[tuple[str, str]] = [(order["payment_instructions"]["txid"], order["payment_instructions"]["amount"])]
    boletos: list[tuple[str, str]] = []
    for op in ops:
        status_before, total, rows = await _state(container, shop.tenant_id, oid)
        net = sum((p.captured_amount - p.refunded_amount for p in rows), Decimal("0"))
        outstanding = total - net
        r: Any = None
        if op[0] == "pix":
            r = await client.post("/api/v1/payments/pix", json={"order_id": str(oid), **_amount(op[1], outstanding)},
                                  headers=customer)  # fmt: skip
            if r.status_code == 201:
                pix.append((r.json()["txid"], r.json()["amount"]))
        elif op[0] == "boleto":
            body = {"order_id": str(oid), "due_date": "2099-01-01", **_amount(op[1], outstanding)}
            r = await client.post("/api/v1/payments/boletos", json=body, headers=customer)
            if r.status_code == 201:
                boletos.append((r.json()["barcode"], r.json()["amount"]))
        elif op[0] == "card":
            if card is None:  # the browser tokenizes with the (sandbox) provider; the shop stores the token
                card = await store_card(client, customer, await sandbox_token(client, "4242 4242 4242 4242"))
            r = await client.post(
                "/api/v1/payments/charges",
                json={"card_token": card["token"], "order_id": str(oid), **_amount(op[1], outstanding)},
                headers={**customer, "Idempotency-Key": uuid.uuid4().hex},
            )
        elif op[0] == "confirm" and pix:
            txid, amount = pix[op[1] % len(pix)]
            for _ in range(op[3]):
                r = await psp_confirms(client, shop, txid, amount if op[2] == "exact" else "0.01")
        elif op[0] == "boleto_paid" and boletos:
            barcode, amount = boletos[op[1] % len(boletos)]
            raw = json.dumps({"id": uuid.uuid4().hex, "barcode": barcode, "amount": amount,
                              "paid_at": "2026-11-30"}).encode()  # fmt: skip
            r = await client.post("/api/v1/payments/webhooks/boleto", content=raw,
                                  headers={**shop.h, "x-ecovarejo-signature": sign(raw)})  # fmt: skip
        elif op[0] == "refund" and rows:
            p = rows[op[1] % len(rows)]
            left = p.captured_amount - p.refunded_amount
            amount = {"all": left, "half": (left / 2).quantize(Decimal("0.01")), "cent": Decimal("0.01"),
                      "too_much": left + 1}[op[2]]  # fmt: skip
            body = {"amount": str(max(amount, Decimal("0.01")))}
            r = await client.post(f"/api/v1/payments/{p.id}/refunds", json=body,
                                  headers={**staff, "Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
        elif op[0] == "expire":
            async with container.uow(shop.tenant_id) as uow:
                await uow.session.execute(
                    update(Payment).where(Payment.order_id == oid, Payment.status == "pending").values(status="expired")
                )
                await uow.commit()
        elif op[0] == "mark_paid":  # what the payment.captured consumer (or any other path) does
            async with container.uow(shop.tenant_id, actor="system:payments") as uow:
                await lifecycle.mark_paid(uow, oid, actor="system:payments", reason="property test")
                await uow.commit()
        if r is not None:
            assert r.status_code < 500, (op, r.status_code, r.text)
        status, total, rows = await _state(container, shop.tenant_id, oid)
        captured = sum((p.captured_amount for p in rows), Decimal("0"))
        refunded = sum((p.refunded_amount for p in rows), Decimal("0"))
        assert all(p.refunded_amount <= p.captured_amount for p in rows), op
        assert refunded <= captured, op
        assert captured - refunded <= total, (op, captured, refunded, total)  # never charged beyond the order
        if status_before == "awaiting_payment" and status in lifecycle.PAID_OR_LATER:
            assert op[0] == "mark_paid" and captured - refunded >= total, (op, captured, refunded, total)
    if PROGRESS:
        with open(PROGRESS, "a", encoding="utf-8") as f:
            f.write(f"held {len(ops)} ops {status}\n")
