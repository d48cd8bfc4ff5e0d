"""Admin panel: the fraud review queue (approve / reject held orders) and the trained models with
their metric next to the baseline's."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from ecovarejo.ml import public as ml

from . import i18n
from .admin import page, staff
from .pages import PageRoute, form_with_csrf, redirect, uow_for
from .templating import brl, local_dt

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin/revisao-fraude")
async def fraud_reviews(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    t = i18n.translator(i18n.negotiate(request))
    async with uow_for(request, read_only=True) as uow:
        items = await ml.review_queue(uow, "pending", 100)
    rows = [
        {
            **a,
            "id": a["order_id"],
            "total_shown": brl(a["total"]),
            "score_shown": f"{a['score'] * 100:.0f}%",
            "reasons_shown": ", ".join(t(f"fraud_reason_{r}") for r in a["reasons"]) or "—",
            "at": local_dt(a["created_at"]),
        }
        for a in items
    ]
    columns = [
        ("order_number", t("fraud_order")),
        ("at", t("date")),
        ("total_shown", t("total")),
        ("score_shown", t("fraud_score")),
        ("reasons_shown", t("fraud_reasons")),
    ]
    actions = [
        {"action": "/admin/revisao-fraude/{id}/aprovar", "label": t("fraud_approve"), "cls": "primary"},
        {"action": "/admin/revisao-fraude/{id}/rejeitar", "label": t("fraud_reject"), "cls": "secondary"},
    ]
    return page(request, "admin/table.html", principal, "fraud_review", rows=rows, columns=columns,
                row_actions=actions, links={"order_number": "/admin/pedidos/{id}"})  # fmt: skip


@router.post("/admin/revisao-fraude/{order_id}/{action}")
async def fraud_decide(request: Request, order_id: uuid.UUID, action: str) -> Response:
    await form_with_csrf(request)
    principal = await staff(request, "manage_orders")
    if action not in ("aprovar", "rejeitar"):
        return redirect("/admin/revisao-fraude")
    await ml.decide_review(
        request.app.state.container, request.state.tenant.id, order_id, approve=action == "aprovar", principal=principal
    )
    return redirect("/admin/revisao-fraude?ok=saved")


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or default)))
    except ValueError:
        return default


@router.get("/admin/reposicao")
async def reorders(request: Request) -> Response:
    """Reorder suggestions from the demand forecast, for a lead time and service level staff choose."""
    principal = await staff(request, "manage_products")
    t = i18n.translator(i18n.negotiate(request))
    qp = request.query_params
    lead = _int(qp.get("lead_time_days"), 7, 1, 180)
    level = _int(qp.get("service_level"), 95, 50, 99)
    async with uow_for(request, read_only=True) as uow:
        items = await ml.reorder_suggestions(
            request.app.state.container, uow, lead_time_days=lead, service_level=level / 100, only_due=False
        )
    rows = [
        {
            "id": r.sku,
            "sku": r.sku,
            "weekly": f"{r.weekly_forecast:.1f}",
            "method": r.method.upper(),
            "available": r.available,
            "reorder_point": r.reorder_point,
            "order_quantity": r.order_quantity or "—",
            "due": t("yes") if r.due else t("no"),
        }
        for r in items
    ]
    columns = [
        ("sku", "SKU"),
        ("weekly", t("reorder_weekly")),
        ("method", t("reorder_method")),
        ("available", t("reorder_available")),
        ("reorder_point", t("reorder_point")),
        ("order_quantity", t("reorder_quantity")),
        ("due", t("reorder_due")),
    ]
    return page(request, "admin/reorders.html", principal, "reorders", rows=rows, columns=columns,
                lead_time_days=lead, service_level=level)  # fmt: skip


@router.get("/admin/sugestao-categoria")
async def classification_hint(request: Request) -> Response:
    """An htmx fragment for the product form: the likely category, certifications and tags."""
    await staff(request, "manage_products")
    t = i18n.translator(i18n.negotiate(request))
    name = (request.query_params.get("name") or "").strip()[:200]
    description = (request.query_params.get("description") or "").strip()[:5000]
    s = await ml.suggest_classification(request.app.state.container, request.state.tenant.id, name, description)
    if s is None or s.category is None:
        return HTMLResponse("")
    parts = [f"{escape(t('suggested_category'))}: <strong>{escape(s.category)}</strong> ({s.confidence:.0%})"]
    if s.certifications:
        parts.append(f"{escape(t('likely_certifications'))}: {escape(', '.join(s.certifications))}")
    if s.tags:
        parts.append(f"{escape(t('suggested_tags'))}: {escape(', '.join(s.tags))}")
    return HTMLResponse(f'<p class="hint"><small>{" · ".join(parts)}</small></p>')


@router.get("/admin/precos")
async def prices(request: Request) -> Response:
    """Price suggestions with the expected revenue change and confidence; staff apply one by one."""
    principal = await staff(request, "manage_products")
    t = i18n.translator(i18n.negotiate(request))
    async with uow_for(request, read_only=True) as uow:
        items = await ml.price_suggestions(request.app.state.container, uow, 200)
    rows = [
        {
            "id": str(p.product_id),
            "name": p.name,
            "sku": p.sku,
            "current": brl(p.current),
            "suggested": brl(p.suggested),
            "change": f"{p.expected_revenue_change_pct:+.1f}%",
            "margin": f"{p.expected_margin_change_pct:+.1f}%" if p.expected_margin_change_pct is not None else "—",
            "floor": brl(p.floor) if p.floor is not None else "—",
            "elasticity": f"{p.elasticity:.2f}",
            "confidence": f"{p.confidence:.0%}",
            "can_apply": p.suggested != p.current,
        }
        for p in items
    ]
    columns = [
        ("name", t("name")),
        ("sku", "SKU"),
        ("current", t("price_current")),
        ("suggested", t("price_suggested")),
        ("change", t("price_revenue_change")),
        ("margin", t("price_margin_change")),
        ("floor", t("price_floor")),
        ("elasticity", t("price_elasticity")),
        ("confidence", t("price_confidence")),
    ]
    apply = {"action": "/admin/precos/{id}/aplicar", "label": t("price_apply"), "cls": "primary", "when": "can_apply"}
    actions = [apply]
    return page(request, "admin/table.html", principal, "price_suggestions", rows=rows, columns=columns,
                row_actions=actions)  # fmt: skip


@router.post("/admin/precos/{product_id}/aplicar")
async def price_apply(request: Request, product_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    principal = await staff(request, "manage_products")
    async with uow_for(request) as uow:
        await ml.apply_price(request.app.state.container, uow, product_id, principal)
        await uow.commit()
    return redirect("/admin/precos?ok=saved")


@router.get("/admin/modelos")
async def models(request: Request) -> Response:
    principal = await staff(request, "view_reports")
    t = i18n.translator(i18n.negotiate(request))
    async with uow_for(request, read_only=True) as uow:
        views = await ml.list_models(uow, None, 50)
    rows = [
        {
            "id": f"{m.name}-{m.version}",
            "name": m.name,
            "version": m.version,
            "metric": m.metric,
            "value": f"{m.value:.4f}",
            "baseline": f"{m.baseline:.4f}",
            "promoted": t("yes") if m.promoted else t("no"),
            "reason": m.reason,
            "window": f"{local_dt(m.data_from, '%d/%m/%Y') or '—'} → {local_dt(m.data_to, '%d/%m/%Y') or '—'}",
            "at": local_dt(m.created_at),
        }
        for m in views
    ]
    columns = [
        ("name", t("ml_model")),
        ("version", t("ml_version")),
        ("metric", t("ml_metric")),
        ("value", t("ml_value")),
        ("baseline", t("ml_baseline")),
        ("promoted", t("ml_promoted")),
        ("reason", t("ml_reason")),
        ("window", t("ml_window")),
        ("at", t("date")),
    ]
    return page(request, "admin/table.html", principal, "ml_models", rows=rows, columns=columns)
