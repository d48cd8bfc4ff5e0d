"""Admin panel: the tenant's tax settings (origin state, regime, ICMS rates per state)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n
from .admin import form_text, page, staff
from .inproc import ApiError, api, exists
from .pages import PageRoute, form_with_csrf, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SETTINGS = "/api/v1/admin/fiscal/settings"
#: Problem codes the page explains in the reader's language (anything else: the API's own words).
CODES = ("invalid_state", "invalid_regime", "invalid_tax_rate", "invalid_cnpj", "invalid_pis_cofins")


def _rows(data: dict[str, Any]) -> list[dict[str, str]]:
    rates = data.get("internal_rates") or {}
    return [{"uf": uf, "default": d, "value": rates.get(uf, "")} for uf, d in sorted(data["defaults"].items())]


@router.get("/admin/fiscal")
async def fiscal_settings(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    if not exists(request, SETTINGS):
        return page(request, "admin/fiscal.html", principal, "fiscal_settings", unavailable=True)
    data = await api(request, "GET", SETTINGS)
    return page(request, "admin/fiscal.html", principal, "fiscal_settings", settings=data, rows=_rows(data))


@router.post("/admin/fiscal")
async def save_fiscal_settings(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "manage_orders")
    t = i18n.translator(i18n.negotiate(request))
    current = await api(request, "GET", SETTINGS)
    rates = {uf: form_text(form, f"rate_{uf}", 10).replace(",", ".") for uf in current["defaults"]}
    body = {
        "origin_state": form_text(form, "origin_state", 2) or None,
        "regime": form_text(form, "regime", 20) or "regular",
        "pis_cofins": form_text(form, "pis_cofins", 20) or current.get("pis_cofins") or "cumulative",
        "simples_icms_rate": form_text(form, "simples_icms_rate", 10).replace(",", ".") or "0",
        "tax_inclusive": form.get("tax_inclusive") == "on",
        "internal_rates": {uf: v for uf, v in rates.items() if v},
        "issuer_cnpj": form_text(form, "issuer_cnpj", 20) or None,
    }
    try:
        await api(request, "PUT", SETTINGS, json=body)
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        message = t(exc.code) if exc.code in CODES else t("invalid_tax_rate") if exc.status == 422 else exc.detail
        shown = {**current, **body, "internal_rates": body["internal_rates"]}
        return page(
            request, "admin/fiscal.html", principal, "fiscal_settings", status_code=422, settings=shown,
            rows=_rows(shown), flashes=[("error", message)],
        )  # fmt: skip
    return redirect("/admin/fiscal?ok=fiscal_saved")
