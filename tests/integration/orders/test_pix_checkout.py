"""Pix at checkout: the order waits for the payment; the PSP's signed notification pays it through the
same ``mark_paid`` as a card capture, once, however often it is delivered."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal

from sqlalchemy import select

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import new_id
from ecovarejo.core.models import OutboxEvent
from ecovarejo.inventory import service as inventory
from ecovarejo.orders import service as orders
from ecovarejo.payments.instant import sign_notification
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import install_providers
from ecovarejo.products import service as products
from ecovarejo.products.schemas import ProductCreate
from tests.support import bearer, eventually, make_tenant, token_for

from .shop import checkout_body

SECRET = "psp-secret"


def _sign(body: bytes) -> str:
    return sign_notification(body, SECRET)


async def _events(container, tid, etype: str) -> list[dict]:
    async with container.db.system_session() as s:
        rows = (
            await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tid, OutboxEvent.type == etype))
        ).all()
    return [r.envelope["data"] for r in rows]


async def _status(container, tid, order_id: str) -> str:
    async with container.uow(tid, read_only=True) as uow:
        return str((await orders.order_detail(uow, uuid.UUID(order_id)))["status"])


async def _is(container, tid, order_id: str, status: str) -> bool:
    return await _status(container, tid, order_id) == status


async def test_pix_order_is_paid_by_the_psp_notification(container, client, tmp_path) -> None:
    install_providers(container, PaymentsSettings(psp_webhook_secret=SECRET, master_key_file=None))
    tid = await make_tenant(container)
    admin = Principal(user_id=new_id(), tenant_id=tid, user_type="admin")
    async with container.uow(tid, actor="test") as uow:
        await products.create_product(
            uow, ProductCreate(sku="ECO-CUP-01", name="Copo de Bambu", price=Decimal("39.90")), admin
        )
        wh = await inventory.create_warehouse(uow, "CD-SP", "CD SP")
        await uow.commit()
    async with container.uow(tid, actor="test") as uow:
        await inventory.adjust(uow, "ECO-CUP-01", wh.id, 5, reason="received", actor="t")
        await uow.commit()

    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer"))}
    r = await client.post("/api/v1/cart/items", json={"sku": "ECO-CUP-01", "quantity": 2}, headers=h)
    assert r.status_code == 200, r.text
    body = checkout_body(payment={"method": "pix"})
    r = await client.post("/api/v1/orders", json=body, headers={**h, "Idempotency-Key": "pix-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "awaiting_payment"
    pay = order["payment_instructions"]
    assert pay["method"] == "pix" and pay["pix_copy_paste"].startswith("000201") and pay["qr_png_base64"]
    assert Decimal(pay["amount"]) == Decimal(order["total_amount"])
    async with container.uow(tid, read_only=True) as uow:
        assert (await inventory.availability(uow, ["ECO-CUP-01"]))["ECO-CUP-01"] == 3  # sold, held for the order
    pending = await _events(container, tid, "payment.pending")
    assert [(e["order_id"], e["method"], e["pix_copy_paste"]) for e in pending] == [
        (order["id"], "pix", pay["pix_copy_paste"])
    ]

    note = {"pix": [{"endToEndId": "E1823612020261129120000000000001", "txid": pay["txid"], "valor": pay["amount"],
                     "horario": "2026-11-29T12:00:00.000Z"}]}  # fmt: skip
    raw = json.dumps(note).encode()
    url = "/api/v1/payments/webhooks/pix"
    for _ in range(2):  # delivered twice by the PSP
        r = await client.post(url, content=raw, headers={"X-Tenant-ID": str(tid), "x-ecovarejo-signature": _sign(raw)})
        assert r.status_code == 200, r.text
    await eventually(lambda: _is(container, tid, order["id"], "paid"))
    await asyncio.sleep(0.3)
    assert len(await _events(container, tid, "order.paid")) == 1
    async with container.uow(tid, read_only=True) as uow:
        detail = await orders.order_detail(uow, uuid.UUID(order["id"]))
    assert detail["history"][-1]["actor"] == "system:payments" and "webhook" in detail["history"][-1]["reason"]


async def test_unpaid_boleto_expires_and_cancels_its_order(container, client) -> None:
    from datetime import timedelta

    from ecovarejo.core.db import utcnow
    from ecovarejo.payments.instant import expire_pending

    tid = await make_tenant(container)
    admin = Principal(user_id=new_id(), tenant_id=tid, user_type="admin")
    async with container.uow(tid, actor="test") as uow:
        await products.create_product(
            uow, ProductCreate(sku="ECO-BAG-01", name="Sacola", price=Decimal("25.00")), admin
        )
        wh = await inventory.create_warehouse(uow, "CD-RJ", "CD RJ")
        await uow.commit()
    async with container.uow(tid, actor="test") as uow:
        await inventory.adjust(uow, "ECO-BAG-01", wh.id, 4, reason="received", actor="t")
        await uow.commit()
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer"))}
    await client.post("/api/v1/cart/items", json={"sku": "ECO-BAG-01", "quantity": 3}, headers=h)
    r = await client.post(
        "/api/v1/orders", json=checkout_body(payment={"method": "boleto"}), headers={**h, "Idempotency-Key": "b-1"}
    )
    assert r.status_code == 201, r.text
    order = r.json()
    line = order["payment_instructions"]["boleto_line"]
    assert len("".join(ch for ch in line if ch.isdigit())) == 47
    assert await expire_pending(container) == 0  # not due yet
    container.clock = lambda: utcnow() + timedelta(days=4)
    assert await expire_pending(container) == 1
    assert await expire_pending(container) == 0  # once
    await eventually(lambda: _is(container, tid, order["id"], "cancelled"))
    async with container.uow(tid, read_only=True) as uow:
        assert (await inventory.availability(uow, ["ECO-BAG-01"]))["ECO-BAG-01"] == 4


async def test_card_payment_needs_a_source(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer"))}
    r = await client.post(
        "/api/v1/orders", json=checkout_body(payment={"method": "card"}), headers={**h, "Idempotency-Key": "k"}
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
