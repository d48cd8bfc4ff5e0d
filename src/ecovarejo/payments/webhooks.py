"""Providers' notifications: signature checks, normalisation, and their one effect on our ledger.

- **Stripe**: ``Stripe-Signature: t=…,v1=…`` — HMAC-SHA-256 of ``"{t}.{body}"`` with the endpoint
  secret, ``t`` within the tolerance (the SDK's ``WebhookSignature.verify_header``).
- **Mercado Pago**: ``x-signature: ts=…,v1=…`` — HMAC-SHA-256 of ``id:{data.id};request-id:{x-request-id};ts:{ts};``
  (the SDK's ``WebhookSignatureValidator``). Its notifications carry no status, so the payment is read
  back from Mercado Pago.
- **PagBank**: ``x-authenticity-token`` — SHA-256 of ``"{token}-{body}"``.

Each event is stored once per (provider, event id): a repeat is answered 200 and changes nothing. Order
does not matter: a status never moves backwards (an older event is kept as ``stale``), and an event
about a payment we have not recorded yet is refused with 409 (nothing written) so the provider retries
it later. A capture confirmed here is recorded with the *same* transaction key the checkout uses for its
capture, so a webhook racing the checkout records one capture, and ``payment.captured`` is emitted once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.errors import Conflict, DomainError
from ecovarejo.core.uow import UnitOfWork

from . import ext_repository as xrepo
from . import refunds, repository, service
from .ext_models import WebhookEvent
from .gateway import GatewayResult
from .providers.base import from_cents

TOPIC = "payment-events"
#: How far along a payment is; a notice never moves a payment backwards.
RANK = {"pending": 0, "authorized": 1, "captured": 2, "declined": 2, "voided": 3, "refunded": 3,
        "partially_refunded": 3, "failed": 2, "charged_back": 4}  # fmt: skip


class InvalidSignature(DomainError):
    status = 400
    code = "invalid_signature"
    title = "Invalid webhook signature"


@dataclass(frozen=True)
class Notice:
    provider: str
    event_id: str
    event_type: str
    reference: str | None
    status: str | None
    occurred_at: datetime | None = None
    amount: Decimal | None = None
    dispute: dict[str, Any] | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidSignature("the body is not JSON", code="invalid_webhook_body") from exc
    if not isinstance(data, dict):
        raise InvalidSignature("the body is not a JSON object", code="invalid_webhook_body")
    return data


# --------------------------------------------------------------------------- Stripe
_STRIPE_TYPES = {
    "payment_intent.amount_capturable_updated": "authorized",
    "payment_intent.succeeded": "captured",
    "payment_intent.payment_failed": "declined",
    "payment_intent.canceled": "voided",
    "charge.refunded": "refunded",
}
_DISPUTE_STATUS = {"won": "won", "lost": "lost"}


def parse_stripe(body: bytes, header: str | None, secret: str, tolerance: int) -> Notice:
    if not secret:
        raise InvalidSignature("webhooks are not configured for stripe", code="webhook_not_configured")
    import stripe  # the SDK loads with the first Stripe notice, not with every process

    try:
        stripe.WebhookSignature.verify_header(body.decode("utf-8", "replace"), header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature("Stripe-Signature does not match") from exc
    event = _json(body)
    obj = (event.get("data") or {}).get("object") or {}
    etype = str(event.get("type", ""))
    occurred = datetime.fromtimestamp(int(event.get("created", 0)), UTC) if event.get("created") else None
    safe = {
        "id": event.get("id"),
        "type": etype,
        "object": {k: obj.get(k) for k in ("id", "object", "status", "amount")},
    }
    if etype.startswith("charge.dispute."):
        disputed = from_cents(int(obj.get("amount") or 0))
        dispute = {
            "id": str(obj.get("id")),
            "amount": disputed,
            "reason": obj.get("reason"),
            "status": _DISPUTE_STATUS.get(str(obj.get("status")), "open"),
        }
        return Notice("stripe", str(event.get("id")), etype, obj.get("payment_intent"), "charged_back", occurred,
                      disputed, dispute, safe)  # fmt: skip
    reference = obj.get("payment_intent") if obj.get("object") == "charge" else obj.get("id")
    amount = obj.get("amount_received") or obj.get("amount")
    return Notice("stripe", str(event.get("id")), etype, reference, _STRIPE_TYPES.get(etype), occurred,
                  from_cents(int(amount)) if amount is not None else None, None, safe)  # fmt: skip


# --------------------------------------------------------------------------- Mercado Pago
def parse_mercadopago(
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    secret: str,
    tolerance: int,
    now_ms: Callable[[], int] | None = None,
) -> Notice:
    """The notice without a status: the caller reads the payment back from Mercado Pago."""
    if not secret:
        raise InvalidSignature("webhooks are not configured for mercadopago", code="webhook_not_configured")
    event = _json(body)
    data_id = query.get("data.id") or str((event.get("data") or {}).get("id") or "")
    if data_id.isalnum():
        data_id = data_id.lower()
    from mercadopago.webhook import InvalidWebhookSignatureError, WebhookSignatureValidator

    try:
        WebhookSignatureValidator.validate(
            headers.get("x-signature"),
            headers.get("x-request-id"),
            data_id or None,
            secret,
            tolerance_seconds=tolerance,
            now=now_ms,
        )
    except InvalidWebhookSignatureError as exc:
        raise InvalidSignature("x-signature does not match") from exc
    etype = str(event.get("action") or event.get("type") or "")
    safe = {"id": event.get("id"), "type": etype, "data": {"id": data_id}}
    return Notice("mercadopago", str(event.get("id")), etype, data_id or None, None, None, None, None, safe)


# --------------------------------------------------------------------------- PagBank
_PAGBANK = {"AUTHORIZED": "authorized", "PAID": "captured", "DECLINED": "declined", "CANCELED": "voided",
            "IN_ANALYSIS": "pending", "WAITING": "pending"}  # fmt: skip


def parse_pagseguro(body: bytes, header: str | None, token: str) -> Notice:
    if not token:
        raise InvalidSignature("webhooks are not configured for pagseguro", code="webhook_not_configured")
    expected = hashlib.sha256(f"{token}-".encode() + body).hexdigest()
    if not header or not hmac.compare_digest(expected, header.strip().lower()):
        raise InvalidSignature("x-authenticity-token does not match")
    order = _json(body)
    charges = order.get("charges") or [{}]
    charge = charges[0]
    status = _PAGBANK.get(str(charge.get("status")))
    summary = (charge.get("amount") or {}).get("summary") or {}
    if status == "voided" and summary.get("paid"):
        status = "refunded"
    value = (charge.get("amount") or {}).get("value")
    safe = {"id": order.get("id"), "charge": {"id": charge.get("id"), "status": charge.get("status")}}
    event_id = f"{charge.get('id')}:{charge.get('status')}:{summary.get('refunded', 0)}"
    return Notice("pagseguro", event_id, f"charge.{str(charge.get('status', '')).lower()}", charge.get("id"), status,
                  None, from_cents(int(value)) if value is not None else None, None, safe)  # fmt: skip


def with_status(notice: Notice, result: GatewayResult) -> Notice:
    """The notice completed with the payment as read back from the provider; a chargeback becomes a
    dispute (one per payment: Mercado Pago tells the chargeback through the payment's status)."""
    notice = replace(notice, status=result.status, amount=result.amount)
    if result.status == "charged_back" and notice.reference:
        dispute = {"id": f"chargeback:{notice.reference}", "amount": result.amount, "reason": "chargeback",
                   "status": "open"}  # fmt: skip
        notice = replace(notice, dispute=dispute)
    return notice


# --------------------------------------------------------------------------- effect
async def _capture_key(uow: UnitOfWork, payment_id: Any) -> str:
    """The key the checkout uses for this payment's capture (its authorization key with ``:capture``)."""
    for txn in await repository.transactions(uow, payment_id):
        if txn.kind == "authorize":
            return txn.idempotency_key.removesuffix(":authorize") + ":capture"
    return f"payment:{payment_id}:capture"


async def apply(uow: UnitOfWork, notice: Notice) -> str:
    """Record the notice once and apply it: ``processed``, ``duplicate``, ``stale`` or ``recorded``."""
    payment = await xrepo.payment_by_reference(uow, notice.provider, notice.reference) if notice.reference else None
    if payment is None and notice.dispute is None:
        raise Conflict("no payment with this reference yet; retry later", code="payment_not_found_yet")
    row = WebhookEvent(
        provider=notice.provider,
        event_id=notice.event_id[:120],
        event_type=notice.event_type[:80],
        reference=notice.reference,
        status=notice.status,
        outcome="recorded",
        occurred_at=notice.occurred_at,
        payload=notice.payload,
    )
    if not await xrepo.add_webhook_event(uow, row):
        return "duplicate"
    if notice.dispute is not None:
        d = notice.dispute
        await refunds.record_dispute(
            uow, provider=notice.provider, dispute_id=d["id"], reference=notice.reference, amount=d["amount"],
            reason=d.get("reason"), status=d["status"],
        )  # fmt: skip
        row.outcome = "processed"
        await uow.flush()
        return row.outcome
    assert payment is not None
    current = RANK.get(payment.status, 0)
    incoming = RANK.get(notice.status or "", -1)
    if notice.status == "captured" and payment.status == "authorized":
        key = await _capture_key(uow, payment.id)
        result = GatewayResult(True, payment.gateway_reference, "captured", payment.authorized_amount)
        try:  # the checkout may be recording this very capture right now: same key, one wins
            async with uow.session.begin_nested():
                recorded = await service.record_capture(
                    uow, payment.id, result, payment.authorized_amount, key, actor="system:webhook"
                )
        except (IntegrityError, Conflict):
            recorded = False
        if recorded:
            _emit_captured(uow, payment, payment.authorized_amount, notice.provider)
        row.outcome = "processed" if recorded else "recorded"
    elif notice.status == "authorized" and payment.status == "pending" and payment.method == "card":
        # 3-D Secure passed (Stripe's amount_capturable_updated): authorized here, captured by the return
        # page or, if the shopper never comes back, by the checkout recovery job (same capture key)
        from .authentication import settle_authentication

        amount = notice.amount if notice.amount is not None else payment.amount
        status = await settle_authentication(
            uow, payment.id, GatewayResult(True, payment.gateway_reference, "authorized", amount)
        )
        row.outcome = "processed" if status == "authorized" else "recorded"
    elif notice.status == "captured" and payment.status == "pending":  # Pix / boleto paid
        if notice.amount is not None and notice.amount != payment.amount:
            row.outcome = "amount_mismatch"
        elif await xrepo.confirm_pending(uow, payment.id, payment.amount):
            _emit_captured(uow, payment, payment.amount, notice.provider)
            row.outcome = "processed"
    elif notice.status in ("voided", "declined") and payment.status == "authorized":
        await repository.set_status(uow, payment.id, ("authorized",), "voided")
        row.outcome = "processed"
    elif 0 <= incoming < current:
        row.outcome = "stale"
    await uow.flush()
    return row.outcome


def _emit_captured(uow: UnitOfWork, payment: Any, amount: Decimal, provider: str) -> None:
    uow.emit(
        TOPIC,
        "payment.captured",
        {
            "payment_id": str(payment.id),
            "order_id": str(payment.order_id) if payment.order_id else None,
            "amount": str(amount),
            "currency": payment.currency,
            "method": payment.method,
            "provider": provider,
            "via": "webhook",
        },
        subject=str(payment.id),
    )
