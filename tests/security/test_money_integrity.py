"""Issue #12, critical: an order was paid by a self-made Pix of any amount, for anyone's order."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import update

from ecovarejo.core.db import new_id
from ecovarejo.orders import lifecycle
from ecovarejo.orders import service as orders
from ecovarejo.payments import order_ledger
from ecovarejo.payments.models import Payment
from tests.support import bearer, make_tenant, token_for

from .money import pix_shop, place_pix_order, psp_confirms


async def _status(container, tid, order_id: str) -> str:
    async with container.uow(tid, read_only=True) as uow:
        return str((await orders.order_detail(uow, uuid.UUID(order_id)))["status"])


async def test_a_self_made_cheap_pix_never_pays_an_order(container, client) -> None:
    shop = await pix_shop(container)
    _, customer = shop.customer()
    order = await place_pix_order(client, shop, customer)
    assert Decimal(order["total_amount"]) > Decimal("200")
    # the reproduction: a Pix of R$ 0,01 "for" the order — refused while the checkout's Pix is in flight
    r = await client.post("/api/v1/payments/pix", json={"amount": "0.01", "order_id": order["id"]}, headers=customer)
    assert r.status_code == 409 and r.json()["code"] == "order_payment_in_progress", r.text
    # and a PSP confirming a wrong amount for the real charge does not pay it either
    pay = order["payment_instructions"]
    r = await psp_confirms(client, shop, pay["txid"], "0.01")
    assert r.status_code == 200 and r.json()["outcomes"] == ["amount_mismatch"]
    assert await _status(container, shop.tenant_id, order["id"]) == "awaiting_payment"


async def test_charges_for_an_order_are_for_exactly_its_balance(container, client) -> None:
    shop = await pix_shop(container)
    _, customer = shop.customer()
    order = await place_pix_order(client, shop, customer)
    # the checkout's Pix expires: the order still awaits payment and may be paid by a new charge
    async with container.uow(shop.tenant_id) as uow:
        await uow.session.execute(
            update(Payment).where(Payment.order_id == uuid.UUID(order["id"])).values(status="expired")
        )
        await uow.commit()
    for body in ({"amount": "0.01"}, {"amount": "1000000.00"}, {"amount": str(Decimal(order["total_amount"]) - 1)}):
        r = await client.post("/api/v1/payments/pix", json={**body, "order_id": order["id"]}, headers=customer)
        assert r.status_code == 422 and r.json()["code"] == "amount_mismatch", r.text
        assert r.json()["outstanding"] == order["total_amount"]
        boleto = {**body, "order_id": order["id"], "due_date": "2099-01-01"}
        r = await client.post("/api/v1/payments/boletos", json=boleto, headers=customer)
        assert r.status_code == 422 and r.json()["code"] == "amount_mismatch", r.text
    r = await client.post("/api/v1/payments/pix", json={"order_id": order["id"]}, headers=customer)
    assert r.status_code == 201 and r.json()["amount"] == order["total_amount"], r.text
    # one in flight: a second is refused (no double charge)
    r2 = await client.post("/api/v1/payments/pix", json={"order_id": order["id"]}, headers=customer)
    assert r2.status_code == 409 and r2.json()["code"] == "order_payment_in_progress"
    r = await psp_confirms(client, shop, r.json()["txid"], order["total_amount"])
    assert r.json()["outcomes"] == ["processed"]


async def test_charges_only_for_the_callers_own_order_in_the_callers_tenant(container, client) -> None:
    shop = await pix_shop(container)
    _, alice = shop.customer()
    _, bob = shop.customer()
    order = await place_pix_order(client, shop, alice)
    other_tenant = await make_tenant(container)
    mallory = {"X-Tenant-ID": str(other_tenant), **bearer(token_for(container, other_tenant))}
    for who in (bob, mallory):
        for path, extra in (("pix", {}), ("boletos", {"due_date": "2099-01-01"})):
            body = {"amount": order["total_amount"], "order_id": order["id"], **extra}
            r = await client.post(f"/api/v1/payments/{path}", json=body, headers=who)
            assert r.status_code == 404 and r.json()["code"] == "order_not_found", r.text
    r = await client.post("/api/v1/payments/pix", json={"amount": "10.00", "order_id": str(uuid.uuid4())},
                          headers=alice)  # fmt: skip
    assert r.status_code == 404 and r.json()["code"] == "order_not_found"
    r = await client.post("/api/v1/payments/charges", json={"card_token": "vtok_whatever", "order_id": order["id"]},
                          headers={**bob, "Idempotency-Key": "k1"})  # fmt: skip
    assert r.status_code == 404 and r.json()["code"] == "order_not_found", r.text


async def test_mark_paid_refuses_an_underpaid_order_whatever_the_path(container, client) -> None:
    """Any path that ends in mark_paid (webhook consumer, reconciliation, a replayed event) is checked."""
    shop = await pix_shop(container)
    _, customer = shop.customer()
    order = await place_pix_order(client, shop, customer)
    oid = uuid.UUID(order["id"])
    async with container.uow(shop.tenant_id) as uow:  # a captured payment of one centavo "for" the order
        uow.session.add(Payment(id=new_id(), order_id=oid, gateway="pix", method="pix", amount=Decimal("0.01"),
                                authorized_amount=Decimal("0.01"), captured_amount=Decimal("0.01"),
                                refunded_amount=Decimal("0"), status="captured"))  # fmt: skip
        await uow.commit()
    async with container.uow(shop.tenant_id) as uow:
        assert await lifecycle.mark_paid(uow, oid, actor="test", reason="replayed payment.captured") is False
        await uow.commit()
    assert await _status(container, shop.tenant_id, order["id"]) == "awaiting_payment"
    async with container.uow(shop.tenant_id, read_only=True) as uow:
        money = await order_ledger.order_money(uow, oid)
    assert money.net == Decimal("0.01")


async def test_psp_notifications_carry_a_signed_timestamp_within_the_window(container, client) -> None:
    import json
    import time

    from ecovarejo.payments.instant import sign_notification

    from .money import PSP_SECRET

    shop = await pix_shop(container)
    body = json.dumps({"pix": [{"endToEndId": "E1", "txid": "EVX", "valor": "1.00"}]}).encode()
    url, h = "/api/v1/payments/webhooks/pix", shop.h
    import hashlib
    import hmac

    old_style = hmac.new(PSP_SECRET.encode(), body, hashlib.sha256).hexdigest()  # no timestamp
    stale = sign_notification(body, PSP_SECRET, now=time.time() - 3600)  # a replay an hour later
    for header in (old_style, stale):
        r = await client.post(url, content=body, headers={**h, "x-ecovarejo-signature": header})
        assert r.status_code == 400, r.text
    assert (await client.post(url, content=body, headers={**h, "x-ecovarejo-signature": stale})).json()["code"] == (
        "webhook_stale"
    )
