"""Admin panel: products (variants, certification, images), categories and inventory per warehouse."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import InvalidInput, PayloadTooLarge

from . import i18n
from .admin import decimal_text, form_text, page, page_url, staff
from .inproc import ApiError, api, exists
from .pages import PageRoute, form_with_csrf, redirect
from .templating import brl

router = APIRouter(route_class=PageRoute, include_in_schema=False)


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
        next_url=page_url(request, data.get("next_cursor"), q=q),
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
            v["price_override"] = decimal_text(parts[4])
        if not v["sku"]:
            raise InvalidInput(f"variant line {n}: the SKU is missing", code="invalid_variant")
        out.append(v)
    return out


def _product_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": form_text(form, "sku", 64),
        "name": form_text(form, "name", 200),
        "price": decimal_text(form_text(form, "price", 20)) or "0",
        "description": form_text(form, "description", 20000),
        "status": form_text(form, "status", 20) or "active",
        "recyclable": form.get("recyclable") == "on",
        "biodegradable": form.get("biodegradable") == "on",
        "featured": form.get("featured") == "on",
        "variants": _variants_from(form_text(form, "variants", 10000)),
    }
    if form_text(form, "slug"):
        body["slug"] = form_text(form, "slug")
    if form_text(form, "category_id", 40):
        body["category_id"] = form_text(form, "category_id", 40)
    if form_text(form, "carbon_footprint_kg", 20):
        body["carbon_footprint_kg"] = decimal_text(form_text(form, "carbon_footprint_kg", 20))
    cert = form_text(form, "cert_code", 60)
    if cert:
        c: dict[str, Any] = {"name": cert, "level": form_text(form, "cert_level", 60)}
        if form_text(form, "cert_issuer"):
            c["issuer"] = form_text(form, "cert_issuer")
        if form_text(form, "cert_expiry", 10):
            c["expiry"] = form_text(form, "cert_expiry", 10)
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
        data={"alt": form_text(form, "image_alt", 300)},
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
    if form_text(form, "price", 20):
        patch["price"] = decimal_text(form_text(form, "price", 20))
    if form_text(form, "status", 20):
        patch["status"] = form_text(form, "status", 20)
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
    body: dict[str, Any] = {"name": form_text(form, "name"), "description": form_text(form, "description", 2000)}
    if form_text(form, "slug"):
        body["slug"] = form_text(form, "slug")
    if form_text(form, "parent_id", 40):
        body["parent_id"] = form_text(form, "parent_id", 40)
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
        next_url=page_url(request, data.get("next_cursor")),
    )


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
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    try:
        delta = int(form_text(form, "delta", 12))
    except ValueError as exc:
        raise InvalidInput("delta must be a whole number", code="invalid_delta") from exc
    body: dict[str, Any] = {
        "sku": form_text(form, "sku", 64),
        "warehouse": form_text(form, "warehouse", 40),
        "delta": delta,
        "reason": form_text(form, "reason") or "admin adjustment",
    }
    level = form_text(form, "reorder_level", 12)
    if level:
        if not level.isdigit():
            raise InvalidInput("reorder level must be a whole number", code="invalid_reorder_level")
        body["reorder_level"] = int(level)
    await api(request, "POST", "/api/v1/admin/inventory/adjust", json=body)
    return redirect(f"/admin/estoque?{urlencode({'sku': body['sku'], 'ok': 'saved'})}")
