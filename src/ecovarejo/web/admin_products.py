"""Admin panel: the product list with bulk actions and the full product editor (every field, variants,
certifications with their issuer and document, SEO, the media gallery with its order).

Writes go through the products context's API in-process (``/api/v1/products``), each one transaction:
a refused save changes nothing, and the page comes back with what was typed and the errors in the
reader's language next to their fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import PayloadTooLarge

from . import i18n, problems
from .admin import decimal_text, form_text, page, page_url, staff
from .inproc import ApiError, api, exists
from .pages import PageRoute, form_with_csrf, redirect
from .templating import brl

router = APIRouter(route_class=PageRoute, include_in_schema=False)

STATUSES = ("active", "draft", "archived")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: the editor's repeated rows: (API list, form prefix, {API field: form field})
VARIANT_FIELDS = {"sku": "v_sku", "name": "v_name", "color": "v_color", "size": "v_size"}
VARIANT_FIELDS |= {"price_override": "v_price", "attributes": "v_attrs"}
CERT_FIELDS = {"name": "c_code", "level": "c_level", "issuer": "c_issuer", "expiry": "c_expiry"}
CERT_FIELDS |= {"document_url": "c_document"}
ATTRIBUTE_FIELDS = {"material": "material", "care_instructions": "care", "color": "colors", "size": "sizes"}
#: problem codes without a field, shown next to the field they are about
CODE_FIELDS = {
    "sku_taken": "sku",
    "duplicate_sku": "sku",
    "slug_taken": "slug",
    "unknown_category": "category_id",
    "duplicate_certification": "certs",
    "unknown_certification": "certs",
    "invalid_image": "image",
    "image_too_large": "image",
}


def _flat_categories(tree: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in tree or []:
        out.append({**c, "depth": depth, "label": ("— " * depth) + str(c.get("name"))})
        out.extend(_flat_categories(c.get("children") or [], depth + 1))
    return out


async def category_options(request: Request) -> list[dict[str, Any]]:
    return _flat_categories(await api(request, "GET", "/api/v1/categories") or [])


# -- the list and bulk actions -----------------------------------------------------------------
@router.get("/admin/produtos")
async def products(request: Request) -> Response:
    principal = await staff(request, "manage_products")
    if not exists(request, "/api/v1/products"):
        return page(request, "admin/products.html", principal, "products", unavailable=True, rows=[])
    q = (request.query_params.get("q") or "").strip()[:200]
    data = await api(
        request,
        "GET",
        "/api/v1/products",
        params={"q": q, "status": "all", "sort": "newest", "limit": 50, "cursor": request.query_params.get("cursor")},
    )
    lang = i18n.negotiate(request)
    rows = [
        {
            **p,
            "price_brl": brl(p.get("price")),
            "category_name": (p.get("category") or {}).get("name"),
            "certs": ", ".join(p.get("certifications") or []),
            "status_label": i18n.status_label(lang, p.get("status")),
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
        statuses=STATUSES,
        categories=await category_options(request),
        next_url=page_url(request, data.get("next_cursor"), q=q),
    )


@router.post("/admin/produtos/lote")
async def bulk(request: Request) -> Response:
    """Activate, deactivate (draft or archive) or move to a category every product ticked."""
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    ids = [v for v in form.getlist("ids") if isinstance(v, str)][:200]
    action = form_text(form, "action", 20)
    body: dict[str, Any] = {"ids": ids}
    if action in STATUSES:
        body["status"] = action
    elif action == "category" and form_text(form, "category_id", 40):
        body["category_id"] = form_text(form, "category_id", 40)
    if not ids or len(body) == 1:
        return redirect("/admin/produtos?err=bulk_nothing")
    await api(request, "POST", "/api/v1/products/bulk", json=body)
    return redirect("/admin/produtos?ok=bulk_done")


# -- the editor --------------------------------------------------------------------------------
def _attrs_text(attrs: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in (attrs or {}).items())


def form_of(p: dict[str, Any]) -> dict[str, Any]:
    """The editor's fields from a product document (``ProductOut``)."""
    sus = p.get("sustainability") or {}
    attrs = dict(p.get("attributes") or {})
    seo = p.get("seo") or {}
    extra = {k: v for k, v in attrs.items() if k not in ATTRIBUTE_FIELDS}
    return {
        "name": p.get("name", ""),
        "sku": p.get("sku", ""),
        "slug": seo.get("slug") or p.get("slug", ""),
        "price": str((p.get("price") or {}).get("amount", "")),
        "status": p.get("status", "active"),
        "category_id": str((p.get("category") or {}).get("id") or ""),
        "description": p.get("description", ""),
        "featured": p.get("featured", False),
        "carbon_footprint_kg": "" if sus.get("carbon_footprint") is None else str(sus["carbon_footprint"]),
        "recyclable": sus.get("recyclable", False),
        "biodegradable": sus.get("biodegradable", False),
        "material": attrs.get("material") or "",
        "care": attrs.get("care_instructions") or "",
        "colors": ", ".join(attrs.get("color") or []),
        "sizes": ", ".join(attrs.get("size") or []),
        "extra_attrs": _attrs_text(extra),
        "meta_title": seo.get("meta_title", ""),
        "meta_description": seo.get("meta_description", ""),
        "variants": [
            {
                "v_sku": v["sku"],
                "v_name": v.get("name") or "",
                "v_color": v.get("color") or "",
                "v_size": v.get("size") or "",
                "v_price": "" if v.get("price_override") is None else str(v["price_override"]),
                "v_attrs": _attrs_text(v.get("attributes") or {}),
            }
            for v in p.get("variants") or []
        ],
        "certs": [
            {
                "c_code": c.get("code") or c.get("name"),
                "c_level": c.get("level") or "",
                "c_issuer": c.get("issuer") or "",
                "c_expiry": c.get("expiry") or "",
                "c_document": c.get("document_url") or "",
            }
            for c in sus.get("certifications") or []
        ],
    }


