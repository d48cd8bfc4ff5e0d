"""Quote (RFQ) HTTP API: company members under ``/api/v1/b2b/quotes``, staff (``manage_orders``, MFA)
under ``/api/v1/admin/b2b/quotes``. Buying an accepted quote is ``POST /api/v1/orders`` with ``quote_id``."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container, get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import quote_actions, quotes
from .quote_models import Quote
from .quote_schemas import NegotiateIn, QuoteEditIn, QuoteListOut, QuoteNoteIn, QuoteOut, QuoteRequestIn

router = APIRouter(prefix="/api/v1/b2b/quotes", tags=["b2b"])
admin = APIRouter(prefix="/api/v1/admin/b2b/quotes", tags=["b2b"])
staff = require_permission("manage_orders")


def _money(v: Decimal | None) -> str | None:
    return None if v is None else f"{v:.2f}"


def _revision(r: quotes.RevisionView) -> dict[str, Any]:
    return {
        "revision": r.revision,
        "lines": [
            {"sku": ln.sku, "title": ln.title, "quantity": ln.quantity, "catalog_price": _money(ln.catalog_price),
             "unit_price": _money(ln.unit_price), "line_total": _money(ln.line_total)}
            for ln in r.lines
        ],
        "total": _money(r.total), "payment_terms": r.payment_terms, "valid_until": r.valid_until,
        "terms_note": r.terms_note, "sent_at": r.sent_at, "created_at": r.created_at,
    }  # fmt: skip


def quote_json(v: quotes.QuoteView) -> dict[str, Any]:
    return {
        "id": v.id, "number": v.number, "company_id": v.company_id, "requester_id": v.requester_id,
        "status": v.status, "revision": v.revision, "valid_until": v.valid_until, "accepted_at": v.accepted_at,
        "order_id": v.order_id, "created_at": v.created_at, "current": _revision(v.current),
        "revisions": [_revision(r) for r in v.revisions],
        "messages": [
            {"revision": m.revision, "author_kind": m.author_kind, "action": m.action, "body": m.body,
             "created_at": m.created_at}
            for m in v.messages
        ],
    }  # fmt: skip


def _summary(q: Quote | quote_actions.QuoteSummary) -> dict[str, Any]:
    return {"id": q.id, "number": q.number, "company_id": q.company_id, "status": q.status, "revision": q.revision,
            "valid_until": q.valid_until, "order_id": q.order_id, "created_at": q.created_at}  # fmt: skip


# -- company members: the steps of ``quote_actions`` (GraphQL calls the same), committed here ----------------


async def _committed(uow: UnitOfWork, view: quotes.QuoteView) -> dict[str, Any]:
    await uow.commit()
    return quote_json(view)


@router.post("", status_code=201, response_model=QuoteOut)
async def request_quote(
    body: QuoteRequestIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Ask for a quote on these lines (a cart's, with the quantities wanted) with a note for staff."""
    lines = ((ln.sku, ln.quantity) for ln in body.lines)
    return await _committed(uow, await quote_actions.request(uow, container, principal, lines, body.note))


@router.get("", response_model=QuoteListOut)
async def my_quotes(
    status: str | None = Query(None, max_length=20),
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    """The company's quotes, newest first."""
    return {"items": [_summary(q) for q in await quote_actions.mine(uow, principal, status)]}


@router.get("/{quote_id}", response_model=QuoteOut)
async def my_quote(
    quote_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    """One quote with its revisions and history (another company's: 404 ``quote_not_found``)."""
    return quote_json(await quote_actions.one(uow, principal, quote_id))


@router.post("/{quote_id}/accept", response_model=QuoteOut)
async def accept(
    quote_id: uuid.UUID,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Accept: stock is held for the quote; buy it with ``POST /api/v1/orders {"quote_id": ...}``. Again:
    the same answer. After its date: ``409 quote_expired``."""
    return await _committed(uow, await quote_actions.answer(uow, container, principal, quote_id, "accept"))


@router.post("/{quote_id}/reject", response_model=QuoteOut)
async def reject(
    quote_id: uuid.UUID,
    body: QuoteNoteIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    view = await quote_actions.answer(uow, container, principal, quote_id, "reject", note=body.note)
    return await _committed(uow, view)


@router.post("/{quote_id}/negotiate", response_model=QuoteOut)
async def negotiate(
    quote_id: uuid.UUID,
    body: NegotiateIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Ask for another proposal (a new revision staff price again), optionally with new quantities."""
    quantities = {ln.sku: ln.quantity for ln in body.lines} if body.lines else None
    view = await quote_actions.answer(uow, container, principal, quote_id, "negotiate", note=body.message,
                                      quantities=quantities)  # fmt: skip
    return await _committed(uow, view)


# -- staff ------------------------------------------------------------------------------------------


@admin.get("", response_model=QuoteListOut)
async def queue(
    status: str | None = Query(None, max_length=20),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    """Every company's quotes, newest first (``status=requested`` / ``negotiating``: the work queue)."""
    return {"items": [_summary(q) for q in await quotes.staff_quotes(uow, status)]}


@admin.get("/{quote_id}", response_model=QuoteOut)
async def staff_quote(
    quote_id: uuid.UUID, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return quote_json(await quotes.staff_quote(uow, quote_id))


@admin.put("/{quote_id}", response_model=QuoteOut)
async def edit(
    quote_id: uuid.UUID,
    body: QuoteEditIn,
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Unit prices (and quantities) of the current revision, payment terms, validity date and note."""
    view = await quotes.edit(
        uow, quote_id,
        prices={ln.sku: ln.unit_price for ln in body.lines if ln.unit_price is not None},
        quantities={ln.sku: ln.quantity for ln in body.lines if ln.quantity is not None},
        payment_terms=body.payment_terms, valid_until=body.valid_until, terms_note=body.terms_note,
        now=container.now(),
    )  # fmt: skip
    return await _committed(uow, view)


@admin.post("/{quote_id}/send", response_model=QuoteOut)
async def send(
    quote_id: uuid.UUID,
    principal: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Send the priced revision: the buyer is e-mailed and sees it on their account page."""
    return await _committed(uow, await quotes.send(uow, principal, quote_id, container.now()))
