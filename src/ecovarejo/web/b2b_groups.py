"""Admin → Grupos de clientes (``/admin/grupos``, ``manage_orders``, MFA): customer groups (e.g. "atacado")
and their companies, added by CNPJ and removed; a price list for a group is made through the price-list
API with ``group_id``."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n
from .admin import form_text, page, staff
from .inproc import ApiError, api
from .pages import PageRoute, form_with_csrf, redirect
from .problems import problem_message

router = APIRouter(route_class=PageRoute, include_in_schema=False)
GROUPS = "/api/v1/admin/b2b/groups"


async def _page(request: Request, principal: Any, *, form: dict[str, Any], errors: dict[str, str],
                status_code: int = 200, messages: list[tuple[str, str]] | None = None) -> Response:  # fmt: skip
    groups = (await api(request, "GET", GROUPS)).get("items") or []
    return page(request, "admin/customer_groups.html", principal, "customer_groups", status_code=status_code,
                groups=groups, form=form, errors=errors, **({"flashes": messages} if messages else {}))  # fmt: skip


async def _refused(request: Request, principal: Any, exc: ApiError, form: dict[str, Any], field: str) -> Response:
    if exc.status >= 500 or exc.status in (401, 403):
        raise exc
    message = problem_message(i18n.translator(i18n.negotiate(request)), exc.code)
    return await _page(request, principal, form=form, errors={field: message}, status_code=exc.status,
                       messages=[("error", message)])  # fmt: skip


@router.get("/admin/grupos")
async def groups_page(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    return await _page(request, principal, form={}, errors={})


@router.post("/admin/grupos")
async def create_group(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "manage_orders")
    typed = {"code": form_text(form, "code", 40), "name": form_text(form, "name", 120)}
    try:
        await api(request, "POST", GROUPS, json=typed)
    except ApiError as exc:
        return await _refused(request, principal, exc, typed, "code")
    return redirect("/admin/grupos?ok=saved")


@router.post("/admin/grupos/{group_id}/empresas")
async def add_company(request: Request, group_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "manage_orders")
    typed = {"cnpj": form_text(form, "cnpj", 20), "group_id": str(group_id)}
    try:
        await api(request, "POST", f"{GROUPS}/{group_id}/companies", json={"cnpj": typed["cnpj"]})
    except ApiError as exc:
        return await _refused(request, principal, exc, typed, f"cnpj_{group_id}")
    return redirect("/admin/grupos?ok=saved")


@router.post("/admin/grupos/{group_id}/empresas/{company_id}/remover")
async def remove_company(request: Request, group_id: uuid.UUID, company_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await staff(request, "manage_orders")
    await api(request, "DELETE", f"{GROUPS}/{group_id}/companies/{company_id}")
    return redirect("/admin/grupos?ok=saved")
