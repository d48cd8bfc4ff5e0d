"""Cards reach the checkout only as the provider's token (issue #19): a typed card number is refused
with a problem, the sandbox's browser tokenization validates number, expiry and CVV like a provider,
and the instalments come from the tenant's interest-free plan."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from ecovarejo.core.models import Tenant
from tests.integration.orders.shop import checkout_body, open_shop


async def tokenize(client, number: str, exp: str | None = None, cvc: str = "123", holder: str = "ANA SOUZA"):
    year = date.today().year + 2
    month, yy = (exp or f"12/{year}").split("/")
    return await client.post(
        "/sandbox-pay/v1/tokens",
        json={"number": number, "exp_month": month, "exp_year": yy, "cvc": cvc, "holder": holder},
    )


async def test_a_card_number_is_refused_and_a_token_pays_in_instalments(container, client) -> None:
    shop = await open_shop(container)
    shop.catalog.put("TEE", "90.00")
    await shop.stock("TEE", 10)
    _, h = shop.customer()
    items = [{"sku": "TEE", "quantity": 1}]

    for pan in ("4242 4242 4242 4242", "4242424242424242", "5555-5555-5555-4444"):
        body = checkout_body(items=items, payment={"method": "card", "source": pan})
        r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": f"pan-{pan}"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert r.json()["errors"][0]["type"] == "card_number_not_accepted", r.text
        assert pan.replace(" ", "") not in r.text.replace(" ", "")  # the number is not echoed
    assert await shop.available("TEE") == 10

    # the provider's browser tokenization checks what a provider checks
    bad = {
        "4242 4242 4242 4241": ("invalid_number", {}),
        "4242 4242 4242 4242": ("expired_card", {"exp": "01/2020"}),
    }
    for number, (code, kw) in bad.items():
        r = await tokenize(client, number, **kw)
        assert r.status_code == 402 and r.json()["error"]["code"] == code, r.text
    r = await tokenize(client, "4242424242424242", exp="13/2031")
    assert r.json()["error"]["code"] == "invalid_expiry"
    r = await tokenize(client, "4242424242424242", cvc="12")
    assert r.json()["error"]["code"] == "invalid_cvc"
    r = await tokenize(client, "378282246310005", cvc="123")  # American Express: four digits
    assert r.json()["error"]["code"] == "invalid_cvc"

    ok = await tokenize(client, "4242 4242 4242 4242")
    assert ok.status_code == 200 and ok.json()["card"] == {
        "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": date.today().year + 2
    }  # fmt: skip
    token = ok.json()["id"]
    assert "4242424242424242" not in token

    # 3x interest-free is the default plan; 4x is not offered
    four = checkout_body(items=items, payment={"method": "card", "source": token, "installments": 4})
    r = await client.post("/api/v1/orders", json=four, headers={**h, "Idempotency-Key": "four"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_installments"), r.text
    assert await shop.available("TEE") == 10
    three = checkout_body(items=items, payment={"method": "card", "source": token, "installments": 3})
    r = await client.post("/api/v1/orders", json=three, headers={**h, "Idempotency-Key": "three"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "paid" and order["payments"][0]["card_last4"] == "4242"
    pix = checkout_body(items=items, payment={"method": "pix", "installments": 2})
    r = await client.post("/api/v1/orders", json=pix, headers={**h, "Idempotency-Key": "pix"})
    assert r.status_code == 422, r.text

    # the tenant's setting widens the plan (interest-free up to 6x)
    async with container.db.system_session() as s:
        await s.execute(
            update(Tenant).where(Tenant.id == shop.tenant_id).values(settings={"installments_interest_free": 6})
        )
        await s.commit()
    again = (await tokenize(client, "5555 5555 5555 4444")).json()["id"]
    six = checkout_body(items=items, payment={"method": "card", "source": again, "installments": 6})
    r = await client.post("/api/v1/orders", json=six, headers={**h, "Idempotency-Key": "six"})
    assert r.status_code == 201 and r.json()["payments"][0]["card_last4"] == "4444", r.text


async def test_a_declined_token_is_a_402_and_another_key_pays_once(container, client) -> None:
    shop = await open_shop(container)
    shop.catalog.put("TEE", "50.00")
    await shop.stock("TEE", 5)
    _, h = shop.customer()
    items = [{"sku": "TEE", "quantity": 1}]
    declined = (await tokenize(client, "4000 0000 0000 0002")).json()["id"]
    r = await client.post(
        "/api/v1/orders",
        json=checkout_body(items=items, payment={"method": "card", "source": declined}),
        headers={**h, "Idempotency-Key": "try-1"},
    )
    assert (r.status_code, r.json()["code"], r.json()["decline_code"]) == (402, "payment_declined", "card_declined")
    good = (await tokenize(client, "4242 4242 4242 4242")).json()["id"]
    body = checkout_body(items=items, payment={"method": "card", "source": good})
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "try-1"})
    assert (
        r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    )  # the first attempt's key belongs to the first card
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "try-2"})
    assert r.status_code == 201, r.text
    again = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "try-2"})
    assert again.json()["id"] == r.json()["id"]
    assert await shop.available("TEE") == 4
