"""The admin panel: staff sign-in with MFA, and one page per area, each checking its permission.

Every page requires a staff account (admin, or a user holding a staff permission) **with MFA turned
on**, and the permission of its area (``ecovarejo.core.auth.PERMISSIONS``); the APIs it calls check the
same permission again with the staff member's own token. Event dead letters are read from the kernel's
``dead_letters`` table with a system session, filtered by the tenant.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from ecovarejo.core.models import DeadLetter

from . import account, backend, i18n
from .inproc import ApiError, api, exists
from .pages import PageRoute, flashes, form_with_csrf, redirect, require_staff, uow_for
from .templating import brl, local_date, local_dt, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: (path, message id, permission or None for any staff, "admin" for administrators only)
MENU: list[tuple[str, str, str | None]] = [
    ("/admin", "dashboard", None),
    ("/admin/produtos", "products", "manage_products"),
    ("/admin/categorias", "categories", "manage_products"),
    ("/admin/estoque", "inventory", "manage_products"),
    ("/admin/pedidos", "orders", "manage_orders"),
    ("/admin/cupons", "coupons", "manage_orders"),
    ("/admin/clientes", "customers", "manage_users"),
    ("/admin/empresas", "companies", "manage_users"),
    ("/admin/pagamentos", "payments", "handle_payments"),
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
DASHBOARD_DAYS = 30
DASHBOARD_MAX_ORDERS = 2000


async def _order_charts(request: Request) -> list[dict[str, Any]]:
    """Sales per day, orders by status, top products and CO2 of sales over the last 30 days.

    Computed from the orders service's listing (bounded); a reporting context would pre-aggregate.
    """
    if not backend.has("orders", "list_orders"):
        return []
    since = datetime.now(UTC) - timedelta(days=DASHBOARD_DAYS)
    orders: list[dict[str, Any]] = []
    cursor = None
    async with uow_for(request, read_only=True) as uow:
        while len(orders) < DASHBOARD_MAX_ORDERS:
            chunk = await backend.call("orders", "list_orders", uow, limit=200, cursor=cursor, created_from=since)
            orders.extend(chunk.get("items") or [])
            cursor = chunk.get("next_cursor")
            if not cursor:
                break
    t = i18n.translator(i18n.negotiate(request))
    sales: dict[str, Decimal] = defaultdict(Decimal)
    co2: dict[str, Decimal] = defaultdict(Decimal)
    status: Counter[str] = Counter()
    top: Counter[str] = Counter()
    for o in orders:
        status[str(o.get("status"))] += 1
        if o.get("status") in {"cancelled", "canceled", "pending_payment", "payment_failed"}:
            continue
        day = local_date(o.get("created_at"), i18n.negotiate(request))
        sales[day] += Decimal(str(o.get("total_amount") or 0)) - Decimal(str(o.get("refunded_amount") or 0))
        co2[day] += Decimal(str(o.get("carbon_footprint") or 0))
        for item in o.get("items") or []:
            top[str(item.get("name") or item.get("sku"))] += int(item.get("quantity") or 0)
    days = sorted(sales, key=lambda d: _day_key(d))
    return [
        _chart("sales", "sales_per_day", "bar", [(d, sales[d]) for d in days], t("amount") + " (R$)"),
        _chart("status", "orders_by_status", "doughnut", sorted(status.items()), t("orders")),
        _chart("top", "top_products", "bar", top.most_common(10), t("quantity")),
        _chart("co2", "co2_of_sales", "bar", [(d, co2[d]) for d in days], "kg CO₂e"),
    ]


def _day_key(label: str) -> str:
    """dd/mm/yyyy or yyyy-mm-dd, sortable."""
    if "/" in label:
        d, m, y = label.split("/")
        return f"{y}-{m}-{d}"
    return label


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
    if principal.can("view_reports"):
        charts.extend(await _order_charts(request))
    if principal.can("manage_products") and exists(request, "/api/v1/admin/inventory"):
        data = await api(request, "GET", "/api/v1/admin/inventory/low-stock", params={"limit": 20})
        low = list(data.get("items") or [])
        if low:
            rows = [(f"{s['sku']} ({s['warehouse_code']})", s["available"]) for s in low[:10]]
            label = i18n.translator(i18n.negotiate(request))("available")
            charts.append(_chart("low", "low_stock", "bar", rows, label))
    return page(request, "admin/dashboard.html", principal, "dashboard", charts=charts, low_stock=low)


def _next_url(request: Request, cursor: str | None, **params: Any) -> str | None:
    if not cursor:
        return None
    clean = {k: v for k, v in params.items() if v}
    clean["cursor"] = cursor
    return f"{request.url.path}?{urlencode(clean)}"


def _decimal_text(text: str) -> str:
    """``1.234,56`` or ``1234.56`` -> ``1234.56`` (Brazilian or plain notation)."""
    text = text.replace(" ", "").replace("R$", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def _s(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


# -- products and categories -------------------------------------------------------------------
def _flat_categories(tree: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in tree or []:
        out.append({**c, "depth": depth, "label": ("— " * depth) + str(c.get("name"))})
        out.extend(_flat_categories(c.get("children") or [], depth + 1))
    return out


@router.get("/admin/produtos")
async def products(request: Request) -> Response:
    principal = await staff(request, "manage_products")
    if not exists(request, "/api/v1/products"):
        return page(request, "admin/table.html", principal, "products", unavailable=True, rows=[], columns=[])
    q = (request.query_params.get("q") or "").strip()[:200]
    data = await api(
        request,
        "GET",
        "/api/v1/products",
        params={"q": q, "status": "all", "sort": "newest", "limit": 50, "cursor": request.query_params.get("cursor")},
    )
    t = i18n.translator(i18n.negotiate(request))
    rows = [
        {
            **p,
            "price_brl": brl(p.get("price")),
            "category_name": (p.get("category") or {}).get("name"),
            "certs": ", ".join(p.get("certifications") or []),
            "status_label": i18n.status_label(i18n.negotiate(request), p.get("status")),
        }
        for p in data.get("items") or []
    ]
    return page(
        request,
        "admin/products.html",
        principal,
        "products",
        rows=rows,
        q=q,
        columns=[
            ("sku", t("sku")),
            ("name", t("name")),
            ("category_name", t("category")),
            ("price_brl", t("price")),
            ("status_label", t("status")),
            ("sustainability_score", t("score")),
            ("certs", t("certifications")),
        ],
        links={"name": "/admin/produtos/{id}"},
        next_url=_next_url(request, data.get("next_cursor"), q=q),
    )


async def _category_options(request: Request) -> list[dict[str, Any]]:
    return _flat_categories(await api(request, "GET", "/api/v1/categories") or [])


def _variants_from(text: str) -> list[dict[str, Any]]:
    """One variant per line: ``SKU; name; color; size; price`` (only the SKU is required)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        parts += [""] * (5 - len(parts))
        v: dict[str, Any] = {"sku": parts[0], "name": parts[1], "color": parts[2] or None, "size": parts[3] or None}
        if parts[4]:
            v["price_override"] = _decimal_text(parts[4])
        if not v["sku"]:
            raise InvalidInput(f"variant line {n}: the SKU is missing", code="invalid_variant")
        out.append(v)
    return out


