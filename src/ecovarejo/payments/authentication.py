"""Card payments waiting for the shopper's 3-D Secure authentication (the provider's challenge page).

The checkout records such a payment ``pending`` (nothing held yet), with its ``authorize`` transaction
``pending`` under the checkout's key and a :class:`PaymentInstruction` (method ``card``) carrying the
challenge URL and the end of the window (:data:`AUTHENTICATION_WINDOW`). After the challenge the
provider's own answer (never the return URL's query string) settles it: ``authorized`` (then captured by
the checkout under its capture key) or ``failed``. A challenge abandoned past its window expires with
the Pix/boleto ones (:func:`instant.expire_pending`), which cancels the order and returns its stock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select, update

from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .ext_models import PaymentInstruction
from .gateway import GatewayResult
from .models import Payment, PaymentTransaction
from .service import last4

#: How long the shopper has to authenticate before the order is cancelled and its stock released.
AUTHENTICATION_WINDOW = timedelta(minutes=30)
#: The failure code of a payment whose authentication the issuer refused.
AUTHENTICATION_FAILED = "authentication_failed"


def needs_authentication(result: GatewayResult) -> bool:
    """The provider asks the shopper to authenticate (3-D Secure) and said where: not a decline."""
    return result.status == "requires_action" and bool(result.reference) and bool(result.next_action_url)


@dataclass(frozen=True)
class Authentication:
    """A card payment that was sent to authenticate, as it stands in our ledger."""

    payment_id: uuid.UUID
    order_id: uuid.UUID | None
    #: pending | authorized | captured | failed | expired | voided …
    status: str
    reference: str
    #: The checkout's key (its capture key is ``f"{money_key}:capture"``).
    money_key: str
    amount: Decimal
    next_action_url: str | None
    failure_code: str | None


async def record_pending_authentication(
    uow: UnitOfWork,
    result: GatewayResult,
    *,
    gateway: str,
    amount: Decimal,
    currency: str,
    source: str,
    idempotency_key: str,
    order_id: uuid.UUID,
    payment_id: uuid.UUID,
    now: datetime,
    actor: str | None = None,
) -> Payment:
    """The payment (``pending``), its ``authorize`` transaction (``pending``) and the challenge URL with the
    window's end."""
    payment = Payment(
        id=payment_id,
        order_id=order_id,
        gateway=gateway,
        gateway_reference=result.reference,
        method="card",
        card_last4=last4(source),
        currency=currency,
        amount=quantize(amount),
        authorized_amount=Decimal("0"),
        captured_amount=Decimal("0"),
        refunded_amount=Decimal("0"),
        status="pending",
        failure_code=None,
    )
    repo.add(uow, payment)
    await uow.flush()  # the payment first: its transaction and instruction refer to it
    repo.add(
        uow,
        PaymentTransaction(
            id=new_id(),
            payment_id=payment.id,
            kind="authorize",
            amount=quantize(amount),
            status="pending",
            idempotency_key=f"{idempotency_key}:authorize",
            gateway_reference=result.reference,
            error_code=result.code,
            actor=actor,
        ),
    )
    repo.add(
        uow,
        PaymentInstruction(
            payment_id=payment.id,
            method="card",
            code=(result.next_action_url or "")[:512],
            expires_at=now + AUTHENTICATION_WINDOW,
        ),
    )
    await uow.flush()
    return payment


async def _key_of(uow: UnitOfWork, payment_id: uuid.UUID) -> str:
    for txn in await repo.transactions(uow, payment_id):
        if txn.kind == "authorize":
            return txn.idempotency_key.removesuffix(":authorize")
    return f"payment:{payment_id}"


async def find_authentication(
    uow: UnitOfWork, *, payment_id: uuid.UUID | None = None, reference: str | None = None
) -> Authentication | None:
    """A card payment sent to authenticate, by our id or by the provider's id (``pi_…``, as the provider's
    redirect names it; stored plain or ``provider:id``); ``None`` when no such card payment exists in the
    current tenant."""
    if payment_id is None and not reference:
        return None
    q = select(Payment).where(Payment.method == "card")
    if payment_id is not None:
        q = q.where(Payment.id == payment_id)
    if reference:
        q = q.where(or_(Payment.gateway_reference == reference, Payment.gateway_reference.like(f"%:{reference}")))
    payment = await uow.session.scalar(q.execution_options(populate_existing=True))
    if payment is None:
        return None
    instruction = await uow.session.get(PaymentInstruction, payment.id)
    if instruction is None or instruction.method != "card":
        return None  # a card payment that never waited for authentication
    return Authentication(
        payment.id, payment.order_id, payment.status, payment.gateway_reference or "",
        await _key_of(uow, payment.id), payment.amount, instruction.code or None, payment.failure_code,
    )  # fmt: skip


async def settle_authentication(uow: UnitOfWork, payment_id: uuid.UUID, result: GatewayResult) -> str:
    """The provider's answer after the challenge written once: ``authorized`` (the hold for the full amount)
    or ``failed``; a payment no longer pending is left as it is. Returns the payment's status afterwards."""
    if result.status == "authorized" and result.ok:
        res = await uow.session.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.status == "pending", Payment.amount <= quantize(result.amount))
            .values(status="authorized", authorized_amount=Payment.amount, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if res.rowcount:  # type: ignore[attr-defined]
            await _authorize_txn(uow, payment_id, "succeeded", None)
    elif result.status in ("declined", "failed", "voided"):
        res = await uow.session.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.status == "pending")
            .values(status="failed", failure_code=result.code or AUTHENTICATION_FAILED, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if res.rowcount:  # type: ignore[attr-defined]
            await _authorize_txn(uow, payment_id, "failed", result.code or AUTHENTICATION_FAILED)
    await uow.flush()
    payment = await uow.session.get(Payment, payment_id, populate_existing=True)
    return payment.status if payment is not None else "missing"


async def _authorize_txn(uow: UnitOfWork, payment_id: uuid.UUID, status: str, code: str | None) -> None:
    await uow.session.execute(
        update(PaymentTransaction)
        .where(
            PaymentTransaction.payment_id == payment_id,
            PaymentTransaction.kind == "authorize",
            PaymentTransaction.status == "pending",
        )
        .values(status=status, error_code=code)
        .execution_options(synchronize_session=False)
    )
