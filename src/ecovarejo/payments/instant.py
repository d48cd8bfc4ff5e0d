"""Pix and boleto payments in the ledger: created ``pending`` (nothing authorized), confirmed by the
PSP's or bank's notification for exactly their amount.

Confirmations arrive at ``POST /api/v1/payments/webhooks/pix`` in the Pix API's webhook shape
(``{"pix": [{"endToEndId", "txid", "valor", "horario"}]}``) and at ``…/webhooks/boleto``
(``{"id", "barcode", "amount", "paid_at"}``). The Pix API authenticates its webhook with mutual TLS,
which ends at the edge, so both notifications must also carry
``x-ecovarejo-signature: t=<unix time>,v1=<hex>``: HMAC-SHA-256 of ``"{t}.{body}"`` with
``ECOVAREJO_PAYMENTS_PSP_WEBHOOK_SECRET``, ``t`` within ``WEBHOOK_TOLERANCE`` (:func:`sign_notification`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import boleto, ext_repository
from .ext_models import PaymentInstruction
from .models import Payment
from .pix import PixCharge
from .webhooks import InvalidSignature, Notice


async def create_pix(uow: UnitOfWork, charge: PixCharge, *, order_id: uuid.UUID | None) -> Payment:
    p = Payment(
        id=new_id(), order_id=order_id, gateway="pix", gateway_reference=f"pix:{charge.txid}", method="pix",
        currency="BRL", amount=quantize(charge.amount), authorized_amount=Decimal("0"), captured_amount=Decimal("0"),
        refunded_amount=Decimal("0"), status="pending",
    )  # fmt: skip
    ext_repository.add_payment(uow, p)
    await uow.flush()
    return p


async def create_boleto(uow: UnitOfWork, b: boleto.Boleto, *, order_id: uuid.UUID | None) -> Payment:
    p = Payment(
        id=new_id(), order_id=order_id, gateway="boleto", gateway_reference=f"boleto:{b.barcode}", method="boleto",
        currency="BRL", amount=quantize(b.amount), authorized_amount=Decimal("0"), captured_amount=Decimal("0"),
        refunded_amount=Decimal("0"), status="pending",
    )  # fmt: skip
    ext_repository.add_payment(uow, p)
    await uow.flush()
    return p


def sign_notification(body: bytes, secret: str, *, now: float | None = None) -> str:
    """``x-ecovarejo-signature: t=<unix time>,v1=<HMAC-SHA-256 of "{t}.{body}">`` (Stripe's scheme): the
    time is signed too, so a captured notification cannot be replayed after the tolerance window."""
    t = int(time.time() if now is None else now)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _verify(body: bytes, header: str | None, secret: str, tolerance: int = 300, now: float | None = None) -> Any:
    if not secret:
        raise InvalidSignature("webhooks are not configured for this method", code="webhook_not_configured")
    parts = dict(p.split("=", 1) for p in (header or "").replace(" ", "").split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        raise InvalidSignature("x-ecovarejo-signature has no timestamp (t=)") from None
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise InvalidSignature("x-ecovarejo-signature is outside the tolerance window", code="webhook_stale")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "").lower()):
        raise InvalidSignature("x-ecovarejo-signature does not match")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise InvalidSignature("the body is not JSON", code="invalid_webhook_body") from exc


def _amount(value: Any) -> Decimal | None:
    try:
        return quantize(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def parse_pix(body: bytes, header: str | None, secret: str, tolerance: int = 300) -> list[Notice]:
    data = _verify(body, header, secret, tolerance)
    items = data.get("pix") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidSignature("not a Pix notification", code="invalid_webhook_body")
    out = []
    for it in items:
        if not isinstance(it, dict) or not it.get("txid") or not it.get("endToEndId"):
            continue
        when = _time(it.get("horario"))
        safe = {"endToEndId": it["endToEndId"], "txid": it["txid"], "valor": it.get("valor")}
        out.append(Notice("pix", str(it["endToEndId"]), "pix.received", str(it["txid"]), "captured", when,
                          _amount(it.get("valor")), None, safe))  # fmt: skip
    return out


def parse_boleto(body: bytes, header: str | None, secret: str, tolerance: int = 300) -> Notice:
    data = _verify(body, header, secret, tolerance)
    if not isinstance(data, dict) or not data.get("id") or not data.get("barcode"):
        raise InvalidSignature("not a boleto notification", code="invalid_webhook_body")
    barcode = (
        boleto.barcode_from_line(str(data["barcode"])) if len(str(data["barcode"])) != 44 else str(data["barcode"])
    )
    safe = {"id": data["id"], "barcode": barcode, "amount": data.get("amount")}
    return Notice("boleto", str(data["id"]), "boleto.paid", barcode, "captured", _time(data.get("paid_at")),
                  _amount(data.get("amount")), None, safe)  # fmt: skip


def _time(value: Any) -> datetime | None:
    """An ISO 8601 time (a date alone is midnight); naive values are taken as UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


async def charge_for_order(
    uow: UnitOfWork,
    *,
    method: str,
    amount: Decimal,
    order_id: uuid.UUID,
    merchant_name: str,
    location_base: str,
    now: datetime,
    pix_expiry: timedelta = timedelta(minutes=30),
    boleto_days: int = 3,
) -> dict[str, Any]:
    """A Pix or boleto charge for an order, pending until the PSP's or bank's notification: what the
    customer needs to pay (copy-and-paste text and QR, or the digitable line) and when it expires."""
    import base64
    import secrets

    from . import pix

    if method == "pix":
        charge = pix.new_charge(
            txid="EV" + secrets.token_hex(14).upper(), amount=amount, merchant_name=merchant_name,
            merchant_city="SAO PAULO", location_base=location_base, now=now, expires_in=pix_expiry,
        )  # fmt: skip
        payment = await create_pix(uow, charge, order_id=order_id)
        ext_repository.add_instruction(
            uow,
            PaymentInstruction(payment_id=payment.id, method="pix", code=charge.payload, expires_at=charge.expires_at),
        )
        return {
            "payment_id": str(payment.id),
            "method": "pix",
            "txid": charge.txid,
            "amount": str(charge.amount),
            "expires_at": charge.expires_at.isoformat(),
            "pix_copy_paste": charge.payload,
            "qr_png_base64": base64.b64encode(pix.qr_png(charge.payload)).decode(),
        }
    if method == "boleto":
        due = now.date() + timedelta(days=boleto_days)
        b = boleto.issue("341", quantize(amount), due, f"{secrets.randbelow(10**25):025d}")
        payment = await create_boleto(uow, b, order_id=order_id)
        expires = datetime(due.year, due.month, due.day, 23, 59, tzinfo=UTC)
        ext_repository.add_instruction(
            uow, PaymentInstruction(payment_id=payment.id, method="boleto", code=b.formatted_line, expires_at=expires)
        )
        return {
            "payment_id": str(payment.id),
            "method": "boleto",
            "amount": str(b.amount),
            "expires_at": expires.isoformat(),
            "boleto_line": b.formatted_line,
            "barcode": b.barcode,
        }
    raise ValueError(f"not an instant method: {method}")


@dataclass(frozen=True)
class Payer:
    """Who is told how to pay (the ``payment.pending`` event's recipient)."""

    user_id: uuid.UUID
    email: str | None
    first_name: str | None
    locale: str


async def charge_order(
    uow: UnitOfWork,
    *,
    method: str,
    amount: Decimal,
    order_id: uuid.UUID,
    order_number: str,
    payer: Payer,
    merchant_name: str,
    location_base: str,
    now: datetime,
) -> dict[str, Any]:
    """:func:`charge_for_order` and its ``payment.pending`` event (same transaction): the notifications
    context tells the payer how to pay before it expires."""
    instructions = await charge_for_order(
        uow,
        method=method,
        amount=amount,
        order_id=order_id,
        merchant_name=merchant_name,
        location_base=location_base,
        now=now,
    )
    data: dict[str, Any] = {
        "order_id": str(order_id),
        "order_number": order_number,
        "user_id": str(payer.user_id),  # ids only: the notifications context resolves the contact
        "locale": payer.locale,
        "method": method,
        "amount": instructions["amount"],
        "expires_at": instructions["expires_at"],
    }
    if method == "pix":
        data["pix_copy_paste"] = instructions["pix_copy_paste"]
    else:
        data["boleto_line"] = instructions["boleto_line"]
    uow.emit("payment-events", "payment.pending", data, subject=str(order_id))
    return instructions


async def instructions_for_payments(uow: UnitOfWork, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """What the customer needs to pay each pending Pix/boleto (the Pix QR redrawn from its code)."""
    import base64

    from . import pix

    out: dict[uuid.UUID, dict[str, Any]] = {}
    for pid, row in (await ext_repository.instructions_for(uow, payment_ids)).items():
        item: dict[str, Any] = {"expires_at": row.expires_at.isoformat()}
        if row.method == "card":  # 3-D Secure: where the shopper authenticates (payments/authentication.py)
            item["next_action_url"] = row.code
        elif row.method == "pix":
            item["pix_copy_paste"] = row.code
            item["pix_qr_png"] = "data:image/png;base64," + base64.b64encode(pix.qr_png(row.code)).decode()
        else:
            item["boleto_line"] = row.code
        out[pid] = item
    return out


async def expire_pending(container: Container) -> int:
    """Job: a Pix or boleto not paid by its expiry, or a card left at its 3-D Secure challenge past the
    window, becomes ``expired`` and ``payment.expired`` is emitted (the orders context then cancels the
    order and returns its stock). Returns how many expired. The card's intent is then cancelled at the
    provider (after the commit: whoever moved the payment out of ``pending`` first wins; a shopper who
    authenticated in time was settled by the return page, so nothing held is cancelled here)."""
    from sqlalchemy import select

    from . import repository
    from .ext_models import PaymentInstruction

    now = container.now()
    async with container.db.system_session() as s:  # across tenants: the platform's own job
        due = (
            await s.execute(
                select(Payment.id, Payment.tenant_id, Payment.order_id, Payment.method, Payment.gateway_reference)
                .join(PaymentInstruction, PaymentInstruction.payment_id == Payment.id)
                .where(Payment.status == "pending", PaymentInstruction.expires_at < now)
                .limit(500)
            )
        ).all()
    expired = 0
    for payment_id, tenant_id, order_id, method, reference in due:
        async with container.uow(tenant_id, actor="system:payments") as uow:
            done = await repository.set_status(uow, payment_id, ("pending",), "expired")
            if done:
                uow.emit(
                    "payment-events",
                    "payment.expired",
                    {"payment_id": str(payment_id), "order_id": str(order_id) if order_id else None, "method": method},
                    subject=str(payment_id),
                )
                expired += 1
            await uow.commit()
        if done and method == "card" and reference:
            await _cancel_abandoned(container, tenant_id, reference, payment_id)
    return expired


async def _cancel_abandoned(container: Container, tenant_id: uuid.UUID, reference: str, payment_id: uuid.UUID) -> None:
    """The intent of an abandoned challenge cancelled at the provider (it holds nothing; a failure is
    logged: the provider drops unconfirmed intents by itself)."""
    import structlog

    from ecovarejo.core.tenancy import current_tenant

    from .service import gateway_of

    token = current_tenant.set(tenant_id)
    try:
        await gateway_of(container).void(reference, idempotency_key=f"payment:{payment_id}:expire")
    except Exception:
        structlog.get_logger("ecovarejo.payments").warning("abandoned_intent_not_cancelled", reference=reference)
    finally:
        current_tenant.reset(token)
