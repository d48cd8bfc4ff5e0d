"""All SQL of invoiced terms (credit accounts, invoices, instalments)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, select, update

from ecovarejo.core.money import from_cents
from ecovarejo.core.uow import UnitOfWork

from .credit_models import CreditAccount, Instalment, Invoice


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def account(uow: UnitOfWork, company_id: uuid.UUID, *, lock: bool = False) -> CreditAccount | None:
    q = select(CreditAccount).where(CreditAccount.company_id == company_id)
    if lock:
        q = q.with_for_update()
    return await uow.session.scalar(q)


async def accounts(uow: UnitOfWork) -> list[CreditAccount]:
    return list((await uow.session.scalars(select(CreditAccount).order_by(CreditAccount.created_at))).all())


async def balances(uow: UnitOfWork, company_id: uuid.UUID, today: date) -> tuple[Decimal, Decimal]:
    """The company's open balance (unpaid instalments) and the overdue part of it: one query."""
    open_ = Instalment.status == "open"
    q = select(
        func.coalesce(func.sum(Instalment.amount, type_=BigInteger), 0, type_=BigInteger),
        func.coalesce(
            func.sum(case((Instalment.due_on < today, Instalment.amount), else_=None), type_=BigInteger),
            0,
            type_=BigInteger,
        ),
    ).where(Instalment.company_id == company_id, open_)
    row = (await uow.session.execute(q)).one()
    return from_cents(int(row[0])), from_cents(int(row[1]))


async def invoices(uow: UnitOfWork, company_id: uuid.UUID, *, limit: int) -> list[Invoice]:
    q = select(Invoice).where(Invoice.company_id == company_id).order_by(Invoice.created_at.desc()).limit(limit)
    return list((await uow.session.scalars(q)).all())


async def invoice_for_order(uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
    q = select(Invoice).where(Invoice.order_id == order_id)
    return await uow.session.scalar(q.with_for_update() if lock else q)


async def instalments_of(uow: UnitOfWork, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Instalment]]:
    out: dict[uuid.UUID, list[Instalment]] = defaultdict(list)
    if invoice_ids:
        q = select(Instalment).where(Instalment.invoice_id.in_(invoice_ids)).order_by(Instalment.number)
        for part in (await uow.session.scalars(q)).all():
            out[part.invoice_id].append(part)
    return out


async def instalment(uow: UnitOfWork, instalment_id: uuid.UUID) -> tuple[Instalment, Invoice] | None:
    q = select(Instalment, Invoice).join(Invoice, Invoice.id == Instalment.invoice_id)
    row = (await uow.session.execute(q.where(Instalment.id == instalment_id))).first()
    return (row[0], row[1]) if row is not None else None


async def instalment_by_payment(uow: UnitOfWork, payment_id: uuid.UUID) -> Instalment | None:
    q = select(Instalment).where(Instalment.payment_id == payment_id).with_for_update()
    return await uow.session.scalar(q)


async def all_paid(uow: UnitOfWork, invoice_id: uuid.UUID) -> bool:
    q = select(func.count()).where(Instalment.invoice_id == invoice_id, Instalment.status == "open")
    return int(await uow.session.scalar(q) or 0) == 0


async def mark_invoice_paid(uow: UnitOfWork, invoice_id: uuid.UUID) -> None:
    await uow.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(status="paid"))


async def overdue_unnotified(uow: UnitOfWork, today: date, *, limit: int = 500) -> list[tuple[Instalment, Invoice]]:
    """Overdue open instalments nobody was told about yet (locked: one job run tells once)."""
    q = (
        select(Instalment, Invoice)
        .join(Invoice, Invoice.id == Instalment.invoice_id)
        .where(Instalment.status == "open", Instalment.due_on < today, Instalment.overdue_notified_at.is_(None))
        .order_by(Instalment.id)
        .limit(limit)
        .with_for_update(of=Instalment, skip_locked=True)
    )
    return [(r[0], r[1]) for r in (await uow.session.execute(q)).all()]


async def tenants_with_overdue(uow: UnitOfWork, today: date) -> list[uuid.UUID]:
    q = select(Instalment.tenant_id).where(
        Instalment.status == "open", Instalment.due_on < today, Instalment.overdue_notified_at.is_(None)
    )
    return list((await uow.session.scalars(q.distinct())).all())
