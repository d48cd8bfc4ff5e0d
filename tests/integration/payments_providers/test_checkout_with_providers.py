"""The orders checkout over the real providers layer: a vaulted card goes through failover (Stripe
unavailable → PagBank), the order is paid once, and the provider's later webhook adds nothing."""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from ecovarejo.core.models import OutboxEvent
from ecovarejo.payments import ext_repository, service
from tests.integration.orders.shop import checkout_body, open_shop


async def test_checkout_with_a_vault_token_through_failover(wired, client, stripe_fake, pagbank_fake) -> None:
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "89.90")
    await shop.stock("TEE", 5)
    _, h = shop.customer()
    r = await client.post("/api/v1/payments/cards", json={"number": "4111 1111 1111 1111", "exp_month": 9,
                                                          "exp_year": 2031, "cvv": "4821"}, headers=h)  # fmt: skip
    token = r.json()["token"]
    stripe_fake[0].fail_next = 1  # Stripe answers 500: PagBank takes the payment
    body = checkout_body(items=[{"sku": "TEE", "quantity": 1}], payment={"method": "card", "source": token})
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "co-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "paid"
    [pay] = order["payments"]
    assert pay["status"] == "captured"
    charges = [q for q in pagbank_fake[0].requests if q["path"] == "/orders"]
    assert (
        len(charges) == 1 and charges[0]["json"]["charges"][0]["payment_method"]["card"]["number"] == "4111111111111111"
    )
    assert "security_code" not in charges[0]["json"]["charges"][0]["payment_method"]["card"]  # CVV never kept
    async with wired.uow(shop.tenant_id, read_only=True) as uow:
        audit = [a.purpose for a in await ext_repository.accesses(uow, token)]
    assert audit == ["authorize (checkout)"]

    # PagBank's notification of the capture arrives afterwards: recorded, no second capture, no event
    payment_id = uuid.UUID(pay["id"])
    async with wired.uow(shop.tenant_id, read_only=True) as uow:
        reference = (await service.get_payment(uow, payment_id)).gateway_reference
    assert reference.startswith("pagseguro:")
    charge_id = reference.split(":", 1)[1]
    charge = {"id": charge_id, "status": "PAID", "amount": {"value": 10480, "summary": {"paid": 10480}}}
    note = json.dumps({"id": "ORDE_X", "charges": [charge]}).encode()
    sig = hashlib.sha256(b"pb-webhook-token-" + note).hexdigest()
    hook = {**shop.h, "Content-Type": "application/json", "x-authenticity-token": sig}
    r = await client.post("/api/v1/payments/webhooks/pagseguro", content=note, headers=hook)
    assert r.status_code == 200 and r.json()["outcome"] == "recorded"
    async with wired.uow(shop.tenant_id, read_only=True) as uow:
        txns = [t.kind for t in await service.transactions(uow, payment_id)]
        captured = await uow.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "payment.captured")
        )
        captured_amount = (await service.get_payment(uow, payment_id)).captured_amount
    assert txns.count("capture") == 1 and captured == 0 and captured_amount == Decimal(order["total_amount"])