def _rows(form: Any, names: list[str]) -> list[dict[str, str]]:
    columns = {n: [v.strip() if isinstance(v, str) else "" for v in form.getlist(n)] for n in names}
    count = max((len(c) for c in columns.values()), default=0)
    return [{n: (columns[n][i] if i < len(columns[n]) else "")[:500] for n in names} for i in range(count)]


def _pairs(text: str) -> dict[str, str] | None:
    """``chave=valor; chave=valor`` -> a dict; ``None`` when a part has no ``=``."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            return None
        out[key.strip()[:60]] = value.strip()[:200]
    return out


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def shown_form(form: Any) -> dict[str, Any]:
    """What was typed, as the editor shows it again."""
    scalars = ["name", "sku", "slug", "price", "status", "category_id", "description", "carbon_footprint_kg"]
    scalars += ["material", "care", "colors", "sizes", "extra_attrs", "meta_title", "meta_description"]
    shown: dict[str, Any] = {n: form_text(form, n, 20000) for n in scalars}
    for n in ("featured", "recyclable", "biodegradable"):
        shown[n] = form.get(n) == "on"
    shown["variants"] = [r for r in _rows(form, list(VARIANT_FIELDS.values())) if any(r.values())]
    shown["certs"] = [r for r in _rows(form, list(CERT_FIELDS.values())) if any(r.values())]
    return shown


def body_of(
    shown: dict[str, Any], t: Callable[..., str]
) -> tuple[dict[str, Any], dict[str, str], list[int], list[int]]:
    """The API body from the typed form, errors found before asking the API (by form field; rows as
    ``v_sku.2``), and the form row of each variant and certification sent (to place the API's errors)."""
    errors: dict[str, str] = {}
    attributes: dict[str, Any] = {
        "material": shown["material"] or None,
        "care_instructions": shown["care"] or None,
        "color": _list(shown["colors"]),
        "size": _list(shown["sizes"]),
    }
    extra = _pairs(shown["extra_attrs"])
    if extra is None:
        errors["extra_attrs"] = t("err_attribute_pairs")
    else:
        attributes |= {k: v for k, v in extra.items() if k not in attributes}
    body: dict[str, Any] = {
        "name": shown["name"],
        "sku": shown["sku"],
        "price": decimal_text(shown["price"]) or None,
        "status": shown["status"] or "active",
        "category_id": shown["category_id"] or None,
        "description": shown["description"],
        "featured": shown["featured"],
        "recyclable": shown["recyclable"],
        "biodegradable": shown["biodegradable"],
        "carbon_footprint_kg": decimal_text(shown["carbon_footprint_kg"]) or None,
        "attributes": attributes,
        "meta_title": shown["meta_title"],
        "meta_description": shown["meta_description"],
        "variants": [],
        "certifications": [],
    }
    if shown["slug"]:
        body["slug"] = shown["slug"]
    variant_rows: list[int] = []
    for i, r in enumerate(shown["variants"]):
        if not r["v_sku"]:
            errors[f"v_sku.{i}"] = t("err_required")
            continue
        attrs = _pairs(r["v_attrs"])
        if attrs is None:
            errors[f"v_attrs.{i}"] = t("err_attribute_pairs")
            continue
        v = {"sku": r["v_sku"], "name": r["v_name"], "color": r["v_color"] or None, "size": r["v_size"] or None}
        v |= {"price_override": decimal_text(r["v_price"]) or None, "attributes": attrs}
        body["variants"].append(v)
        variant_rows.append(i)
    cert_rows: list[int] = []
    for i, r in enumerate(shown["certs"]):
        if not r["c_code"]:
            errors[f"c_code.{i}"] = t("err_required")
            continue
        c = {"name": r["c_code"], "level": r["c_level"], "issuer": r["c_issuer"] or None}
        c |= {"expiry": r["c_expiry"] or None, "document_url": r["c_document"] or None}
        body["certifications"].append(c)
        cert_rows.append(i)
    return body, errors, variant_rows, cert_rows


def api_errors(exc: ApiError, t: Callable[..., str], variant_rows: list[int], cert_rows: list[int]) -> dict[str, str]:
    """The API's problem as ``{form field: message}`` in the reader's language."""
    out: dict[str, str] = {}
    for e in exc.errors:
        parts = [p for p in str(e.get("field") or "").split(".") if p]
        message = problems.field_message(t, parts[-1] if parts else "", str(e.get("type") or ""), e.get("code"))
        key = parts[0] if parts else "_"
        if len(parts) >= 3 and parts[0] in ("variants", "certifications") and parts[1].isdigit():
            rows, names = (variant_rows, VARIANT_FIELDS) if parts[0] == "variants" else (cert_rows, CERT_FIELDS)
            n = int(parts[1])
            first = next(iter(names.values()))
            key = f"{names.get(parts[2], first)}.{rows[n]}" if n < len(rows) else parts[0]
        elif len(parts) >= 2 and parts[0] == "attributes":
            key = ATTRIBUTE_FIELDS.get(parts[1], "extra_attrs")
        out.setdefault(key, message)
    if not out:
        out[CODE_FIELDS.get(exc.code, "_")] = problems.problem_message(t, exc.code)
    return out


async def _editor(
    request: Request,
    product: dict[str, Any] | None,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    principal = await staff(request, "manage_products")
    errors = errors or {}
    general = [("error", m) for k, m in errors.items() if k == "_"]
    if errors and not general:
        general = [("error", i18n_t(request)("form_has_errors"))]
    return page(
        request,
        "admin/product_form.html",
        principal,
        "edit_product" if product else "new_product",
        status_code=status_code,
        product=product,
        form=form,
        errors=errors,
        statuses=STATUSES,
        categories=await category_options(request),
        flashes=general or None,
    )


def i18n_t(request: Request) -> Callable[..., str]:
    t: Callable[..., str] = i18n.translator(i18n.negotiate(request))
    return t


async def _upload_image(request: Request, form: Any, product_id: str) -> bool:
    upload = form.get("image")
    filename = getattr(upload, "filename", None)
    if upload is None or not filename:
        return False
    data = await upload.read(MAX_UPLOAD_BYTES + 1)  # the catalog refuses what is too big, with its own limit
    if not data:
        return False
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"images up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", code="image_too_large")
    await api(
        request,
        "POST",
        f"/api/v1/products/{product_id}/media",
        files={"file": (filename, data, upload.content_type or "application/octet-stream")},
        data={"alt": form_text(form, "image_alt", 300)},
    )
    return True


@router.get("/admin/produtos/novo")
async def new_product(request: Request) -> Response:
    return await _editor(request, None, {"status": "active", "variants": [], "certs": []})


@router.post("/admin/produtos/novo")
async def create_product(request: Request) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    t = i18n_t(request)
    shown = shown_form(form)
    body, errors, vrows, crows = body_of(shown, t)
    if errors:
        return await _editor(request, None, shown, errors, 422)
    try:
        created = await api(request, "POST", "/api/v1/products", json=body)
    except ApiError as exc:
        return await _editor(request, None, shown, api_errors(exc, t, vrows, crows), exc.status)
    try:
        await _upload_image(request, form, created["id"])
    except (ApiError, PayloadTooLarge) as exc:
        # nothing half-saved: the product goes away again with its refused image
        await api(request, "DELETE", f"/api/v1/products/{created['id']}")
        return await _editor(request, None, shown, {"image": problems.problem_message(t, exc.code)}, exc.status)
    return redirect(f"/admin/produtos/{created['id']}?ok=saved")


@router.get("/admin/produtos/{product_id}")
async def edit_product(request: Request, product_id: uuid.UUID) -> Response:
    await staff(request, "manage_products")
    p = await api(request, "GET", f"/api/v1/products/{product_id}")
    return await _editor(request, p, form_of(p))


@router.post("/admin/produtos/{product_id}")
async def update_product(request: Request, product_id: uuid.UUID) -> Response:
    """Every field at once (one transaction: all saved or none)."""
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    t = i18n_t(request)
    p = await api(request, "GET", f"/api/v1/products/{product_id}")
    shown = shown_form(form)
    body, errors, vrows, crows = body_of(shown, t)
    if errors:
        return await _editor(request, p, shown, errors, 422)
    if "slug" not in body:
        body["slug"] = p["slug"]
    try:
        await api(request, "PATCH", f"/api/v1/products/{product_id}", json=body)
    except ApiError as exc:
        return await _editor(request, p, shown, api_errors(exc, t, vrows, crows), exc.status)
    return redirect(f"/admin/produtos/{product_id}?ok=saved")


# -- the gallery -------------------------------------------------------------------------------
@router.post("/admin/produtos/{product_id}/imagens")
async def add_image(request: Request, product_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    try:
        added = await _upload_image(request, form, str(product_id))
    except (ApiError, PayloadTooLarge) as exc:
        p = await api(request, "GET", f"/api/v1/products/{product_id}")
        t = i18n_t(request)
        return await _editor(request, p, form_of(p), {"image": problems.problem_message(t, exc.code)}, exc.status)
    return redirect(f"/admin/produtos/{product_id}?ok={'saved' if added else 'image_missing'}#galeria")


@router.post("/admin/produtos/{product_id}/galeria")
async def reorder(request: Request, product_id: uuid.UUID) -> Response:
    """The gallery's order (a position per image; ties keep the current order) and alt texts."""
    form = await form_with_csrf(request)
    await staff(request, "manage_products")
    p = await api(request, "GET", f"/api/v1/products/{product_id}")
    media = p.get("media") or []
    keyed = []
    for i, m in enumerate(media):
        raw = form_text(form, f"pos_{m['id']}", 6)
        position = int(raw) if raw.isdigit() else i + 1
        keyed.append((position, i, m["id"]))
    order = [mid for _, _, mid in sorted(keyed)]
    alt = {m["id"]: form_text(form, f"alt_{m['id']}", 300) for m in media if form.get(f"alt_{m['id']}") is not None}
    if order:
        await api(request, "PUT", f"/api/v1/products/{product_id}/media", json={"order": order, "alt": alt})
    return redirect(f"/admin/produtos/{product_id}?ok=saved#galeria")


@router.post("/admin/produtos/{product_id}/imagens/{media_id}/remover")
async def remove_image(request: Request, product_id: uuid.UUID, media_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await staff(request, "manage_products")
    await api(request, "DELETE", f"/api/v1/products/{product_id}/media/{media_id}")
    return redirect(f"/admin/produtos/{product_id}?ok=saved#galeria")
