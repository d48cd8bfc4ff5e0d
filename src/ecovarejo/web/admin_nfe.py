"""NF-e admin: the notes with their status, the flagged ones (rejected, failed, denied, or with an error
such as a provider retry or a passed cancellation window), "send again" and the correction letter (CC-e)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .admin import form_text, page, staff
from .inproc import ApiError, api
from .pages import PageRoute, form_with_csrf, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)
LIST = "/api/v1/admin/fiscal/nfe"
STATUSES = ("queued", "processing", "authorized", "rejected", "failed", "denied", "cancelled", "not_issued")
#: Problem codes the pages explain in the reader's language.
CODES = ("invalid_correction", "correction_refused", "nfe_not_authorized", "nfe_not_retryable",
         "provider_unavailable", "provider_not_configured", "nfe_not_found")  # fmt: skip


@router.get("/admin/fiscal/nfe")
async def nfe_list(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    status = request.query_params.get("status", "")
    flagged = request.query_params.get("flagged") == "1"
    data = await api(request, "GET", LIST, params={"status": status if status in STATUSES else None,
                                                   "flagged": "true" if flagged else None, "limit": 100})  # fmt: skip
    return page(request, "admin/nfe.html", principal, "nfe_title", items=data["items"], statuses=STATUSES,
                status=status, flagged=flagged)  # fmt: skip


@router.post("/admin/fiscal/nfe/{order_id}/reenviar")
async def nfe_retry(request: Request, order_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await staff(request, "manage_orders")
    try:
        await api(request, "POST", f"{LIST}/{order_id}/retry")
    except ApiError as exc:
        return _problem(request, exc)
    return redirect("/admin/fiscal/nfe?ok=nfe_retry_queued")


@router.post("/admin/fiscal/nfe/{order_id}/correcao")
async def nfe_correction(request: Request, order_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    try:
        await api(request, "POST", f"{LIST}/{order_id}/correction", json={"text": form_text(form, "text", 2000)})
    except ApiError as exc:
        return _problem(request, exc)
    return redirect("/admin/fiscal/nfe?ok=nfe_correction_sent")


def _problem(request: Request, exc: ApiError) -> Response:
    """Back to the list with the problem explained in the reader's language (``err``: a message id)."""
    if exc.status >= 500 or exc.status in (401, 403):
        raise exc
    key = f"nfe_err_{exc.code}" if exc.code in CODES else "nfe_err_generic"
    return redirect(f"/admin/fiscal/nfe?err={key}")
