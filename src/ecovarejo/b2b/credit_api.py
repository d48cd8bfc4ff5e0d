"""HTTP API of invoiced terms (faturado): a company's terms, balance, invoices and instalment boletos;
staff approve terms and credit limits and see every company's balance."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container, get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments import public as payments

from . import credit
from .credit_models import TERMS


class CreditOut(BaseModel):
    approved: bool
    terms: str | None = None
    credit_limit: str | None = None
    open_balance: str | None = None
    available: str | None = None
    overdue: str | None = None
    status: str | None = None


class InstalmentOut(BaseModel):
    id: uuid.UUID
    number: int
    amount: str
    due_on: date
    status: str
    overdue: bool
    boleto_line: str
    paid_at: datetime | None


class InvoiceOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    po_number: str | None
    terms: str
    total: str
    status: str
    issued_on: date
    instalments: list[InstalmentOut]


class InvoiceList(BaseModel):
    items: list[InvoiceOut]


class TermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    cnpj: str = Field(max_length=20)
    terms: str = Field(max_length=20, description=" | ".join(TERMS))
    credit_limit: str = Field(max_length=20)
    #: False suspends the terms (open invoices stay due).
    active: bool = True


class CompanyCreditOut(CreditOut):
    company_id: uuid.UUID
    legal_name: str
    cnpj: str


class CompanyCreditList(BaseModel):
    items: list[CompanyCreditOut]


def credit_json(view: credit.CreditView | None) -> dict[str, Any]:
    if view is None:
        return {"approved": False}
    return {"approved": view.status == "approved", "terms": view.terms, "credit_limit": str(view.credit_limit),
            "open_balance": str(view.open_balance), "available": str(view.available),
            "overdue": str(view.overdue), "status": view.status}  # fmt: skip


def invoice_json(inv: credit.InvoiceView) -> dict[str, Any]:
    return {
        "id": inv.id, "order_id": inv.order_id, "order_number": inv.order_number, "po_number": inv.po_number,
        "terms": inv.terms, "total": str(inv.total), "status": inv.status, "issued_on": inv.issued_on,
        "instalments": [
            {"id": p.id, "number": p.number, "amount": str(p.amount), "due_on": p.due_on, "status": p.status,
             "overdue": p.overdue, "boleto_line": p.boleto_line, "paid_at": p.paid_at}
            for p in inv.instalments
        ],
    }  # fmt: skip


router = APIRouter(prefix="/api/v1/b2b", tags=["b2b"])


@router.get("/credit", response_model=CreditOut, response_model_exclude_none=True)
async def my_credit(
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_read_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """The company's invoiced terms: limit, open balance (unpaid instalments), available and overdue."""
    return credit_json(await credit.credit_of(uow, principal.user_id, container.now()))


@router.get("/invoices", response_model=InvoiceList)
async def my_invoices(
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_read_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """The company's invoices (newest first, 50 at most) with their instalments and boletos."""
    return {"items": [invoice_json(i) for i in await credit.invoices_of(uow, principal.user_id, container.now())]}


@router.get(
    "/instalments/{instalment_id}/boleto.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the boleto as a PDF"}},
)
async def instalment_pdf(
    instalment_id: uuid.UUID,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_read_uow),
) -> Response:
    """An instalment's boleto as a PDF (a member of its company only)."""
    part, inv, payer = await credit.instalment_boleto(uow, principal.user_id, instalment_id)
    pdf = payments.boleto_pdf(payments.BoletoDocument(
        line=part.boleto_line, amount=part.amount, due=part.due_on, beneficiary="EcoVarejo", payer=payer,
        reference=f"{inv.order_number} {part.number}/{len(TERMS.get(inv.terms, (1,)))}",
    ))  # fmt: skip
    name = f"boleto-{inv.order_number}-{part.number}.pdf"
    headers = {"content-disposition": f'inline; filename="{name}"', "cache-control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)


admin = APIRouter(prefix="/api/v1/admin/b2b", tags=["b2b"])
staff = require_permission("manage_orders")


@admin.put("/credit-accounts", response_model=CreditOut, response_model_exclude_none=True)
async def approve_terms(
    body: TermsIn,
    principal: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Grant, change or suspend a company's invoiced terms (30, 30/60, 30/60/90 days) and credit limit."""
    view = await credit.approve_terms(
        uow, principal, cnpj=body.cnpj, terms=body.terms, credit_limit=body.credit_limit, active=body.active,
        now=container.now(),
    )  # fmt: skip
    await uow.commit()
    return credit_json(view)


@admin.get("/credit-accounts", response_model=CompanyCreditList)
async def credit_accounts(
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Every company on terms with its limit, open balance and overdue amount."""
    return {"items": [
        {**credit_json(c.credit), "approved": c.credit.status == "approved", "company_id": c.credit.company_id,
         "legal_name": c.legal_name, "cnpj": c.cnpj}
        for c in await credit.all_accounts(uow, container.now())
    ]}  # fmt: skip
