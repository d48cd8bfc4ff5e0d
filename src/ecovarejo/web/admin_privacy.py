"""Admin panel for the DPO (permission ``handle_privacy``): the data subjects' requests with their legal
deadline, the identity step and the answer, and the audit chain's state."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import InvalidInput

from .admin import page, staff
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
