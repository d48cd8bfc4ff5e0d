"""Admin panel: categories and inventory per warehouse (products: :mod:`.admin_products`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n, layout, problems
from .admin import form_text, page, page_url, staff
from .admin_products import category_options
from .inproc import ApiError, api, exists
from .pages import PageRoute, form_with_csrf, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# -- categories --------------------------------------------------------------------------------
@router.get("/admin/categorias")
async def categories(request: Request) -> Response:
    principal = await staff(request, "manage_products")
    return page(request, "admin/categories.html", principal, "categories", categories=await category_options(request))


@router.post("/admin/categorias")
async def create_category(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    body: dict[str, Any] = {"name": form_text(form, "name"), "description": form_text(form, "description", 2000)}
    if form_text(form, "slug"):
        body["slug"] = form_text(form, "slug")
    if form_text(form, "parent_id", 40):
        body["parent_id"] = form_text(form, "parent_id", 40)
    await api(request, "POST", "/api/v1/categories", json=body)
    layout.forget_menu(request.app.state.container, request.state.tenant.id)
    return redirect("/admin/categorias?ok=saved")


# -- inventory ---------------------------------------------------------------------------------
STOCK_STATES = ("all", "low", "out")


async def _inventory(
    request: Request, form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    """The stock list (filters: all, low, out; warehouse; SKU prefix, or one SKU exactly) and the forms."""
    principal = await staff(request, "manage_products")
    if not exists(request, "/api/v1/admin/inventory"):
        return page(request, "admin/inventory.html", principal, "inventory", unavailable=True)
    qp = request.query_params
    sku = (qp.get("sku") or "").strip()[:64]
    state = qp.get("state") if qp.get("state") in STOCK_STATES else ("all" if sku else "low")
    warehouse = (qp.get("warehouse") or "").strip()[:40]
    warehouses = await api(request, "GET", "/api/v1/admin/inventory/warehouses")
    if warehouse not in {w["code"] for w in warehouses}:
        warehouse = ""
    params = {"state": state, "warehouse": warehouse, "q": sku, "cursor": qp.get("cursor"), "limit": 50}
    data = await api(request, "GET", "/api/v1/admin/inventory/stock", params=params)
    errors = errors or {}
    return page(
        request,
        "admin/inventory.html",
        principal,
        "inventory",
        status_code=status_code,
        warehouses=warehouses,
        stock=data.get("items") or [],
        sku=sku,
        state=state,
        states=STOCK_STATES,
        warehouse=warehouse,
        adjust=form or {"sku": sku, "warehouse": warehouse},
        errors=errors,
        flashes=[("error", m) for k, m in errors.items() if k == "_"] or None,
        next_url=page_url(request, data.get("next_cursor"), sku=sku, state=state, warehouse=warehouse),
    )


@router.get("/admin/estoque")
async def inventory_page(request: Request) -> Response:
    return await _inventory(request)


@router.post("/admin/estoque/depositos")
async def create_warehouse(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    body = {
        "code": form_text(form, "code", 40),
        "name": form_text(form, "name"),
        "state": form_text(form, "state", 2).upper() or "SP",
    }
    await api(request, "POST", "/api/v1/admin/inventory/warehouses", json=body)
    return redirect("/admin/estoque?ok=saved")


@router.post("/admin/estoque/ajustar")
async def inventory_adjust(request: Request) -> Response:
    """An adjustment of a SKU the catalog sells (an unknown SKU is refused: no phantom stock); a refusal
    comes back with what was typed and the message next to its field."""
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    t = i18n.translator(i18n.negotiate(request))
    typed = {k: form_text(form, k, 200) for k in ("sku", "warehouse", "delta", "reorder_level", "reason")}
    errors: dict[str, str] = {}
    delta = typed["delta"].lstrip("+")
    if not delta.lstrip("-").isdigit() or int(delta) == 0:
        errors["delta"] = t("err_whole_number")
    if typed["reorder_level"] and not typed["reorder_level"].isdigit():
        errors["reorder_level"] = t("err_whole_number")
    if not typed["sku"]:
        errors["sku"] = t("err_required")
    if errors:
        return await _inventory(request, typed, errors, 422)
    body: dict[str, Any] = {
        "sku": typed["sku"][:64],
        "warehouse": typed["warehouse"][:40],
        "delta": int(delta),
        "reason": typed["reason"] or t("admin_adjustment"),
    }
    if typed["reorder_level"]:
        body["reorder_level"] = int(typed["reorder_level"])
    try:
        await api(request, "POST", "/api/v1/admin/inventory/adjust", json=body)
    except ApiError as exc:
        where = {"unknown_sku": "sku", "insufficient_stock": "delta", "warehouse_not_found": "warehouse"}
        message = problems.problem_message(t, exc.code)
        if exc.code == "insufficient_stock":
            message = t("err_adjust_below_available", available=exc.body.get("available", 0))
        if exc.errors:
            message = next(iter(problems.field_errors(t, exc.errors).values()))
        return await _inventory(request, typed, {where.get(exc.code, "_"): message}, exc.status)
    return redirect(f"/admin/estoque?{urlencode({'sku': body['sku'], 'ok': 'saved'})}")
