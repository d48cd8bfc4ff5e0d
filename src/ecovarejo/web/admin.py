"""The admin panel: staff sign-in with MFA, and one page per area, each checking its permission.

Every page requires a staff account (admin, or a user holding a staff permission) **with MFA turned
on**, and the permission of its area (``ecovarejo.core.auth.PERMISSIONS``); the APIs it calls check the
same permission again with the staff member's own token. Event dead letters are read from the kernel's
``dead_letters`` table with a system session, filtered by the tenant.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.analytics import public as analytics_public
from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import DomainError, Forbidden

from . import account, admin_analytics, i18n
from .inproc import api, exists
from .pages import PageRoute, flashes, require_staff, uow_for
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: (path, message id, permission or None for any staff, "admin" for administrators only)
MENU: list[tuple[str, str, str | None]] = [
    ("/admin", "dashboard", None),
    ("/admin/relatorios/sales", "reports", "view_reports"),
    ("/admin/produtos", "products", "manage_products"),
    ("/admin/categorias", "categories", "manage_products"),
    ("/admin/estoque", "inventory", "manage_products"),
    ("/admin/reposicao", "reorders", "manage_products"),
    ("/admin/precos", "price_suggestions", "manage_products"),
    ("/admin/pedidos", "orders", "manage_orders"),
    ("/admin/cotacoes", "quotes_title", "manage_orders"),
    ("/admin/cupons", "coupons", "manage_orders"),
    ("/admin/frete", "shipping_config", "manage_orders"),
    ("/admin/fiscal", "fiscal_settings", "manage_orders"),
    ("/admin/fiscal/nfe", "nfe_title", "manage_orders"),
    ("/admin/faturado", "credit_terms_title", "manage_orders"),
    ("/admin/grupos", "customer_groups", "manage_orders"),
    ("/admin/revisao-fraude", "fraud_review", "manage_orders"),
    ("/admin/modelos", "ml_models", "view_reports"),
    ("/admin/clientes", "customers", "manage_users"),
    ("/admin/privacidade", "dpo_queue", "handle_privacy"),
    ("/admin/privacidade/retencao", "retention_title", "handle_privacy"),
    ("/admin/empresas", "companies", "manage_users"),
    ("/admin/pagamentos", "payments", "handle_payments"),
    ("/admin/loja", "shop_identity", "admin"),
    ("/admin/notificacoes", "notifications", "admin"),
    ("/admin/eventos", "dead_letters", "admin"),
]


def allowed(principal: Principal, permission: str | None) -> bool:
    if permission is None:
        return True
    if permission == "admin":
        return principal.is_admin
    return principal.can(permission)


async def staff(request: Request, permission: str | None) -> Principal:
    """A signed-in staff member with MFA on and ``permission``; else the sign-in page or 403."""
    principal = await require_staff(request)
    if not allowed(principal, permission):
        raise Forbidden(f"requires {permission}", code="permission_denied")
    if not getattr(request.state, "mfa_checked", False):
        profile = await api(request, "GET", "/api/v1/users/profile")
        if not profile.get("mfa_enabled"):
            raise Forbidden("staff accounts must turn on two-step verification", code="staff_mfa_required")
        request.state.mfa_checked = True
    return principal


def page(
    request: Request, template: str, principal: Principal, heading_id: str, status_code: int = 200, **ctx: Any
) -> Response:
    t = i18n.translator(i18n.negotiate(request))
    menu = [(href, label) for href, label, perm in MENU if allowed(principal, perm)]
    return render(
        request,
        template,
        status_code=status_code,
        heading=t(heading_id),
        admin_menu=menu,
        flashes=ctx.pop("flashes", None) or flashes(request),
        **ctx,
    )


# -- sign in -----------------------------------------------------------------------------------
@router.get("/admin/entrar")
async def login_form(request: Request) -> Response:
    return account.login_page(request, admin=True)


@router.post("/admin/entrar")
async def login(request: Request) -> Response:
    return await account.do_login(request, admin=True)


@router.post("/admin/entrar/mfa")
async def login_mfa(request: Request) -> Response:
    return await account.do_login_mfa(request, admin=True)


# -- dashboard ---------------------------------------------------------------------------------
def _chart(cid: str, title: str, kind: str, rows: list[tuple[str, Any]], label: str) -> dict[str, Any]:
    return {
        "id": cid,
        "title": title,
        "rows": rows,
        "spec": {"type": kind, "label": label, "labels": [r[0] for r in rows], "values": [float(r[1]) for r in rows]},
    }


@router.get("/admin")
async def dashboard(request: Request) -> Response:
    principal = await staff(request, None)
    charts: list[dict[str, Any]] = []
    low: list[dict[str, Any]] | None = None
    parts: dict[str, Any] = {}
    if principal.can("view_reports"):
        # every figure is one of the analytics context's reports over its facts (admin_analytics)
        parts = await admin_analytics.dashboard_parts(request)
        charts.extend(parts.pop("charts"))
    if principal.can("manage_products") and exists(request, "/api/v1/admin/inventory"):
        data = await api(request, "GET", "/api/v1/admin/inventory/low-stock", params={"limit": 20})
        low = list(data.get("items") or [])
        if low:
            rows = [(f"{s['sku']} ({s['warehouse_code']})", s["available"]) for s in low[:10]]
            label = i18n.translator(i18n.negotiate(request))("available")
            charts.append(_chart("low", "low_stock", "bar", rows, label))
    return page(request, "admin/dashboard.html", principal, "dashboard", charts=charts, low_stock=low, **parts)


def page_url(request: Request, cursor: str | None, **params: Any) -> str | None:
    if not cursor:
        return None
    clean = {k: v for k, v in params.items() if v}
    clean["cursor"] = cursor
    return f"{request.url.path}?{urlencode(clean)}"


def decimal_text(text: str) -> str:
    """``1.234,56`` or ``1234.56`` -> ``1234.56`` (Brazilian or plain notation)."""
    text = text.replace(" ", "").replace("R$", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def form_text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@router.get("/admin/relatorios/{name}")
async def report_page(request: Request, name: str) -> Response:
    principal = await staff(request, "view_reports")
    if name not in analytics_public.REPORT_NAMES:
        raise DomainError("no such report", code="report_not_found", status=404)
    p = admin_analytics.date_range(request)
    grain = request.query_params.get("grain") or admin_analytics.grain_for(p)
    async with uow_for(request, read_only=True) as uow:
        r = await analytics_public.report(uow, name, p, grain=grain, limit=200)
    lang = i18n.negotiate(request)
    rows = [
        [
            admin_analytics.value_label(name, c, v, lang) or admin_analytics.cell(v, lang)
            for c, v in zip(r.columns, row, strict=False)
        ]
        for row in r.rows
    ]
    query = f"start={p.start.isoformat()}&end={p.end.isoformat()}&grain={grain}"
    summary = [
        (k, admin_analytics.cell(v, lang), admin_analytics.change_text(r.change().get(k))) for k, v in r.summary.items()
    ]
    return page(
        request,
        "admin/report.html",
        principal,
        "reports",
        report=r,
        rows=rows,
        period=p,
        csv_url=f"/api/v1/analytics/reports/{name}?{query}&format=csv&limit=1000&lang={lang}",
        presets=admin_analytics.PRESETS,
        name=name,
        summary=summary,
        label=admin_analytics.labeller(lang),
        reports=analytics_public.REPORT_NAMES,
    )
