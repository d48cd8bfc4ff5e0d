"""Helpers of the money tests: a shop with stock, a Pix order placed at checkout, PSP notifications."""

from __future__ import annotations

import json
import uuid
from typing import Any

from ecovarejo.payments.instant import sign_notification
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import install_providers
from tests.integration.orders.shop import Shop, checkout_body, open_shop

PSP_SECRET = "psp-secret"


def sign(body: bytes) -> str:
    return sign_notification(body, PSP_SECRET)


async def pix_shop(container: Any, stock: int = 10_000) -> Shop:
    install_providers(container, PaymentsSettings(psp_webhook_secret=PSP_SECRET, master_key_file=None))
    shop = await open_shop(container)
    shop.catalog.put("ECO-KIT-01", "104.90")
    await shop.stock("ECO-KIT-01", stock)
    return shop


async def place_pix_order(client: Any, shop: Shop, headers: dict[str, str], quantity: int = 2) -> dict[str, Any]:
    r = await client.post("/api/v1/cart/items", json={"sku": "ECO-KIT-01", "quantity": quantity}, headers=headers)
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/v1/orders",
        json=checkout_body(payment={"method": "pix"}),
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    assert order["status"] == "awaiting_payment"
    return order


async def psp_confirms(client: Any, shop: Shop, txid: str, amount: str) -> Any:
    note = {"pix": [{"endToEndId": "E" + uuid.uuid4().hex, "txid": txid, "valor": amount,
                     "horario": "2026-11-29T12:00:00.000Z"}]}  # fmt: skip
    raw = json.dumps(note).encode()
    return await client.post(
        "/api/v1/payments/webhooks/pix", content=raw, headers={**shop.h, "x-ecovarejo-signature": sign(raw)}
    )
