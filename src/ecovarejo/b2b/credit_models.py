"""Invoiced payment terms (faturado): a company's approved terms and credit limit, its invoices (one
per order on terms) and their instalments, each a boleto of the payments context."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id
from ecovarejo.core.money import MoneyCents

#: The terms staff may grant: days after the invoice each instalment falls due.
TERMS: dict[str, tuple[int, ...]] = {"30": (30,), "30/60": (30, 60), "30/60/90": (30, 60, 90)}


class CreditAccount(Base, TenantOwned, Timestamped):
    """A company approved by staff to buy on invoiced terms, up to ``credit_limit`` of unpaid instalments."""

    __tablename__ = "b2b_credit_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "company_id", name="uq_b2b_credit_accounts_tenant_company"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column()
    terms: Mapped[str] = mapped_column(String(20))
    credit_limit: Mapped[Decimal] = mapped_column(MoneyCents)
    #: approved | suspended (staff took the terms back; open invoices stay due)
    status: Mapped[str] = mapped_column(String(20), default="approved")
    approved_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)


class Invoice(Base, TenantOwned, Timestamped):
    """The invoice (fatura) of one order on terms, with the buyer's purchase-order number."""

    __tablename__ = "b2b_invoices"
    __table_args__ = (UniqueConstraint("tenant_id", "order_id", name="uq_b2b_invoices_tenant_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column(index=True)
    order_id: Mapped[uuid.UUID] = mapped_column()
    order_number: Mapped[str] = mapped_column(String(20))
    buyer_id: Mapped[uuid.UUID] = mapped_column()
    po_number: Mapped[str | None] = mapped_column(String(60))
    terms: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(MoneyCents)
    #: open → paid (every instalment paid) | cancelled (the order refunded or cancelled before any was paid)
    status: Mapped[str] = mapped_column(String(20), default="open")
    issued_on: Mapped[date] = mapped_column(Date)


class Instalment(Base, TenantOwned):
    """One instalment (duplicata) of an invoice: a boleto due on ``due_on`` (São Paulo's calendar)."""

    __tablename__ = "b2b_instalments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("b2b_invoices.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[uuid.UUID] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MoneyCents)
    due_on: Mapped[date] = mapped_column(Date)
    #: The boleto's pending payment in the payments context (its webhook confirms it).
    payment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    boleto_line: Mapped[str] = mapped_column(String(60))
    #: open → paid | cancelled (the order refunded or cancelled: ``invoice_adjust``)
    status: Mapped[str] = mapped_column(String(20), default="open")
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: When the company was told it is overdue (the job tells it once).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(nullable=True)
