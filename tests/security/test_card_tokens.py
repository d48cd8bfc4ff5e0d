"""Issue #12, high: card tokens had no owner — customer B registering A's card number got A's token
(with A's expiry) and could charge it. Cards are stored the way a browser does it: the number goes to the
provider's tokenization (the sandbox's), the shop gets only the provider's token."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ecovarejo.payments.ext_models import VaultToken
from tests.integration.payments_providers.browser import sandbox_token
from tests.support import bearer, make_tenant, token_for

NUMBER = "4242 4242 4242 4242"


async def _card(client, exp_month: int = 11, exp_year: int = 2031) -> dict[str, str]:
    return {"provider_token": await sandbox_token(client, NUMBER, exp_month=exp_month, exp_year=exp_year)}


async def test_a_known_card_number_gives_another_customer_their_own_token(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    alice = {**h, **bearer(token_for(container, tid, user_id=uuid.uuid4()))}
    bob = {**h, **bearer(token_for(container, tid, user_id=uuid.uuid4()))}
    r = await client.post("/api/v1/payments/cards", json=await _card(client), headers=alice)
    assert r.status_code == 201, r.text
    a_token = r.json()["token"]
    again = await client.post("/api/v1/payments/cards", json=await _card(client), headers=alice)
    assert again.json()["token"] == a_token  # per-owner deduplication (the provider's fingerprint)
    r = await client.post("/api/v1/payments/cards", json=await _card(client, 1, 2030), headers=bob)
    assert r.status_code == 201
    b_card = r.json()
    assert b_card["token"] != a_token and (b_card["exp_month"], b_card["exp_year"]) == (1, 2030)  # not A's expiry
    # B charging A's token: exactly like an unknown token; A's token is never detokenized for B
    r = await client.post("/api/v1/payments/charges", json={"card_token": a_token, "amount": "10.00"},
                          headers={**bob, "Idempotency-Key": "steal-1"})  # fmt: skip
    assert r.status_code == 404 and r.json()["code"] == "card_token_not_found", r.text
    assert "1111" not in r.text and "2031" not in r.text
    r = await client.post("/api/v1/payments/charges", json={"card_token": b_card["token"], "amount": "10.00"},
                          headers={**bob, "Idempotency-Key": "own-1"})  # fmt: skip
    assert r.status_code == 201, r.text
    # and at checkout: a vault token of someone else's card is refused before any authorization
    r = await client.post(
        "/api/v1/orders",
        json={"shipping_address": {"recipient": "B", "street": "R", "number": "1", "city": "SP", "state": "SP",
                                   "postal_code": "01305-000"}, "payment": {"method": "card", "source": a_token}},
        headers={**bob, "Idempotency-Key": "steal-2"},
    )  # fmt: skip
    assert r.status_code in (404, 422) and r.json()["code"] in ("card_token_not_found", "cart_empty"), r.text


async def test_tokens_of_another_tenant_are_unknown(container, client) -> None:
    t1, t2 = await make_tenant(container), await make_tenant(container)
    owner = uuid.uuid4()
    h1 = {"X-Tenant-ID": str(t1), **bearer(token_for(container, t1, user_id=owner))}
    r = await client.post("/api/v1/payments/cards", json=await _card(client), headers=h1)
    token = r.json()["token"]
    h2 = {"X-Tenant-ID": str(t2), **bearer(token_for(container, t2, user_id=owner))}
    r = await client.post("/api/v1/payments/charges", json={"card_token": token, "amount": "5.00"},
                          headers={**h2, "Idempotency-Key": "x"})  # fmt: skip
    assert r.status_code == 404
    async with container.uow(t1, read_only=True) as uow:
        row = await uow.session.scalar(select(VaultToken).where(VaultToken.token == token))
    assert row is not None and row.owner_id == owner


async def test_the_api_takes_no_card_number_or_cvv(container, client) -> None:
    """PCI SAQ-A: a request carrying card data is a 422 problem and stores nothing."""
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, user_id=uuid.uuid4()))}
    token = (await _card(client))["provider_token"]
    bodies = [
        {"number": NUMBER, "exp_month": 11, "exp_year": 2031, "cvv": "123"},
        {"provider_token": "4242424242424242"},
        {"provider_token": "4242 4242 4242 4242"},
        {"provider_token": token, "cvv": "123"},
        {"provider_token": token, "CVC": "123"},
        {"provider_token": token, "pan": "4242424242424242"},
    ]
    for body in bodies:
        r = await client.post("/api/v1/payments/cards", json=body, headers=h)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert "card_number_not_accepted" in r.text and "4242424242424242" not in r.text.replace(" ", "")
    r = await client.post("/api/v1/payments/cards", json={"provider_token": "tok_visa"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_provider_token"  # no expiry: not storable
    async with container.uow(tid, read_only=True) as uow:
        assert (await uow.session.scalars(select(VaultToken))).all() == []
