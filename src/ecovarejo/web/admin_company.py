"""The shop's identification (administrators edit it; every storefront footer shows it) and the public
exchange and returns policy page."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.users import public as users

from . import i18n, layout
from .admin import form_text, page, staff
from .pages import PageRoute, form_with_csrf, redirect
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _t(request: Request) -> Callable[..., str]:
    t: Callable[..., str] = i18n.translator(i18n.negotiate(request))
    return t


@router.get("/admin/loja")
async def company_form(request: Request) -> Response:
    principal = await staff(request, "admin")
    company = await layout.company_of(request)
    return page(request, "admin/company.html", principal, "shop_identity", form=company.__dict__, errors={})


@router.post("/admin/loja")
async def save_company(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "admin")
    t = _t(request)
    typed = {k: form_text(form, k, layout.LIMITS[k]) for k in layout.FIELDS}
    errors: dict[str, str] = {}
    if not typed["legal_name"]:
        errors["legal_name"] = t("err_required")
    if not users.is_valid_cnpj(typed["cnpj"]):
        errors["cnpj"] = t("err_invalid_cnpj")
    if not EMAIL.match(typed["email"]):
        errors["email"] = t("err_email")
    if not typed["address"]:
        errors["address"] = t("err_required")
    if errors:
        return page(
            request,
            "admin/company.html",
            principal,
            "shop_identity",
            status_code=422,
            form=typed,
            errors=errors,
            flashes=[("error", t("form_has_errors"))],
        )
    typed["cnpj"] = re.sub(r"[^0-9A-Za-z]", "", typed["cnpj"]).upper()
    await layout.save(request.app.state.container, request.state.tenant.id, layout.Company(**typed))
    return redirect("/admin/loja?ok=saved")


@router.get("/trocas-e-devolucoes")
async def returns_policy(request: Request) -> Response:
    company = await layout.company_of(request)
    paragraphs = [p.strip() for p in company.returns_policy.split("\n\n") if p.strip()]
    return render(request, "store/returns.html", paragraphs=paragraphs, shop=company)
