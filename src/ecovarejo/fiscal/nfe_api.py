"""NF-e HTTP API: the customer's note of their order (state, XML, DANFE) and the staff's list, retry and
correction letter (CC-e)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import nfe
from . import repository as repo
from .models import Nfe

router = APIRouter(prefix="/api/v1/orders", tags=["fiscal"])
admin = APIRouter(prefix="/api/v1/admin/fiscal/nfe", tags=["fiscal"])
staff = require_permission("manage_orders")
STATUSES = ("queued", "processing", "authorized", "rejected", "failed", "denied", "cancelled", "not_issued")


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=2000)


class NfeOut(BaseModel):
    """An order's NF-e. Customers do not see the provider's diagnostics (``error``, ``attempts``...)."""

    id: str
    order_id: str
    order_number: str
    model: str
    status: str
    flagged: bool
    po_number: str | None
    chave: str | None
    number: str | None
    series: str | None
    protocol: str | None
    authorized_at: str | None
    has_xml: bool
    has_danfe: bool
    cancel_requested: bool
    cancelled_at: str | None
    cce_count: int
    cce_text: str | None
    created_at: str | None
    updated_at: str | None
    xml_url: str | None
    danfe_url: str | None
    cce_pdf_url: str | None
    cancel_xml_url: str | None
    provider: str | None = None
    attempts: int | None = None
    next_attempt_at: str | None = None
    error_code: str | None = None
    error: str | None = None


class NfeList(BaseModel):
    items: list[NfeOut]
    next_before: str | None = None


def _links(row: Nfe, base: str) -> dict[str, Any]:
    out = nfe.view(row).as_dict()
    out["xml_url"] = f"{base}/{row.order_id}/nfe/xml" if row.xml is not None else None
    out["danfe_url"] = f"{base}/{row.order_id}/nfe/danfe" if row.danfe is not None else None
    out["cce_pdf_url"] = f"{base}/{row.order_id}/nfe/cce" if row.cce_pdf is not None else None
    out["cancel_xml_url"] = f"{base}/{row.order_id}/nfe/cancel-xml" if row.cancel_xml is not None else None
    return out


async def _own(uow: UnitOfWork, order_id: uuid.UUID, principal: Principal) -> Nfe:
    row = await repo.nfe_of_order(uow, order_id)
    # Another customer's order answers like one that does not exist.
    if row is None or (row.user_id != principal.user_id and not principal.can("manage_orders")):
        raise NotFound("this order has no NF-e", code="nfe_not_found")
    return row


def _file(data: bytes | None, media_type: str, name: str) -> Response:
    if data is None:
        raise NotFound("this document is not available yet", code="nfe_document_not_found")
    return Response(
        data, media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )  # fmt: skip


def _name(row: Nfe, suffix: str) -> str:
    return f"{row.chave or row.order_number}-{suffix}"


@router.get("/{order_id}/nfe", response_model=NfeOut, response_model_exclude_unset=True)
async def my_nfe(
    order_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    """The order's NF-e: status, access key, number and the links to its XML and DANFE."""
    row = await _own(uow, order_id, principal)
    out = _links(row, "/api/v1/orders")
    if not principal.can("manage_orders"):  # the provider's diagnostics are for staff
        for key in ("error", "error_code", "attempts", "next_attempt_at", "provider"):
            out.pop(key, None)
    return out


@router.get("/{order_id}/nfe/xml", response_class=Response)
async def my_nfe_xml(
    order_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> Response:
    row = await _own(uow, order_id, principal)
    return _file(row.xml, "application/xml", _name(row, "nfe.xml"))


@router.get("/{order_id}/nfe/danfe", response_class=Response)
async def my_nfe_danfe(
    order_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> Response:
    row = await _own(uow, order_id, principal)
    return _file(row.danfe, "application/pdf", _name(row, "danfe.pdf"))


@router.get("/{order_id}/nfe/cce", response_class=Response)
async def my_nfe_cce(
    order_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> Response:
    row = await _own(uow, order_id, principal)
    return _file(row.cce_pdf, "application/pdf", _name(row, "cce.pdf"))


@router.get("/{order_id}/nfe/cancel-xml", response_class=Response)
async def my_nfe_cancel_xml(
    order_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> Response:
    row = await _own(uow, order_id, principal)
    return _file(row.cancel_xml, "application/xml", _name(row, "cancelamento.xml"))


@admin.get("", response_model=NfeList)
async def list_nfes(
    status: str | None = Query(None, max_length=100),
    flagged: bool = Query(False),
    limit: int = Query(50, ge=1, le=200),
    before: datetime | None = Query(None),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    """The notes, newest first: ``status`` (comma-separated) or ``flagged`` (rejected, failed, denied, or
    with an error such as a provider retry or a passed cancellation window)."""
    statuses = [s for s in (status or "").split(",") if s]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise InvalidInput(f"unknown status {unknown[0]!r}", code="invalid_status", extra={"allowed": STATUSES})
    rows = await repo.list_nfes(uow, statuses or None, limit + 1, before, flagged)
    items = [_links(r, "/api/v1/orders") for r in rows[:limit]]
    return {"items": items, "next_before": rows[limit - 1].created_at.isoformat() if len(rows) > limit else None}


@admin.get("/{order_id}", response_model=NfeOut)
async def get_nfe(
    order_id: uuid.UUID, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return _links(await nfe.get(uow, order_id), "/api/v1/orders")


@admin.post("/{order_id}/retry", response_model=NfeOut)
async def retry_nfe(
    order_id: uuid.UUID,
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Send a rejected or failed note again (after fixing what the provider said), now."""
    row = await nfe.retry(uow, container, order_id)
    out = _links(row, "/api/v1/orders")
    await uow.commit()
    return out


@admin.post("/{order_id}/correction", response_model=NfeOut)
async def correct_nfe(
    order_id: uuid.UUID,
    body: CorrectionIn,
    request: Request,
    _: Principal = Depends(staff),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """A correction letter (CC-e) for an authorized note: 15 to 1000 characters; the last one is in force."""
    row = await nfe.correct(container, get_tenant(request).id, order_id, body.text)
    return _links(row, "/api/v1/orders")