def _product_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": _s(form, "sku", 64),
        "name": _s(form, "name", 200),
        "price": _decimal_text(_s(form, "price", 20)) or "0",
        "description": _s(form, "description", 20000),
        "status": _s(form, "status", 20) or "active",
        "recyclable": form.get("recyclable") == "on",
        "biodegradable": form.get("biodegradable") == "on",
        "featured": form.get("featured") == "on",
        "variants": _variants_from(_s(form, "variants", 10000)),
    }
    if _s(form, "slug"):
        body["slug"] = _s(form, "slug")
    if _s(form, "category_id", 40):
        body["category_id"] = _s(form, "category_id", 40)
    if _s(form, "carbon_footprint_kg", 20):
        body["carbon_footprint_kg"] = _decimal_text(_s(form, "carbon_footprint_kg", 20))
    cert = _s(form, "cert_code", 60)
    if cert:
        c: dict[str, Any] = {"name": cert, "level": _s(form, "cert_level", 60)}
        if _s(form, "cert_issuer"):
            c["issuer"] = _s(form, "cert_issuer")
        if _s(form, "cert_expiry", 10):
            c["expiry"] = _s(form, "cert_expiry", 10)
        body["certifications"] = [c]
    return body


async def _upload_image(request: Request, form: Any, product_id: str) -> None:
    upload = form.get("image")
    filename = getattr(upload, "filename", None)
    if upload is None or not filename:
        return
    data = await upload.read(MAX_UPLOAD_BYTES + 1)  # the catalog refuses what is too big, with its own limit
    if not data:
        return
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"images up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", code="image_too_large")
    await api(
        request,
        "POST",
        f"/api/v1/products/{product_id}/media",
        files={"file": (filename, data, upload.content_type or "application/octet-stream")},
        data={"alt": _s(form, "image_alt", 300)},
    )


MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _product_form_errors(exc: ApiError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.errors:
        path = str(e.get("field") or "").split(".")
        out.setdefault(path[0] if path[0] else "_", str(e.get("message")))
    if not out:
        out["_"] = exc.detail
    return out


@router.get("/admin/produtos/novo")
async def new_product(request: Request) -> Response:
    principal = await staff(request, "manage_products")
    return page(
        request,
        "admin/product_form.html",
        principal,
        "new_product",
        form={"status": "active"},
        errors={},
        categories=await _category_options(request),
        product=None,
    )


@router.post("/admin/produtos/novo")
async def create_product(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await staff(request, "manage_products")
    try:
        body = _product_body(form)
        created = await api(request, "POST", "/api/v1/products", json=body)
        await _upload_image(request, form, created["id"])
    except (ApiError, InvalidInput) as exc:
        errors = _product_form_errors(exc) if isinstance(exc, ApiError) else {"variants": exc.detail}
        shown = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return page(
            request,
            "admin/product_form.html",
            principal,
            "new_product",
            status_code=exc.status,
            form=shown,
            errors=errors,
            categories=await _category_options(request),
            product=None,
            flashes=[("error", m) for m in errors.values()][:3],
        )
    return redirect(f"/admin/produtos/{created['id']}?ok=saved")


@router.get("/admin/produtos/{product_id}")
async def edit_product(request: Request, product_id: uuid.UUID) -> Response:
    principal = await staff(request, "manage_products")
    p = await api(request, "GET", f"/api/v1/products/{product_id}")
    return page(request, "admin/product.html", principal, "products", product=p)


@router.post("/admin/produtos/{product_id}")
async def update_product(request: Request, product_id: uuid.UUID) -> Response:
    """Price, status, featured flag, and a new image."""
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    patch: dict[str, Any] = {"featured": form.get("featured") == "on"}
    if _s(form, "price", 20):
        patch["price"] = _decimal_text(_s(form, "price", 20))
    if _s(form, "status", 20):
        patch["status"] = _s(form, "status", 20)
    await api(request, "PATCH", f"/api/v1/products/{product_id}", json=patch)
    await _upload_image(request, form, str(product_id))
    return redirect(f"/admin/produtos/{product_id}?ok=saved")


@router.get("/admin/categorias")
async def categories(request: Request) -> Response:
    principal = await staff(request, "manage_products")
    return page(request, "admin/categories.html", principal, "categories", categories=await _category_options(request))


@router.post("/admin/categorias")
async def create_category(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    body: dict[str, Any] = {"name": _s(form, "name"), "description": _s(form, "description", 2000)}
    if _s(form, "slug"):
        body["slug"] = _s(form, "slug")
    if _s(form, "parent_id", 40):
        body["parent_id"] = _s(form, "parent_id", 40)
    await api(request, "POST", "/api/v1/categories", json=body)
    return redirect("/admin/categorias?ok=saved")


# -- inventory ---------------------------------------------------------------------------------
@router.get("/admin/estoque")
async def inventory_page(request: Request) -> Response:
    principal = await staff(request, "manage_products")
    if not exists(request, "/api/v1/admin/inventory"):
        return page(request, "admin/inventory.html", principal, "inventory", unavailable=True)
    sku = (request.query_params.get("sku") or "").strip()[:64]
    warehouses = await api(request, "GET", "/api/v1/admin/inventory/warehouses")
    if sku:
        data = await api(request, "GET", f"/api/v1/admin/inventory/stock/{quote(sku, safe='')}")
        title = sku
    else:
        data = await api(
            request, "GET", "/api/v1/admin/inventory/low-stock", params={"cursor": request.query_params.get("cursor")}
        )
        title = None
    return page(
        request,
        "admin/inventory.html",
        principal,
        "inventory",
        warehouses=warehouses,
        stock=data.get("items") or [],
        sku=sku,
        stock_title=title,
        next_url=_next_url(request, data.get("next_cursor")),
    )


@router.post("/admin/estoque/depositos")
async def create_warehouse(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    body = {"code": _s(form, "code", 40), "name": _s(form, "name"), "state": _s(form, "state", 2).upper() or "SP"}
    await api(request, "POST", "/api/v1/admin/inventory/warehouses", json=body)
    return redirect("/admin/estoque?ok=saved")


@router.post("/admin/estoque/ajustar")
async def inventory_adjust(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    try:
        delta = int(_s(form, "delta", 12))
    except ValueError as exc:
        raise InvalidInput("delta must be a whole number", code="invalid_delta") from exc
    body: dict[str, Any] = {
        "sku": _s(form, "sku", 64),
        "warehouse": _s(form, "warehouse", 40),
        "delta": delta,
        "reason": _s(form, "reason") or "admin adjustment",
    }
    level = _s(form, "reorder_level", 12)
    if level:
        if not level.isdigit():
            raise InvalidInput("reorder level must be a whole number", code="invalid_reorder_level")
        body["reorder_level"] = int(level)
    await api(request, "POST", "/api/v1/admin/inventory/adjust", json=body)
    return redirect(f"/admin/estoque?{urlencode({'sku': body['sku'], 'ok': 'saved'})}")


# -- customers and companies -------------------------------------------------------------------
@router.get("/admin/clientes")
async def customers(request: Request) -> Response:
    principal = await staff(request, "manage_users")
    q = (request.query_params.get("q") or "").strip()[:100]
    user_type = request.query_params.get("user_type") or None
    if user_type not in (None, "customer", "supplier", "admin"):
        user_type = None
    data = await api(
        request,
        "GET",
        "/api/v1/admin/users",
        params={"q": q, "user_type": user_type, "cursor": request.query_params.get("cursor"), "limit": 50},
    )
    t = i18n.translator(i18n.negotiate(request))
    rows = [
        {
            **u,
            "name": f"{u.get('first_name', '')} {u.get('last_name', '')}".strip(),
            "active": t("yes") if u.get("is_active") else t("no"),
            "mfa": t("yes") if u.get("mfa_enabled") else t("no"),
            "can_deactivate": u.get("is_active") and str(u.get("id")) != str(principal.user_id),
            "can_activate": not u.get("is_active"),
        }
        for u in data.get("items") or []
    ]
    return page(
        request,
        "admin/customers.html",
        principal,
        "customers",
        rows=rows,
        q=q,
        user_type=user_type,
        columns=[
            ("email", t("email")),
            ("name", t("name")),
            ("user_type", t("user_type")),
            ("active", t("active")),
            ("mfa", "MFA"),
            ("sustainability_score", t("score")),
        ],
        row_actions=[
            {"action": "/admin/clientes/{id}/desativar", "label": t("deactivate"), "when": "can_deactivate"},
            {"action": "/admin/clientes/{id}/ativar", "label": t("activate"), "when": "can_activate"},
        ],
        next_url=_next_url(request, data.get("next_cursor"), q=q, user_type=user_type),
    )


@router.post("/admin/clientes/{user_id}/{action}")
async def customer_action(request: Request, user_id: uuid.UUID, action: str) -> Response:
    await form_with_csrf(request)
    await staff(request, "manage_users")
    verb = {"ativar": "activate", "desativar": "deactivate"}.get(action)
    if verb is None:
        raise InvalidInput("unknown action", code="unknown_action")
    await api(request, "POST", f"/api/v1/admin/users/{user_id}/{verb}")
    return redirect("/admin/clientes?ok=saved")


@router.get("/admin/empresas")
async def companies(request: Request) -> Response:
    """B2B buyers grouped by company (the users API lists accounts with their ``company_id``)."""
    principal = await staff(request, "manage_users")
    t = i18n.translator(i18n.negotiate(request))
    if backend.has("users", "list_companies"):
        async with uow_for(request, read_only=True) as uow:
            found = await backend.call("users", "list_companies", uow)
        rows = found.get("items", []) if isinstance(found, dict) else found
        columns = [("legal_name", t("legal_name")), ("trade_name", t("trade_name")), ("cnpj", "CNPJ")]
    else:
        data = await api(request, "GET", "/api/v1/admin/users", params={"limit": 200})
        groups: dict[str, list[str]] = defaultdict(list)
        for u in data.get("items") or []:
            if u.get("company_id"):
                groups[str(u["company_id"])].append(str(u.get("email")))
        rows = [{"id": cid, "company_id": cid, "members": ", ".join(m)} for cid, m in groups.items()]
        columns = [("company_id", t("company")), ("members", t("buyers"))]
    return page(request, "admin/table.html", principal, "companies", rows=rows, columns=columns)


# -- orders ------------------------------------------------------------------------------------
ORDER_NEXT = {
    "paid": ["fulfilling"],
    "fulfilling": ["shipped"],
    "shipped": ["delivered"],
    "return_requested": ["returned", "delivered"],
}


@router.get("/admin/pedidos")
async def orders(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    if not exists(request, "/api/v1/admin/orders"):
        return page(request, "admin/table.html", principal, "orders", unavailable=True, rows=[], columns=[])
    status = request.query_params.get("status") or None
    number = (request.query_params.get("number") or "").strip()[:20] or None
    data = await api(
        request,
        "GET",
        "/api/v1/admin/orders",
        params={"status": status, "q": number, "cursor": request.query_params.get("cursor"), "limit": 50},
    )
    lang = i18n.negotiate(request)
    t = i18n.translator(lang)
    rows = [
        {
            **o,
            "created": local_dt(o.get("created_at"), lang=lang),
            "status_label": i18n.status_label(lang, o.get("status")),
            "total": brl(o.get("total_amount")),
            "co2": f"{o.get('carbon_footprint')} kg",
        }
        for o in data.get("items") or []
    ]
    return page(
        request,
        "admin/orders.html",
        principal,
        "orders",
        rows=rows,
        status=status,
        number=number,
        columns=[
            ("order_number", t("code")),
            ("created", t("date")),
            ("status_label", t("status")),
            ("total", t("total")),
            ("co2", t("carbon_footprint")),
        ],
        links={"order_number": "/admin/pedidos/{id}"},
        next_url=_next_url(request, data.get("next_cursor"), status=status, number=number),
    )


@router.get("/admin/pedidos/{order_id}")
async def order_detail(request: Request, order_id: uuid.UUID) -> Response:
    principal = await staff(request, "manage_orders")
    order = await api(request, "GET", f"/api/v1/admin/orders/{order_id}")
    return page(
        request,
        "admin/order.html",
        principal,
        "orders",
        order=order,
        next_statuses=ORDER_NEXT.get(str(order.get("status")), []),
        can_refund=principal.can("handle_payments"),
    )


@router.post("/admin/pedidos/{order_id}/situacao")
async def order_status(request: Request, order_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    body = {
        "status": _s(form, "status", 50),
        "reason": _s(form, "reason", 500) or None,
        "carrier": _s(form, "carrier", 60) or None,
        "tracking_code": _s(form, "tracking_code", 100) or None,
    }
    await api(request, "POST", f"/api/v1/admin/orders/{order_id}/status", json=body)
    return redirect(f"/admin/pedidos/{order_id}?ok=saved")


@router.post("/admin/pedidos/{order_id}/cancelar")
async def order_cancel(request: Request, order_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    await api(request, "POST", f"/api/v1/admin/orders/{order_id}/cancel", json={"reason": _s(form, "reason", 500)})
    return redirect(f"/admin/pedidos/{order_id}?ok=saved")


@router.post("/admin/pedidos/{order_id}/reembolsar")
async def order_refund(request: Request, order_id: uuid.UUID) -> Response:
    """Refund all (empty amount) or part; the form's key makes a double submit refund once."""
    form = await form_with_csrf(request)
    await staff(request, "handle_payments")
    raw = _decimal_text(_s(form, "amount", 20))
    body: dict[str, Any] = {"reason": _s(form, "reason", 500) or "refund by staff"}
    if raw:
        try:
            amount = Decimal(raw)
        except ArithmeticError as exc:
            raise InvalidInput("amount must be a number", code="invalid_amount") from exc
        if not amount.is_finite() or amount <= 0:
            raise InvalidInput("amount must be positive", code="invalid_amount")
        body["amount"] = str(amount)
    key = _s(form, "idempotency_key", 100) or f"web-{uuid.uuid4()}"
    await api(request, "POST", f"/api/v1/admin/orders/{order_id}/refund", json=body, headers={"Idempotency-Key": key})
    return redirect(f"/admin/pedidos/{order_id}?ok=saved")


# -- coupons -----------------------------------------------------------------------------------
@router.get("/admin/cupons")
async def coupons(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    if not exists(request, "/api/v1/admin/coupons"):
        return page(request, "admin/coupons.html", principal, "coupons", unavailable=True, rows=[], columns=[])
    data = await api(request, "GET", "/api/v1/admin/coupons")
    t = i18n.translator(i18n.negotiate(request))
    rows = [
        {
            **c,
            "value_shown": f"{c['value']}%" if c.get("kind") == "percent" else brl(c.get("value") or 0),
            "uses": f"{c.get('used_count', 0)}/{c.get('max_uses') or '∞'}",
            "active": t("yes") if c.get("is_active") else t("no"),
        }
        for c in data.get("items") or []
    ]
    columns = [
        ("code", t("code")),
        ("kind", t("kind")),
        ("value_shown", t("value")),
        ("uses", t("uses")),
        ("active", t("active")),
        ("description", t("description")),
    ]
    return page(request, "admin/coupons.html", principal, "coupons", rows=rows, columns=columns, form={}, errors={})


@router.post("/admin/cupons")
async def create_coupon(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    body: dict[str, Any] = {
        "code": _s(form, "code", 40),
        "kind": _s(form, "kind", 20),
        "value": _decimal_text(_s(form, "value", 20)) or "0",
        "description": _s(form, "description", 300) or None,
        "certified_only": form.get("certified_only") == "on",
        "first_order_only": form.get("first_order_only") == "on",
        "b2b_only": form.get("b2b_only") == "on",
    }
    for name in ("min_subtotal", "max_uses"):
        value = _decimal_text(_s(form, name, 20))
        if value:
            body[name] = value
    await api(request, "POST", "/api/v1/admin/coupons", json=body)
    return redirect("/admin/cupons?ok=saved")


# -- payments ----------------------------------------------------------------------------------
PAYMENTS_PAGE_ORDERS = 25


@router.get("/admin/pagamentos")
async def payments(request: Request) -> Response:
    """The payments of the most recent orders (the payments context has no listing of its own yet),
    with method, gateway, status and the authorized, captured and refunded amounts."""
    principal = await staff(request, "handle_payments")
    t = i18n.translator(i18n.negotiate(request))
    if not exists(request, "/api/v1/admin/orders") or not principal.can("manage_orders"):
        return page(request, "admin/table.html", principal, "payments", unavailable=True, rows=[], columns=[])
    status = request.query_params.get("status") or None
    listing = await api(
        request,
        "GET",
        "/api/v1/admin/orders",
        params={"limit": PAYMENTS_PAGE_ORDERS, "cursor": request.query_params.get("cursor")},
    )
    lang = i18n.negotiate(request)
    rows: list[dict[str, Any]] = []
    for o in listing.get("items") or []:
        detail = await api(request, "GET", f"/api/v1/admin/orders/{o['id']}")
        for pay in detail.get("payments") or []:
            if status and pay.get("status") != status:
                continue
            rows.append(
                {
                    "id": o["id"],
                    "order_number": o.get("order_number"),
                    "created": local_dt(o.get("created_at"), lang=lang),
                    "method": t("pay_" + str(pay.get("method")))
                    if pay.get("method") in ("card", "pix")
                    else pay.get("method"),
                    "gateway": pay.get("gateway"),
                    "status": i18n.status_label(lang, pay.get("status")),
                    "authorized": brl(pay.get("authorized_amount") or 0),
                    "captured": brl(pay.get("captured_amount") or 0),
                    "refunded": brl(pay.get("refunded_amount") or 0),
                    "card": f"****{pay['card_last4']}" if pay.get("card_last4") else "—",
                }
            )
    columns = [
        ("order_number", t("orders")),
        ("created", t("date")),
        ("method", t("method")),
        ("gateway", "Gateway"),
        ("status", t("status")),
        ("authorized", t("authorized")),
        ("captured", t("captured")),
        ("refunded", t("refunded")),
        ("card", t("card")),
    ]
    return page(
        request,
        "admin/table.html",
        principal,
        "payments",
        rows=rows,
        columns=columns,
        links={"order_number": "/admin/pedidos/{id}"},
        next_url=_next_url(request, listing.get("next_cursor"), status=status),
    )


# -- notifications and dead letters ------------------------------------------------------------
@router.get("/admin/notificacoes")
async def notifications(request: Request) -> Response:
    """Messages of every channel (with their delivery status; failed ones can be retried) and the
    local e-mail outbox folder of the embedded mode."""
    principal = await staff(request, "admin")
    if not exists(request, "/api/v1/admin/notifications"):
        return page(request, "admin/notifications.html", principal, "notifications", unavailable=True)
    status = request.query_params.get("status") or None
    data = await api(
        request,
        "GET",
        "/api/v1/admin/notifications/messages",
        params={"status": status, "cursor": request.query_params.get("cursor"), "limit": 50},
    )
    try:
        outbox = await api(request, "GET", "/api/v1/admin/notifications/outbox", params={"limit": 50})
    except ApiError as exc:
        if exc.status != 404:
            raise
        outbox = None
    return page(
        request,
        "admin/notifications.html",
        principal,
        "notifications",
        messages=data.get("items") or [],
        status=status,
        outbox=(outbox or {}).get("items") if outbox is not None else None,
        next_url=_next_url(request, data.get("next_cursor"), status=status),
    )


@router.post("/admin/notificacoes/{message_id}/reenviar")
async def notification_retry(request: Request, message_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await staff(request, "admin")
    await api(request, "POST", f"/api/v1/admin/notifications/messages/{message_id}/retry")
    return redirect("/admin/notificacoes?ok=saved")


@router.get("/admin/notificacoes/caixa/{name}")
async def outbox_message(request: Request, name: str) -> Response:
    principal = await staff(request, "admin")
    message = await api(request, "GET", f"/api/v1/admin/notifications/outbox/{quote(name, safe='')}")
    return page(request, "admin/outbox_message.html", principal, "notifications", message=message)


@router.get("/admin/eventos")
async def dead_letters(request: Request) -> Response:
    """Events whose consumer gave up after its retries (the kernel's ``dead_letters``), this tenant only."""
    principal = await staff(request, "admin")
    container = request.app.state.container
    tenant_id = request.state.tenant.id
    show_resolved = request.query_params.get("resolved") == "1"
    q = select(DeadLetter).where(DeadLetter.tenant_id == tenant_id)
    if not show_resolved:
        q = q.where(DeadLetter.resolved_at.is_(None))
    async with container.db.session(None, read_only=True) as s:
        found = list((await s.scalars(q.order_by(DeadLetter.created_at.desc()).limit(200))).all())
        total = await s.scalar(
            select(func.count())
            .select_from(DeadLetter)
            .where(DeadLetter.tenant_id == tenant_id, DeadLetter.resolved_at.is_(None))
        )
    lang = i18n.negotiate(request)
    t = i18n.translator(lang)
    rows = [
        {
            "id": d.id,
            "created": local_dt(d.created_at, lang=lang),
            "consumer": d.consumer,
            "type": d.type,
            "topic": d.topic,
            "event_id": str(d.event_id),
            "attempts": d.attempts,
            "error": (d.error or "")[:300],
            "open": d.resolved_at is None,
        }
        for d in found
    ]
    columns = [
        ("created", t("created")),
        ("consumer", t("consumer")),
        ("type", t("event_type")),
        ("event_id", t("event_id")),
        ("attempts", t("attempts")),
        ("error", t("error_message")),
    ]
    return page(
        request,
        "admin/deadletters.html",
        principal,
        "dead_letters",
        rows=rows,
        columns=columns,
        open_count=total or 0,
        row_actions=[{"action": "/admin/eventos/{id}/resolver", "label": t("resolved"), "when": "open"}],
    )


@router.post("/admin/eventos/{letter_id}/resolver")
async def resolve_dead_letter(request: Request, letter_id: uuid.UUID) -> Response:
    """Mark a dead letter handled (after fixing its cause); only this tenant's letters."""
    await form_with_csrf(request)
    await staff(request, "admin")
    container = request.app.state.container
    async with container.db.session(None) as s:
        letter = await s.scalar(
            select(DeadLetter).where(DeadLetter.id == letter_id, DeadLetter.tenant_id == request.state.tenant.id)
        )
        if letter is None:
            raise NotFound("no such dead letter")
        if letter.resolved_at is None:
            letter.resolved_at = datetime.now(UTC)
            await s.commit()
    return redirect("/admin/eventos?ok=saved")
