"""Pix and boleto: a pending payment in the ledger, confirmed once by the PSP's / bank's signed
notification for exactly its amount."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from ecovarejo.payments import service
from ecovarejo.payments.instant import sign_notification
from tests.support import bearer, make_tenant, token_for


@pytest.fixture
def psp(payments_settings):
    payments_settings.psp_webhook_secret = "psp-secret"
    return payments_settings


def sign(body: bytes, secret: str = "psp-secret") -> str:
    return sign_notification(body, secret)


async def _status(container, tid, pid):
    async with container.uow(tid, read_only=True) as uow:
        p = await service.get_payment(uow, uuid.UUID(pid))
        return p.status, p.captured_amount


async def test_pix_confirmed_once_by_signed_notification(psp, wired, client) -> None:
    tid = await make_tenant(wired)
    h = {"X-Tenant-ID": str(tid)}
    r = await client.post(
        "/api/v1/payments/pix", json={"amount": "59.90"}, headers={**h, **bearer(token_for(wired, tid))}
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    pid, txid = r.json()["payment_id"], r.json()["txid"]
    note = {"pix": [{"endToEndId": "E18236120202611291200s0000000001", "txid": txid, "valor": "59.90",
                     "horario": "2026-11-29T12:00:00.000Z"}]}  # fmt: skip
    body = json.dumps(note).encode()
    url = "/api/v1/payments/webhooks/pix"
    bad = await client.post(url, content=body, headers={**h, "x-ecovarejo-signature": sign(body, "forged")})
    assert bad.status_code == 400 and await _status(wired, tid, pid) == ("pending", Decimal("0.00"))
    ok = await client.post(url, content=body, headers={**h, "x-ecovarejo-signature": sign(body)})
    assert ok.status_code == 200 and ok.json()["outcomes"] == ["processed"]
    again = await client.post(url, content=body, headers={**h, "x-ecovarejo-signature": sign(body)})
    assert again.json()["outcomes"] == ["duplicate"]
    assert await _status(wired, tid, pid) == ("captured", Decimal("59.90"))


async def test_boleto_wrong_amount_is_not_confirmed(psp, wired, client) -> None:
    tid = await make_tenant(wired)
    h = {"X-Tenant-ID": str(tid)}
    r = await client.post("/api/v1/payments/boletos", json={"amount": "120.00", "due_date": "2030-02-01"},
                          headers={**h, **bearer(token_for(wired, tid))})  # fmt: skip
    assert r.status_code == 201
    pid, line = r.json()["payment_id"], r.json()["digitable_line"]
    url = "/api/v1/payments/webhooks/boleto"
    short = json.dumps({"id": "bank-ev-1", "barcode": line, "amount": "100.00", "paid_at": "2030-01-30"}).encode()
    r = await client.post(url, content=short, headers={**h, "x-ecovarejo-signature": sign(short)})
    assert r.json().get("outcome") == "amount_mismatch", r.text
    assert await _status(wired, tid, pid) == ("pending", Decimal("0.00"))
    full = json.dumps({"id": "bank-ev-2", "barcode": line, "amount": "120.00", "paid_at": "2030-01-31"}).encode()
    r = await client.post(url, content=full, headers={**h, "x-ecovarejo-signature": sign(full)})
    assert r.json()["outcome"] == "processed"
    assert await _status(wired, tid, pid) == ("captured", Decimal("120.00"))
