"""Invoiced payment terms (faturado): staff approve a company's terms and credit limit; an approved
company's buyer checks out on terms when the order fits the limit (open balance = unpaid instalments)
and no instalment is overdue; the order's invoice is split into instalments, each a boleto; a paid boleto
pays its instalment (``payment.captured``) and so frees credit; a job tells the company once about each
overdue instalment.

Checkout calls :func:`check_credit` before reserving stock (fast refusal) and :func:`open_invoice` in the
transaction that creates the order, which locks the company's credit row and checks again: two orders of
one company racing for the last credit are serialised there, and a refusal rolls the order back whole.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Forbidden, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments import public as payments
from ecovarejo.users import public as users

from . import credit_repository as repo
from .credit_models import TERMS, CreditAccount, Instalment, Invoice

#: Due dates and "overdue" follow the Brazilian business calendar's clock.
LOCAL_TZ = ZoneInfo("America/Sao_Paulo")
MAX_LIMIT = Decimal("100000000")


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


class CreditLimitExceeded(InvalidInput):
    code = "credit_limit_exceeded"


class TermsNotApproved(Forbidden):
    code = "terms_not_approved"


class InvoiceOverdue(Forbidden):
    code = "invoice_overdue"


@dataclass(frozen=True)
class CreditView:
    company_id: uuid.UUID
    terms: str
    credit_limit: Decimal
    status: str
    open_balance: Decimal
    available: Decimal
    overdue: Decimal
    updated_at: datetime


@dataclass(frozen=True)
class InstalmentView:
    id: uuid.UUID
    number: int
    amount: Decimal
    due_on: date
    status: str
    boleto_line: str
    payment_id: uuid.UUID
    paid_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class InvoiceView:
    id: uuid.UUID
    company_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    po_number: str | None
    terms: str
    total: Decimal
    status: str
    issued_on: date
    instalments: tuple[InstalmentView, ...]


def _instalment_view(i: Instalment, today: date) -> InstalmentView:
    return InstalmentView(i.id, i.number, i.amount, i.due_on, i.status, i.boleto_line, i.payment_id, i.paid_at,
                          i.status == "open" and i.due_on < today)  # fmt: skip


def _invoice_view(inv: Invoice, parts: list[Instalment], today: date) -> InvoiceView:
    return InvoiceView(
        inv.id, inv.company_id, inv.order_id, inv.order_number, inv.po_number, inv.terms, inv.total, inv.status,
        inv.issued_on, tuple(_instalment_view(i, today) for i in sorted(parts, key=lambda i: i.number)),
    )  # fmt: skip


def split(total: Decimal, terms: str, issued_on: date) -> list[tuple[int, Decimal, date]]:
    """The instalments of ``total`` on ``terms``: equal parts rounded down to the centavo, the remainder
    on the first; each due the terms' days after the invoice."""
    days = TERMS[terms]
    part = (total / len(days)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    first = total - part * (len(days) - 1)
    return [(n + 1, first if n == 0 else part, issued_on + timedelta(days=d)) for n, d in enumerate(days)]


async def _view(uow: UnitOfWork, acc: CreditAccount, today: date) -> CreditView:
    balance, overdue = await repo.balances(uow, acc.company_id, today)
    return CreditView(acc.company_id, acc.terms, acc.credit_limit, acc.status, balance,
                      max(acc.credit_limit - balance, Decimal("0.00")), overdue, acc.updated_at)  # fmt: skip


# -- staff --------------------------------------------------------------------------------------------------
def _credit_limit(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if not amount.is_finite() or amount <= 0 or amount > MAX_LIMIT or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("the credit limit is an amount in reais above 0 (two decimals at most)",
                           code="invalid_credit_limit")  # fmt: skip
    return quantize(amount)


async def approve_terms(
    uow: UnitOfWork, staff: Principal, *, cnpj: str, terms: str, credit_limit: Any, active: bool, now: datetime
) -> CreditView:
    """Staff grant (or change, or suspend with ``active=False``) a company's invoiced terms."""
    if terms not in TERMS:
        raise InvalidInput(f"terms must be one of {', '.join(TERMS)}", code="invalid_terms")
    limit = _credit_limit(credit_limit)
    company = await users.company_by_cnpj(uow, cnpj)
    if company is None:
        raise NotFound("no company account with this CNPJ", code="company_not_found")
    acc = await repo.account(uow, company.id, lock=True)
    if acc is None:
        acc = CreditAccount(company_id=company.id, terms=terms, credit_limit=limit)
        repo.add(uow, acc)
    acc.terms, acc.credit_limit = terms, limit
    acc.status, acc.approved_by = ("approved" if active else "suspended"), staff.user_id
    await uow.flush()
    return await _view(uow, acc, local_today(now))


@dataclass(frozen=True)
class CompanyCredit:
    credit: CreditView
    legal_name: str
    cnpj: str


async def all_accounts(uow: UnitOfWork, now: datetime) -> list[CompanyCredit]:
    today = local_today(now)
    out = []
    for acc in await repo.accounts(uow):
        company = await users.company(uow, acc.company_id)
        out.append(CompanyCredit(await _view(uow, acc, today), company.legal_name if company else "?",
                                 company.cnpj if company else ""))  # fmt: skip
    return out


# -- company members --------------------------------------------------------------------------------------
async def _company_of(uow: UnitOfWork, user_id: uuid.UUID) -> uuid.UUID:
    buyer = await users.get_buyer(uow, user_id)
    if buyer is None or buyer.user.company_id is None:
        raise Forbidden("only a company's members buy on invoiced terms", code="company_required")
    return buyer.user.company_id


async def credit_of(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> CreditView | None:
    """The caller's company's terms and balance (None: not approved for invoiced terms)."""
    company_id = await _company_of(uow, user_id)
    acc = await repo.account(uow, company_id)
    return await _view(uow, acc, local_today(now)) if acc is not None else None


async def invoices_of(uow: UnitOfWork, user_id: uuid.UUID, now: datetime, *, limit: int = 50) -> list[InvoiceView]:
    company_id = await _company_of(uow, user_id)
    today = local_today(now)
    rows = await repo.invoices(uow, company_id, limit=limit)
    parts = await repo.instalments_of(uow, [r.id for r in rows])
    return [_invoice_view(r, parts.get(r.id, []), today) for r in rows]


async def invoice_for_order(uow: UnitOfWork, order_id: uuid.UUID, now: datetime) -> InvoiceView | None:
    inv = await repo.invoice_for_order(uow, order_id)
    if inv is None:
        return None
    parts = await repo.instalments_of(uow, [inv.id])
    return _invoice_view(inv, parts.get(inv.id, []), local_today(now))


async def instalment_boleto(
    uow: UnitOfWork, user_id: uuid.UUID, instalment_id: uuid.UUID
) -> tuple[InstalmentView, Invoice, str]:
    """An instalment of the caller's company with its invoice and the company's legal name (for its PDF)."""
    company_id = await _company_of(uow, user_id)
    found = await repo.instalment(uow, instalment_id)
    if found is None or found[0].company_id != company_id:
        raise NotFound("no such instalment", code="instalment_not_found")
    company = await users.company(uow, company_id)
    part, inv = found
    return _instalment_view(part, date.min), inv, company.legal_name if company else ""


# -- checkout ---------------------------------------------------------------------------------------------
async def check_credit(
    uow: UnitOfWork, company_id: uuid.UUID | None, total: Decimal, now: datetime, *, lock: bool = False
) -> CreditAccount:
    """The company may buy ``total`` on terms now: approved, nothing overdue, within the limit; else a
    problem (``terms_not_approved`` 403, ``invoice_overdue`` 403, ``credit_limit_exceeded`` 422)."""
    if company_id is None:
        raise TermsNotApproved("only company accounts approved for invoiced terms can buy on terms")
    acc = await repo.account(uow, company_id, lock=lock)
    if acc is None or acc.status != "approved":
        raise TermsNotApproved("your company is not approved for invoiced terms (faturado)")
    balance, overdue = await repo.balances(uow, company_id, local_today(now))
    if overdue > 0:
        raise InvoiceOverdue(
            "your company has an overdue instalment: pay it before buying on terms again",
            extra={"overdue": str(overdue)},
        )
    if balance + total > acc.credit_limit:
        raise CreditLimitExceeded(
            f"this order ({total}) is above your company's available credit ({acc.credit_limit - balance})",
            extra={"credit_limit": str(acc.credit_limit), "open_balance": str(balance), "total": str(total),
                   "available": str(max(acc.credit_limit - balance, Decimal("0.00")))},
        )  # fmt: skip
    return acc


async def open_invoice(
    uow: UnitOfWork,
    *,
    company_id: uuid.UUID | None,
    buyer_id: uuid.UUID,
    order_id: uuid.UUID,
    order_number: str,
    po_number: str | None,
    total: Decimal,
    now: datetime,
) -> InvoiceView:
    """In the order's transaction: check again under the company's credit row lock, then the invoice and
    one boleto per instalment. A refusal raises before anything is written."""
    acc = await check_credit(uow, company_id, total, now, lock=True)
    today = local_today(now)
    inv = Invoice(
        company_id=acc.company_id, order_id=order_id, order_number=order_number, buyer_id=buyer_id,
        po_number=po_number, terms=acc.terms, total=quantize(total), status="open", issued_on=today,
    )  # fmt: skip
    repo.add(uow, inv)
    parts = []
    for number, amount, due in split(quantize(total), acc.terms, today):
        b = await payments.issue_term_boleto(uow, amount, due)
        part = Instalment(invoice_id=inv.id, company_id=acc.company_id, number=number, amount=amount, due_on=due,
                          payment_id=b.payment_id, boleto_line=b.line, status="open")  # fmt: skip
        repo.add(uow, part)
        parts.append(part)
    await uow.flush()
    return _invoice_view(inv, parts, today)


# -- payments ---------------------------------------------------------------------------------------------
async def settle_payment(uow: UnitOfWork, payment_id: uuid.UUID, paid_at: datetime) -> bool:
    """A captured boleto pays its instalment (once) and, with its last one, the invoice."""
    found = await repo.instalment_by_payment(uow, payment_id)
    if found is None or found.status != "open":
        return False
    found.status, found.paid_at = "paid", paid_at
    await uow.flush()
    if await repo.all_paid(uow, found.invoice_id):
        await repo.mark_invoice_paid(uow, found.invoice_id)
    return True
