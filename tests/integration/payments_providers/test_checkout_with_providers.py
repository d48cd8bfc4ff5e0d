"""The orders checkout over the real providers layer with a stored card: the card is a Stripe
PaymentMethod made by Stripe.js (the Stripe fake), the vault hands the checkout its token, Stripe is paid
once, and Stripe's later webhook adds nothing. A stored card is one provider's: when Stripe is down it is
not carried to PagBank (nothing is charged, the order is not placed)."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from ecovarejo.core.models import OutboxEvent
from ecovarejo.payments import ext_repository, service
from tests.integration.orders.shop import checkout_body, open_shop

from .browser import store_card, stripe_payment_method
from .test_webhooks_api import stripe_sig


async def test_checkout_with_a_stored_card(wired, client, stripe_fake, pagbank_fake) -> None:
    shop = await open_shop(wired)
    shop.catalog.put("TEE", "89.90")
    await shop.stock("TEE", 5)
    _, h = shop.customer()
    pm = await stripe_payment_method(stripe_fake[1], "4111 1111 1111 1111", exp_month=9, cvc="4821")
    token = (await store_card(client, h, pm))["token"]

    # Stripe answers 500 (and its search finds no charge): the card is not moved to PagBank
    stripe_fake[0].fail_next = 1
    body = checkout_body(items=[{"sku": "TEE", "quantity": 1}], payment={"method": "card", "source": token})
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "co-0"})
    assert r.status_code >= 400 and r.status_code < 500, r.text
    assert [q for q in pagbank_fake[0].requests if q["path"] == "/orders"] == []
    assert await shop.available("TEE") == 5

    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "co-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "paid"
    [pay] = order["payments"]
    assert pay["status"] == "captured"
    charges = [q for q in stripe_fake[0].requests if q["path"] == "/v1/payment_intents"]
    assert charges[-1]["form"]["payment_method"] == pm
    assert not any(k.startswith("payment_method_data") for q in charges for k in q["form"])  # no card data sent
    async with wired.uow(shop.tenant_id, read_only=True) as uow:
        audit = [a.purpose for a in await ext_repository.accesses(uow, token)]
    assert audit == ["authorize (checkout)", "authorize (checkout)"]

    # Stripe's notification of the capture arrives afterwards: recorded, no second capture, no event
    payment_id = uuid.UUID(pay["id"])
    async with wired.uow(shop.tenant_id, read_only=True) as uow:
        reference = (await service.get_payment(uow, payment_id)).gateway_reference
    assert reference.startswith("stripe:")
    intent = stripe_fake[0].intents[reference.split(":", 1)[1]]
    note = json.dumps({"id": "evt_co_1", "object": "event", "type": "payment_intent.succeeded",
                       "created": int(time.time()), "data": {"object": intent}}).encode()  # fmt: skip
    hook = {**shop.h, "Content-Type": "application/json", "Stripe-Signature": stripe_sig(note)}
    r = await client.post("/api/v1/payments/webhooks/stripe", content=note, headers=hook)
    assert r.status_code == 200, r.text
    async with wired.uow(shop.tenant_id, read_only=True) as uow:
        txns = [t.kind for t in await service.transactions(uow, payment_id)]
        captured = await uow.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "payment.captured")
        )
        captured_amount = (await service.get_payment(uow, payment_id)).captured_amount
    assert txns.count("capture") == 1 and captured == 0 and captured_amount == Decimal(order["total_amount"])
