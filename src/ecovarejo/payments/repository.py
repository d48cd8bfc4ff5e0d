"""All SQL of the payments context."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, select, type_coerce, update

from ecovarejo.core.db import utcnow
from ecovarejo.core.money import from_cents
from ecovarejo.core.uow import UnitOfWork

from .models import Payment, PaymentTransaction


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def get(uow: UnitOfWork, payment_id: uuid.UUID) -> Payment | None:
    return await uow.session.get(Payment, payment_id, populate_existing=True)


async def for_order(uow: UnitOfWork, order_id: uuid.UUID) -> list[Payment]:
    q = (
        select(Payment)
        .where(Payment.order_id == order_id)
        .order_by(Payment.created_at, Payment.id)
        .execution_options(populate_existing=True)
    )
    return list((await uow.session.scalars(q)).all())


async def stale_authorizations(uow: UnitOfWork, before: datetime, limit: int) -> list[tuple[Payment, str]]:
    """Card payments still ``authorized`` since before ``before``, with their authorize key (system uow)."""
    q = (
        select(Payment, PaymentTransaction.idempotency_key)
        .join(PaymentTransaction, PaymentTransaction.payment_id == Payment.id)
        .where(
            Payment.status == "authorized",
            Payment.created_at < before,
            PaymentTransaction.kind == "authorize",
            Payment.method.not_in(("pix", "boleto")),
        )
        .order_by(Payment.created_at)
        .limit(limit)
    )
    return [(p, k) for p, k in (await uow.session.execute(q)).all()]


async def transaction_by_key(uow: UnitOfWork, key: str) -> PaymentTransaction | None:
    return await uow.session.scalar(
        select(PaymentTransaction)
        .where(PaymentTransaction.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


async def transactions(uow: UnitOfWork, payment_id: uuid.UUID) -> list[PaymentTransaction]:
    q = (
        select(PaymentTransaction)
        .where(PaymentTransaction.payment_id == payment_id)
        .order_by(PaymentTransaction.created_at, PaymentTransaction.id)
    )
    return list((await uow.session.scalars(q)).all())


async def add_captured(uow: UnitOfWork, payment_id: uuid.UUID, amount: Decimal) -> bool:
    """Conditionally add to the captured amount (never beyond the authorization)."""
    res = await uow.session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.status == "authorized",
            Payment.captured_amount + amount <= Payment.authorized_amount,
        )
        .values(captured_amount=Payment.captured_amount + amount, status="captured", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def add_refunded(uow: UnitOfWork, payment_id: uuid.UUID, amount: Decimal) -> bool:
    """Conditionally reserve a refund amount (never beyond what was captured)."""
    res = await uow.session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.refunded_amount + amount <= Payment.captured_amount)
        .values(refunded_amount=Payment.refunded_amount + amount, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def set_status(uow: UnitOfWork, payment_id: uuid.UUID, from_status: tuple[str, ...], to_status: str) -> bool:
    res = await uow.session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(from_status))
        .values(status=to_status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


#: Statuses of a payment whose money may still arrive (an authorization, a Pix/boleto not yet paid).
IN_FLIGHT = ("authorized", "pending")


async def order_sums(uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool = False) -> tuple[Decimal, Decimal, Decimal]:
    """(captured, refunded, in flight) over the order's payments; ``lock`` row-locks them first."""
    if lock:  # FOR UPDATE on PostgreSQL (SQLite's writers are already serialized): lock and sum in one read
        rows = (
            await uow.session.execute(
                select(Payment.amount, Payment.captured_amount, Payment.refunded_amount, Payment.status)
                .where(Payment.order_id == order_id)
                .order_by(Payment.id)
                .with_for_update()
            )
        ).all()
        zero = Decimal("0.00")
        return (
            sum((r.captured_amount for r in rows), zero),
            sum((r.refunded_amount for r in rows), zero),
            sum((r.amount - r.captured_amount for r in rows if r.status in IN_FLIGHT), zero),
        )
    amount, captured, refunded = (type_coerce(c, BigInteger) for c in (Payment.amount, Payment.captured_amount,
                                                                          Payment.refunded_amount))  # fmt: skip
    in_flight = case((Payment.status.in_(IN_FLIGHT), amount - captured), else_=0)
    row = (
        await uow.session.execute(
            select(
                func.coalesce(func.sum(captured), 0),
                func.coalesce(func.sum(refunded), 0),
                func.coalesce(func.sum(in_flight), 0),
            ).where(Payment.order_id == order_id)
        )
    ).one()
    return from_cents(int(row[0])), from_cents(int(row[1])), from_cents(int(row[2]))
