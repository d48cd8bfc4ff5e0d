"""Admin panel: coupons — create, edit, deactivate and reactivate (the orders context's admin API).

A refused create or edit comes back with what was typed and the error next to its field, in the
reader's language; a coupon's code and kind never change once created (carts and redemptions name it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import NotFound

from . import i18n, problems
from .admin import decimal_text, form_text, page, staff
from .inproc import ApiError, api, exists
from .pages import PageRoute, form_with_csrf, redirect
from .templating import brl

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FLAGS = ("certified_only", "first_order_only", "b2b_only", "stackable")
#: problem codes -> the field they are about
CODE_FIELDS = {
    "invalid_coupon_code": "code",
    "coupon_exists": "code",
    "invalid_coupon_kind": "kind",
    "invalid_coupon_value": "value",
    "invalid_coupon_window": "ends_at",
    "invalid_coupon_limit": "max_uses",
    "coupon_limit_below_uses": "max_uses",
}


def _t(request: Request) -> Callable[..., str]:
    t: Callable[..., str] = i18n.translator(i18n.negotiate(request))
    return t


def _value_shown(c: dict[str, Any]) -> str:
    if c.get("kind") == "percent":
        return f"{c['value']}%"
    if c.get("kind") == "free_shipping":
        return "—"
    return brl(c.get("value") or 0)


async def _list(
    request: Request, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    principal = await staff(request, "manage_orders")
    if not exists(request, "/api/v1/admin/coupons"):
        return page(request, "admin/coupons.html", principal, "coupons", unavailable=True, rows=[])
    data = await api(request, "GET", "/api/v1/admin/coupons")
    t = _t(request)
    rows = [
        {
            **c,
            "kind_label": t(f"coupon_kind_{c.get('kind')}"),
            "value_shown": _value_shown(c),
            "uses": f"{c.get('used_count', 0)}/{c.get('max_uses') or '∞'}",
            "active": t("yes") if c.get("is_active") else t("no"),
        }
        for c in data.get("items") or []
    ]
    errors = errors or {}
    return page(
        request,
        "admin/coupons.html",
        principal,
        "coupons",
        status_code=status_code,
        rows=rows,
        form=form or {},
        errors=errors,
        flashes=[("error", t("form_has_errors"))] if errors else None,
    )


@router.get("/admin/cupons")
async def coupons(request: Request) -> Response:
    return await _list(request)


def _typed(form: Any) -> dict[str, Any]:
    names = ("code", "kind", "value", "min_subtotal", "max_uses", "max_uses_per_customer", "description")
    typed: dict[str, Any] = {n: form_text(form, n, 300) for n in (*names, "starts_at", "ends_at")}
    for flag in FLAGS:
        typed[flag] = form.get(flag) == "on"
    return typed


def _body(typed: dict[str, Any], t: Callable[..., str], *, creating: bool) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"description": typed["description"] or None}
    body |= {flag: typed[flag] for flag in FLAGS}
    if creating:
        body |= {"code": typed["code"], "kind": typed["kind"]}
    if typed["kind"] != "free_shipping":
        body["value"] = decimal_text(typed["value"]) or "0"
    body["min_subtotal"] = decimal_text(typed["min_subtotal"]) or None
    for name in ("max_uses", "max_uses_per_customer"):
        raw = typed[name]
        if raw and not raw.isdigit():
            errors[name] = t("err_whole_number")
        body[name] = int(raw) if raw.isdigit() else None
    for name in ("starts_at", "ends_at"):
        # a date typed (the day in Brasília time: starts at 00:00, ends at 23:59:59)
        raw = typed[name]
        body[name] = (f"{raw}T00:00:00-03:00" if name == "starts_at" else f"{raw}T23:59:59-03:00") if raw else None
    if creating:
        body = {k: v for k, v in body.items() if v is not None}
    return body, errors


def _api_errors(exc: ApiError, t: Callable[..., str]) -> dict[str, str]:
    if exc.errors:
        return problems.field_errors(t, exc.errors)
    return {CODE_FIELDS.get(exc.code, "_"): problems.problem_message(t, exc.code)}


@router.post("/admin/cupons")
async def create_coupon(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    t = _t(request)
    typed = _typed(form)
    body, errors = _body(typed, t, creating=True)
    if errors:
        return await _list(request, typed, errors, 422)
    try:
        await api(request, "POST", "/api/v1/admin/coupons", json=body)
    except ApiError as exc:
        return await _list(request, typed, _api_errors(exc, t), exc.status)
    return redirect("/admin/cupons?ok=saved")


async def _coupon(request: Request, coupon_id: uuid.UUID) -> dict[str, Any]:
    data = await api(request, "GET", "/api/v1/admin/coupons")
    for c in data.get("items") or []:
        if c.get("id") == str(coupon_id):
            return dict(c)
    raise NotFound("coupon not found", code="coupon_not_found")


def _form_of(c: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: c.get(k) for k in ("code", "kind", "value", "min_subtotal", "description")}
    out |= {k: c.get(k) or "" for k in ("max_uses", "max_uses_per_customer")}
    out |= {k: (c.get(k) or "")[:10] for k in ("starts_at", "ends_at")}
    out |= {flag: bool(c.get(flag)) for flag in FLAGS}
    return out


async def _editor(
    request: Request, c: dict[str, Any], form: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    principal = await staff(request, "manage_orders")
    t = _t(request)
    return page(
        request,
        "admin/coupon.html",
        principal,
        "edit_coupon",
        status_code=status_code,
        coupon=c,
        kind_label=t(f"coupon_kind_{c.get('kind')}"),
        form=form,
        errors=errors,
        flashes=[("error", t("form_has_errors"))] if errors else None,
    )


@router.get("/admin/cupons/{coupon_id}")
async def edit_coupon(request: Request, coupon_id: uuid.UUID) -> Response:
    await staff(request, "manage_orders")
    c = await _coupon(request, coupon_id)
    return await _editor(request, c, _form_of(c), {})


@router.post("/admin/cupons/{coupon_id}")
async def update_coupon(request: Request, coupon_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    t = _t(request)
    c = await _coupon(request, coupon_id)
    typed = _typed(form) | {"code": c["code"], "kind": c["kind"]}
    body, errors = _body(typed, t, creating=False)
    if errors:
        return await _editor(request, c, typed, errors, 422)
    try:
        await api(request, "PATCH", f"/api/v1/admin/coupons/{coupon_id}", json=body)
    except ApiError as exc:
        return await _editor(request, c, typed, _api_errors(exc, t), exc.status)
    return redirect(f"/admin/cupons/{coupon_id}?ok=saved")


@router.post("/admin/cupons/{coupon_id}/{action}")
async def toggle_coupon(request: Request, coupon_id: uuid.UUID, action: str) -> Response:
    """``desativar``: refused at the next cart or checkout (orders placed keep their discount); ``ativar``."""
    await form_with_csrf(request)
    await staff(request, "manage_orders")
    active = {"ativar": True, "desativar": False}.get(action)
    if active is None:
        raise NotFound("no such action", code="not_found")
    await api(request, "PATCH", f"/api/v1/admin/coupons/{coupon_id}", json={"is_active": active})
    return redirect("/admin/cupons?ok=saved")
