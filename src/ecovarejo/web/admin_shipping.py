"""Admin panel: the tenant's shipping configuration (zones, rates, rules and carriers as one validated
document), and, on an order, its shipments: buy a label, print it and the packing slip, add a tracking step."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from . import admin_shipping_form as forms
from . import i18n
from .admin import form_text, page, staff
from .inproc import ApiError, api, exists, raw_get
from .pages import PageRoute, form_with_csrf, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CONFIG = "/api/v1/admin/shipping/config"
STATES = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)  # fmt: skip


@router.get("/admin/frete")
async def shipping_config(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    if not exists(request, CONFIG):
        return page(request, "admin/shipping.html", principal, "shipping_config", unavailable=True)
    data = await api(request, "GET", CONFIG)
    values = forms.with_spares(forms.values_of(data["document"]))
    return _form_page(request, principal, values, version=data["version"])


def _form_page(request: Request, principal: Any, values: dict[str, Any], **kw: Any) -> Response:
    return page(
        request, "admin/shipping.html", principal, "shipping_config", rows=values["rows"], fields=values["fields"],
        sections=forms.SECTIONS, states=STATES, **kw,
    )  # fmt: skip


@router.post("/admin/frete")
async def save_shipping_config(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "manage_orders")
    t = i18n.translator(i18n.negotiate(request))
    services = [str(v) for v in form.getlist("free_shipping-services")]
    document, typed, where = forms.parse({k: v for k, v in form.items() if isinstance(v, str)}, services)
    try:
        await api(request, "PUT", CONFIG, json=document)
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        listed = [e for e in exc.body.get("errors") or [] if isinstance(e, dict)]
        errors: dict[str, str] = {}
        general: list[str] = []
        for e in listed:
            field = forms.field_of(str(e.get("loc") or ""), where)
            text = t(forms.message_key(e))
            if field and field not in errors:
                errors[field] = text
            elif not field:
                general.append(text)
        if not listed:
            general.append(exc.detail)
        values = forms.with_spares(typed)
        return _form_page(
            request, principal, values, status_code=422, errors=errors, general=general,
            flashes=[("error", t("shipping_config_invalid"))],
        )  # fmt: skip
    return redirect("/admin/frete?ok=saved")


@router.post("/admin/pedidos/{order_id}/envios")
async def create_shipment(request: Request, order_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    body: dict[str, Any] = {}
    choice = form_text(form, "carrier_service", 90)
    if choice and ":" in choice:
        body["carrier"], body["service"] = choice.split(":", 1)
    try:
        await api(request, "POST", f"/api/v1/admin/shipping/orders/{order_id}/shipments", json=body)
    except ApiError as exc:
        if exc.status >= 500 and exc.code not in ("carrier_error", "carrier_unavailable"):
            raise
        return redirect(f"/admin/pedidos/{order_id}?err={exc.code}")
    return redirect(f"/admin/pedidos/{order_id}?ok=saved")


@router.post("/admin/envios/{shipment_id}/rastreio")
async def add_tracking(request: Request, shipment_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    order_id = form_text(form, "order_id", 40)
    body = {"status": form_text(form, "status", 30), "description": form_text(form, "description", 300) or "-"}
    await api(request, "POST", f"/api/v1/admin/shipping/shipments/{shipment_id}/events", json=body)
    return redirect(f"/admin/pedidos/{uuid.UUID(order_id)}?ok=saved")


@router.get("/admin/envios/{shipment_id}/{kind}")
async def printable(request: Request, shipment_id: uuid.UUID, kind: str) -> Response:
    """The label (the carrier's PDF, its print page, or ours) and the packing slip, for printing."""
    await staff(request, "manage_orders")
    if kind not in ("etiqueta", "romaneio"):
        return HTMLResponse("", status_code=404)
    path = f"/api/v1/admin/shipping/shipments/{shipment_id}/" + ("label" if kind == "etiqueta" else "packing-slip")
    shipment = await api(request, "GET", f"/api/v1/admin/shipping/shipments/{shipment_id}")
    if kind == "etiqueta" and shipment.get("label_url") and not shipment.get("has_label_pdf"):
        if shipment.get("carrier") != "table_rate":
            return RedirectResponse(str(shipment["label_url"]), status_code=303)
    return await raw_get(request, path)


async def shipments_of(request: Request, order_id: str) -> list[dict[str, Any]]:
    """The order's shipments for the admin order page (empty when logistics is not served)."""
    if not exists(request, "/api/v1/admin/shipping/orders/"):
        return []
    try:
        data = await api(request, "GET", f"/api/v1/admin/shipping/orders/{order_id}/shipments")
    except ApiError:
        return []
    items: list[dict[str, Any]] = data.get("items") or []
    return items
