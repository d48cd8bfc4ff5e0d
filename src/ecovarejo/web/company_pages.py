"""Minha conta → Endereços da empresa: a company's administrators add, edit (in place, ``?editar=<id>``)
and remove the addresses every member is offered at checkout; the other members see them."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n
from .inproc import ApiError, api
from .pages import PageRoute, flashes, form_with_csrf, redirect, require_user
from .problems import field_errors, problem_message
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = {"label": 50, "address_line1": 255, "address_line2": 255, "district": 100, "city": 100, "state": 2,
          "postal_code": 10}  # fmt: skip


async def _page(request: Request, *, form: dict[str, Any], errors: dict[str, str], status_code: int = 200,
                messages: list[tuple[str, str]] | None = None) -> Response:  # fmt: skip
    try:
        items = (await api(request, "GET", "/api/v1/users/company/addresses")).get("items") or []
        company = (await api(request, "GET", "/api/v1/users/company")) or {}
    except ApiError as exc:
        if exc.code != "no_company":
            raise
        items, company = [], {}
    me = getattr(request.state, "web_principal", None)
    is_admin = any(
        m.get("is_company_admin") and str(m.get("id")) == str(getattr(me, "user_id", ""))
        for m in company.get("members") or []
    )
    editing = str(form.get("id") or request.query_params.get("editar") or "")
    if editing and not form:  # the address being edited fills the form
        form = next((a for a in items if str(a.get("id")) == editing), {})
    editing = editing if is_admin and any(str(a.get("id")) == editing for a in items) else ""
    return render(request, "account/company_addresses.html", status_code=status_code, addresses=items,
                  company=company.get("company"), is_admin=is_admin, form=form if editing or "id" not in form else {},
                  errors=errors, editing=editing,
                  flashes=messages if messages is not None else flashes(request))  # fmt: skip


@router.get("/conta/empresa/enderecos")
async def addresses_page(request: Request) -> Response:
    await require_user(request)
    return await _page(request, form={}, errors={})


@router.post("/conta/empresa/enderecos")
async def add_address(request: Request) -> Response:
    return await _save(request, None)


@router.post("/conta/empresa/enderecos/{address_id}")
async def edit_address(request: Request, address_id: uuid.UUID) -> Response:
    """The address changed in place (the API's ``PUT``): the same checks as adding one."""
    return await _save(request, address_id)


async def _save(request: Request, address_id: uuid.UUID | None) -> Response:
    form = await form_with_csrf(request)
    await require_user(request)
    t = i18n.translator(i18n.negotiate(request))
    typed = {k: str(form.get(k) or "").strip()[:n] for k, n in FIELDS.items()}
    body = {k: (v or None) if k in ("address_line2", "district") else v for k, v in typed.items()}
    try:
        if address_id is None:
            await api(request, "POST", "/api/v1/users/company/addresses", json=body)
        else:
            await api(request, "PUT", f"/api/v1/users/company/addresses/{address_id}", json=body)
            typed["id"] = str(address_id)
    except ApiError as exc:
        if address_id is not None:
            typed["id"] = str(address_id)
        if exc.status >= 500 or exc.status == 401:
            raise
        errors = {k.split(".")[-1]: v for k, v in field_errors(t, exc.errors).items()} or {
            "postal_code" if exc.code == "invalid_cep" else "_": problem_message(t, exc.code)
        }
        message = problem_message(t, exc.code) if exc.code != "validation_error" else t("form_has_errors")
        return await _page(request, form=typed, errors=errors, status_code=exc.status if exc.status < 500 else 422,
                           messages=[("error", message)])  # fmt: skip
    return redirect("/conta/empresa/enderecos?ok=saved")


@router.post("/conta/empresa/enderecos/{address_id}/remover")
async def remove_address(request: Request, address_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await require_user(request)
    await api(request, "DELETE", f"/api/v1/users/company/addresses/{address_id}")
    return redirect("/conta/empresa/enderecos?ok=saved")
