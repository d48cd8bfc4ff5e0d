"""Admin panel for the DPO (permission ``handle_privacy``): the data subjects' requests with their legal
deadline, the identity step and the answer, the audit chain's state, and the tenant's retention periods."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import InvalidInput

from .admin import decimal_text, page, staff
from .inproc import ApiError, api
from .pages import PageRoute, form_with_csrf, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin/privacidade")
async def dpo_queue(request: Request) -> Response:
    principal = await staff(request, "handle_privacy")
    closed = request.query_params.get("todos") == "1"
    queue = await api(request, "GET", "/api/v1/privacy/admin/requests", params={"include_closed": str(closed).lower()})
    chain = await api(request, "GET", "/api/v1/privacy/audit/verify")
    return page(request, "admin/privacy.html", principal, "dpo_queue", queue=queue, chain=chain, closed=closed)


#: The retention periods the DPO edits (``PUT /api/v1/privacy/admin/retention``), in the form's order.
RETENTION_FIELDS = (
    "outbox_days", "dead_letter_days", "ip_days", "notification_days", "cart_days", "visitor_consent_days",
    "inactive_account_years",
    "inactive_grace_days",
)  # fmt: skip


@router.get("/admin/privacidade/retencao")
async def retention_page(request: Request) -> Response:
    principal = await staff(request, "handle_privacy")
    periods = await api(request, "GET", "/api/v1/privacy/admin/retention")
    return page(request, "admin/privacy_retention.html", principal, "retention_title", periods=periods,
                fields=RETENTION_FIELDS)  # fmt: skip


@router.post("/admin/privacidade/retencao")
async def retention_save(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "handle_privacy")
    body: dict[str, float] = {}
    try:
        for name in RETENTION_FIELDS:
            body[name] = float(decimal_text(str(form.get(name) or "").strip()))
        await api(request, "PUT", "/api/v1/privacy/admin/retention", json=body)
    except (ValueError, ApiError):
        return redirect("/admin/privacidade/retencao?err=retention_invalid")
    return redirect("/admin/privacidade/retencao?ok=saved")


@router.post("/admin/privacidade/{request_id}/{action}")
async def dpo_action(request: Request, request_id: uuid.UUID, action: str) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "handle_privacy")
    try:
        if action == "identidade":
            method = str(form.get("method") or "document")
            await api(request, "POST", f"/api/v1/privacy/admin/requests/{request_id}/verify-identity",
                      json={"method": method})  # fmt: skip
        elif action in ("responder", "recusar"):
            body = {"answer": str(form.get("answer") or ""), "reject": action == "recusar"}
            await api(request, "POST", f"/api/v1/privacy/admin/requests/{request_id}/answer", json=body)
        else:
            raise InvalidInput("unknown action", code="unknown_action")
    except ApiError:
        return redirect("/admin/privacidade?err=request_refused")
    return redirect("/admin/privacidade?ok=saved")
