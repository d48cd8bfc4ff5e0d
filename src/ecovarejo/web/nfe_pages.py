"""NF-e on the order page: the buyer's downloads (XML, DANFE, correction letter); staff pages are in
:mod:`.admin_nfe`."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .inproc import ApiError, api, exists, raw_get
from .pages import PageRoute, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def order_nfe(request: Request, order_id: str) -> dict[str, Any] | None:
    """The order's NF-e for the order page (None when it has none, or the fiscal API is not served)."""
    if not exists(request, "/api/v1/orders/{order_id}/nfe"):
        return None
    try:
        found = await api(request, "GET", f"/api/v1/orders/{order_id}/nfe")
    except ApiError:
        return None
    return found if isinstance(found, dict) else None


async def _document(request: Request, order_id: uuid.UUID, kind: str) -> Response:
    await require_user(request)
    return await raw_get(request, f"/api/v1/orders/{order_id}/nfe/{kind}")


@router.get("/pedido/{order_id}/nfe.xml")
async def nfe_xml(request: Request, order_id: uuid.UUID) -> Response:
    """The buyer's NF-e XML, as the API answers it (the buyer's own only)."""
    return await _document(request, order_id, "xml")


@router.get("/pedido/{order_id}/danfe.pdf")
async def nfe_danfe(request: Request, order_id: uuid.UUID) -> Response:
    return await _document(request, order_id, "danfe")


@router.get("/pedido/{order_id}/cce.pdf")
async def nfe_cce(request: Request, order_id: uuid.UUID) -> Response:
    return await _document(request, order_id, "cce")
