"""Invoiced terms (faturado) pages: the company's invoices, instalments and boletos (``/conta/faturas``),
the staff page that approves terms and shows balances (``/admin/faturado``), and the checkout's question
"may this buyer pay on terms?"."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n
from .admin import form_text, page, staff
from .inproc import ApiError, api, raw_get
from .pages import PageRoute, flashes, form_with_csrf, redirect, require_user
from .problems import problem_message
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TERMS = ("30", "30/60", "30/60/90")


async def credit(request: Request) -> dict[str, Any] | None:
    """The signed-in buyer's company's terms when it is approved for them (else None: no "Faturado")."""
    if getattr(request.state, "web_principal", None) is None:
        return None
    try:
        found = await api(request, "GET", "/api/v1/b2b/credit")
    except ApiError:
        return None
    return found if isinstance(found, dict) and found.get("approved") else None


@router.get("/conta/faturas")
async def invoices_page(request: Request) -> Response:
    await require_user(request)
    try:
        summary = await api(request, "GET", "/api/v1/b2b/credit")
        invoices = (await api(request, "GET", "/api/v1/b2b/invoices")).get("items") or []
    except ApiError as exc:
        if exc.code != "company_required":
            raise
        summary, invoices = None, []
    return render(request, "account/invoices.html", credit=summary, invoices=invoices, flashes=flashes(request))


@router.get("/conta/faturas/parcela/{instalment_id}/boleto.pdf")
async def instalment_boleto(request: Request, instalment_id: uuid.UUID) -> Response:
    await require_user(request)
    return await raw_get(request, f"/api/v1/b2b/instalments/{instalment_id}/boleto.pdf")


async def _admin_page(request: Request, principal: Any, *, form: dict[str, Any], errors: dict[str, str],
                      status_code: int = 200, messages: list[tuple[str, str]] | None = None) -> Response:  # fmt: skip
    accounts = (await api(request, "GET", "/api/v1/admin/b2b/credit-accounts")).get("items") or []
    return page(request, "admin/credit_terms.html", principal, "credit_terms_title", status_code=status_code,
                accounts=accounts, form=form, errors=errors, terms=TERMS,
                **({"flashes": messages} if messages else {}))  # fmt: skip


@router.get("/admin/faturado")
async def admin_terms(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    return await _admin_page(request, principal, form={"terms": "30", "active": True}, errors={})


@router.post("/admin/faturado")
async def admin_approve(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "manage_orders")
    t = i18n.translator(i18n.negotiate(request))
    typed: dict[str, Any] = {
        "cnpj": form_text(form, "cnpj", 20),
        "terms": form_text(form, "terms", 20),
        "credit_limit": form_text(form, "credit_limit", 20).replace(".", "").replace(",", ".")
        if "," in form_text(form, "credit_limit", 20)
        else form_text(form, "credit_limit", 20),
        "active": form.get("active") == "on",
    }
    try:
        await api(request, "PUT", "/api/v1/admin/b2b/credit-accounts", json=typed)
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        field = {"invalid_cnpj": "cnpj", "company_not_found": "cnpj", "invalid_terms": "terms"}.get(
            exc.code, "credit_limit"
        )
        message = problem_message(t, exc.code)
        return await _admin_page(request, principal, form=typed, errors={field: message}, status_code=422,
                                 messages=[("error", message)])  # fmt: skip
    return redirect("/admin/faturado?ok=terms_saved")
