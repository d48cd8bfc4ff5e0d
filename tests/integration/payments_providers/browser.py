"""What the shopper's browser does with a card: it sends the number to the provider's tokenization (the
sandbox's ``POST /sandbox-pay/v1/tokens``, or Stripe.js's ``POST /v1/payment_methods`` with the
publishable key, here the Stripe fake) and gives the shop only the token."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx


async def sandbox_token(client: Any, number: str, *, exp_month: int = 12, exp_year: int | None = None,
                        cvc: str | None = None) -> str:  # fmt: skip
    digits = number.replace(" ", "").replace("-", "")
    body = {"number": number, "exp_month": str(exp_month), "exp_year": str(exp_year or date.today().year + 3),
            "cvc": cvc or ("1234" if digits.startswith(("34", "37")) else "123"), "holder": "ANA SOUZA"}  # fmt: skip
    r = await client.post("/sandbox-pay/v1/tokens", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def stripe_payment_method(stripe_url: str, number: str, *, exp_month: int = 12, exp_year: int | None = None,
                                cvc: str = "123") -> str:  # fmt: skip
    form = {"type": "card", "card[number]": number, "card[exp_month]": str(exp_month),
            "card[exp_year]": str(exp_year or date.today().year + 3), "card[cvc]": cvc}  # fmt: skip
    async with httpx.AsyncClient() as c:
        r = await c.post(
            f"{stripe_url}/v1/payment_methods", data=form, headers={"Authorization": "Bearer pk_test_local"}
        )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def store_card(client: Any, headers: dict[str, str], provider_token: str) -> dict[str, Any]:
    r = await client.post("/api/v1/payments/cards", json={"provider_token": provider_token}, headers=headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out
