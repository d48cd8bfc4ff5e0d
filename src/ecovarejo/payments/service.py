"""Payments core: authorize, capture, void and refund through the gateway port, recorded as a payment
with its transactions. Network calls to the gateway never happen inside a database transaction; every
money effect carries an idempotency key (provider side) and a unique transaction row (our side).

Functions named ``gateway_*`` only talk to the provider; ``record_*`` only write (flush) in a unit of
work; :func:`capture`, :func:`void` and :func:`refund` combine both for callers outside a transaction.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id
from ecovarejo.core.errors import Conflict, DomainError, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .gateway import GatewayError, GatewayResult, PaymentGateway
from .models import Payment, PaymentTransaction
from .sandbox import token_last4


class PaymentDeclined(DomainError):
    status = 402
    code = "payment_declined"
    title = "Payment declined"


class PaymentUnavailable(DomainError):
    """The provider did not answer; no money was taken (the hold, if any, is voided)."""

    status = 402
    code = "payment_unavailable"
    title = "Payment could not be processed"


def gateway_of(container: Container) -> PaymentGateway:
    return container.ports.get(PaymentGateway)


def last4(source: str) -> str | None:
    known = token_last4(source)
    if known is not None:
        return known
    digits = "".join(ch for ch in source if ch.isdigit())
    return digits[-4:] if len(digits) >= 12 else None


def _txn(
    payment: Payment, kind: str, amount: Decimal, result: GatewayResult | None, key: str, actor: str | None
) -> PaymentTransaction:
    return PaymentTransaction(
        id=new_id(),
        payment_id=payment.id,
        kind=kind,
        amount=quantize(amount),
        status="pending" if result is None else ("succeeded" if result.ok else "failed"),
        idempotency_key=key,
        gateway_reference=result.reference if result else payment.gateway_reference,
        error_code=result.code if result else None,
        actor=actor,
    )


# --------------------------------------------------------------------------- authorize


async def gateway_authorize(
    gateway: PaymentGateway,
    *,
    amount: Decimal,
    currency: str,
    source: str,
    idempotency_key: str,
    installments: int = 1,
) -> GatewayResult:
    """Ask the provider to hold ``amount`` (in ``installments`` interest-free instalments); declines come
    back as ``ok=False``; timeouts raise."""
    if installments > 1:
        return await gateway.authorize(
            amount=quantize(amount), currency=currency, source=source, idempotency_key=idempotency_key,
            installments=installments,
        )  # fmt: skip
    return await gateway.authorize(
        amount=quantize(amount), currency=currency, source=source, idempotency_key=idempotency_key
    )


async def record_authorization(
    uow: UnitOfWork,
    result: GatewayResult,
    *,
    gateway: str,
    amount: Decimal,
    currency: str,
    method: str,
    source: str,
    idempotency_key: str,
    order_id: uuid.UUID | None = None,
    actor: str | None = None,
    payment_id: uuid.UUID | None = None,
) -> Payment:
    """The payment row and its ``authorize`` transaction (a decline is recorded too: it is history), written
    in one flush. ``payment_id``: the id to give it (a caller that wrote the id elsewhere first)."""
    payment = Payment(
        id=payment_id or new_id(),
        order_id=order_id,
        gateway=gateway,
        gateway_reference=result.reference,
        method=method,
        card_last4=last4(source),
        currency=currency,
        amount=quantize(amount),
        authorized_amount=quantize(amount) if result.ok else Decimal("0"),
        captured_amount=Decimal("0"),
        refunded_amount=Decimal("0"),
        status="authorized" if result.ok else "failed",
        failure_code=result.code,
    )
    repo.add(uow, payment)
    repo.add(uow, _txn(payment, "authorize", amount, result, f"{idempotency_key}:authorize", actor))
    await uow.flush()
    return payment


# --------------------------------------------------------------------------- capture / void


async def gateway_capture(gateway: PaymentGateway, reference: str, amount: Decimal, key: str) -> GatewayResult:
    return await gateway.capture(reference, quantize(amount), idempotency_key=key)


async def record_capture(
    uow: UnitOfWork, payment_id: uuid.UUID, result: GatewayResult, amount: Decimal, key: str, actor: str | None = None
) -> bool:
    """Record a capture once; ``False`` when this key was already recorded."""
    if await repo.transaction_by_key(uow, key) is not None:
        return False
    if not result.ok:
        await _payment(uow, payment_id)  # an unknown payment is a 404, not a foreign-key failure
    repo.add(uow, _capture_txn(payment_id, amount, result, key, actor))
    if result.ok and not await repo.add_captured(uow, payment_id, quantize(amount)):
        await _payment(uow, payment_id)
        raise Conflict("capture exceeds the authorization", code="capture_not_allowed")
    await uow.flush()
    return True


def _capture_txn(
    payment_id: uuid.UUID, amount: Decimal, result: GatewayResult, key: str, actor: str | None
) -> PaymentTransaction:
    """A capture's transaction row, from the provider's answer (no need to read the payment first)."""
    return PaymentTransaction(
        id=new_id(),
        payment_id=payment_id,
        kind="capture",
        amount=quantize(amount),
        status="succeeded" if result.ok else "failed",
        idempotency_key=key,
        gateway_reference=result.reference,
        error_code=result.code,
        actor=actor,
    )


async def capture(
    container: Container, tenant_id: uuid.UUID, payment_id: uuid.UUID, *, key: str, amount: Decimal | None = None
) -> Payment:
    async with container.uow(tenant_id, read_only=True) as uow:
        payment = await _payment(uow, payment_id)
        reference, authorized = payment.gateway_reference or "", payment.authorized_amount
    amount = authorized if amount is None else amount
    result = await gateway_capture(gateway_of(container), reference, amount, key)
    async with container.uow(tenant_id) as uow:
        await record_capture(uow, payment_id, result, amount, key)
        await uow.commit()
        return await _payment(uow, payment_id)


async def void(container: Container, tenant_id: uuid.UUID, payment_id: uuid.UUID, *, key: str) -> bool:
    """Release an authorization that will not be captured (compensation). Safe to repeat."""
    async with container.uow(tenant_id, read_only=True) as uow:
        payment = await _payment(uow, payment_id)
        status, reference = payment.status, payment.gateway_reference
    if status != "authorized" or not reference:
        return False
    result = await gateway_of(container).void(reference, idempotency_key=key)
    async with container.uow(tenant_id) as uow:
        if await repo.transaction_by_key(uow, key) is None:
            payment = await _payment(uow, payment_id)
            repo.add(uow, _txn(payment, "void", payment.authorized_amount, result, key, None))
            if result.ok:
                await repo.set_status(uow, payment_id, ("authorized",), "voided")
            await uow.commit()
    return result.ok


# --------------------------------------------------------------------------- refunds


async def refund(
    container: Container,
    tenant_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: Decimal,
    *,
    key: str,
    actor: str | None = None,
) -> PaymentTransaction:
    """Refund ``amount`` of a captured payment exactly once per ``key``.

    1. reserve the amount on the payment (conditional update: never beyond what was captured) and
       write a ``pending`` transaction; commit. 2. call the provider (no transaction open). 3. mark the
       transaction succeeded, or give the reserved amount back when the provider refused.
    """
    amount = quantize(amount)
    if amount <= 0:
        raise InvalidInput("refund amount must be positive", code="invalid_amount")
    async with container.uow(tenant_id, actor=actor) as uow:
        existing = await repo.transaction_by_key(uow, key)
        if existing is not None:
            if existing.amount != amount or existing.kind != "refund":
                raise InvalidInput("this key was used for another refund", code="idempotency_key_reused")
            if existing.status != "pending":
                uow.session.expunge(existing)  # a read-only path rolls back on close: keep it loaded
                return existing
            reference = (await _payment(uow, payment_id)).gateway_reference
        else:
            payment = await _payment(uow, payment_id)
            if payment.status not in ("captured", "partially_refunded"):
                raise Conflict(f"payment is {payment.status}", code="payment_not_refundable")
            if not await repo.add_refunded(uow, payment_id, amount):
                raise Conflict("refund exceeds the captured amount", code="refund_exceeds_capture")
            reference = payment.gateway_reference
            repo.add(uow, _txn(payment, "refund", amount, None, key, actor))
            try:
                await uow.commit()
            except IntegrityError as exc:  # a concurrent request with the same key won
                raise Conflict("this refund is already in progress", code="idempotency_in_progress") from exc
    try:
        result = await gateway_of(container).refund(reference or "", amount, idempotency_key=key)
    except GatewayError:
        result = GatewayResult(False, payment.gateway_reference, "failed", amount, "gateway_unavailable")
    async with container.uow(tenant_id, actor=actor) as uow:
        row = await repo.transaction_by_key(uow, key)
        assert row is not None
        if row.status == "pending":
            row.status = "succeeded" if result.ok else "failed"
            row.error_code = result.code
            if result.ok:
                p = await _payment(uow, payment_id)
                p.status = "refunded" if p.refunded_amount >= p.captured_amount else "partially_refunded"
            else:
                await repo.add_refunded(uow, payment_id, -amount)
            await uow.commit()
        if row.status == "failed":
            raise PaymentDeclined(f"the refund was refused: {row.error_code}", code="refund_failed")
        uow.session.expunge(row)
        return row


# --------------------------------------------------------------------------- reads


async def _payment(uow: UnitOfWork, payment_id: uuid.UUID) -> Payment:
    payment = await repo.get(uow, payment_id)
    if payment is None:
        raise NotFound("unknown payment", code="payment_not_found")
    return payment


async def payment_by_authorization_key(uow: UnitOfWork, key: str) -> Payment | None:
    """The payment whose authorization was recorded under ``key`` (a retried checkout finds its own)."""
    txn = await repo.transaction_by_key(uow, f"{key}:authorize")
    return await repo.get(uow, txn.payment_id) if txn is not None else None


async def stale_authorizations(uow: UnitOfWork, before: Any, limit: int = 200) -> list[tuple[Payment, str]]:
    """Card authorizations neither captured nor voided since before ``before``, each with the key its
    checkout authorized under (without the ``:authorize`` suffix). System unit of work: all tenants."""
    return [(p, k.removesuffix(":authorize")) for p, k in await repo.stale_authorizations(uow, before, limit)]


async def get_payment(uow: UnitOfWork, payment_id: uuid.UUID) -> Payment:
    return await _payment(uow, payment_id)


async def payments_for_order(uow: UnitOfWork, order_id: uuid.UUID) -> list[Payment]:
    return await repo.for_order(uow, order_id)


async def transactions(uow: UnitOfWork, payment_id: uuid.UUID) -> list[PaymentTransaction]:
    return await repo.transactions(uow, payment_id)


async def ensure_card_owner(container: Container, uow: UnitOfWork, source: str, owner_id: uuid.UUID) -> None:
    """A payment source that is a vault token must be ``owner_id``'s card (else 404, like an unknown
    token); any other source (a provider's one-time token) is left to the provider."""
    from .setup import vault_of
    from .vault import TOKEN_PREFIX

    if not source.startswith(TOKEN_PREFIX):
        return
    await vault_of(container).card(uow, source, owner_id=owner_id)
