"""Storefront pages: home, categories and search (filters, facets, sorts), product, reviews."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import DomainError, InvalidInput, NotFound

from . import backend
from .cart import cart_count, max_installments
from .pages import PageRoute, flashes, form_with_csrf, principal_of, redirect, uow_for
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SORTS = [
    ("relevance", "sort_relevance"),
    ("price_asc", "sort_price_asc"),
    ("price_desc", "sort_price_desc"),
    ("score_desc", "sort_score"),
    ("newest", "sort_newest"),
]
SORT_VALUES = {s for s, _ in SORTS}

LIST = ("list_products", "search_products", "search")
GET_BY_SLUG = ("get_product_by_slug", "get_by_slug", "product_by_slug")
CATEGORIES = ("list_categories", "categories")
CATEGORY_BY_SLUG = ("get_category_by_slug", "category_by_slug")
EXPLAIN = ("explain_score", "sustainability_explanation", "explain_sustainability", "score_explanation")
AVERAGE = ("category_average_footprint", "category_carbon_average", "average_footprint")
REVIEWS = ("list_reviews", "reviews_for_product")
ADD_REVIEW = ("create_review", "add_review")


async def _common(request: Request) -> dict[str, Any]:
    await principal_of(request)
    return {"flashes": flashes(request), "cart_count": await cart_count(request)}


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidInput(f"{name} must be a number", code="invalid_filter") from exc
    if not d.is_finite() or d < 0:
        raise InvalidInput(f"{name} must be a positive number", code="invalid_filter")
    return d


def _filters(request: Request) -> dict[str, Any]:
    qp = request.query_params
    sort = qp.get("sort") or "relevance"
    return {
        "q": (qp.get("q") or "").strip()[:200] or None,
        "certification": qp.get("certification") or None,
        "min_price": _decimal(qp.get("min_price"), "min_price"),
        "max_price": _decimal(qp.get("max_price"), "max_price"),
        "min_score": _decimal(qp.get("min_score"), "min_score"),
        "recyclable": True if qp.get("recyclable") == "true" else None,
        "biodegradable": True if qp.get("biodegradable") == "true" else None,
        "sort": sort if sort in SORT_VALUES else "relevance",
        "cursor": qp.get("cursor") or None,
    }


async def _search(request: Request, category: str | None, heading: str, results_heading: str) -> Response:
    ctx = await _common(request)
    filters = _filters(request)
    products: list[dict[str, Any]] = []
    facets: dict[str, Any] = {}
    next_url = None
    unavailable = not backend.has("products", *LIST)
    if not unavailable:
        async with uow_for(request, read_only=True) as uow:
            kwargs = {k: v for k, v in filters.items() if v is not None}
            if category:
                kwargs["category"] = category
            page = await backend.call("products", LIST, uow, limit=24, include_facets=True, facets=True, **kwargs)
        products = list(page.get("items") or []) if isinstance(page, dict) else list(page or [])
        facets = _facets(page.get("facets") if isinstance(page, dict) else None)
        cursor = page.get("next_cursor") if isinstance(page, dict) else None
        if cursor:
            params = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in filters.items() if v}
            params["cursor"] = cursor
            next_url = f"{request.url.path}?{urlencode(params)}"
    return render(
        request,
        "store/catalog.html",
        heading=heading,
        results_heading=results_heading,
        products=products,
        facets=facets,
        filters=filters,
        sorts=SORTS,
        q=filters["q"],
        next_url=next_url,
        unavailable=unavailable,
        **ctx,
    )


def _facets(raw: Any) -> dict[str, list[dict[str, Any]]]:
    """Facets as {"certifications": [{"value", "label", "count"}]}, whatever shape the catalog answers."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not isinstance(raw, dict):
        return out
    for key, values in raw.items():
        name = "certifications" if key in {"certification", "certifications"} else key
        rows: list[dict[str, Any]] = []
        if isinstance(values, dict):
            rows = [{"value": k, "label": k, "count": v} for k, v in values.items()]
        elif isinstance(values, list):
            for v in values:
                if isinstance(v, dict):
                    value = v.get("value") or v.get("code") or v.get("name") or v.get("key")
                    rows.append(
                        {"value": value, "label": v.get("label") or v.get("name") or value, "count": v.get("count")}
                    )
                else:
                    rows.append({"value": v, "label": v, "count": None})
        out[name] = rows
    return out


@router.get("/")
async def home(request: Request) -> Response:
    ctx = await _common(request)
    featured: list[Any] = []
    high: list[Any] = []
    categories: list[Any] = []
    unavailable = not backend.has("products", *LIST)
    if not unavailable:
        async with uow_for(request, read_only=True) as uow:
            featured_page = await backend.call("products", LIST, uow, limit=8, featured=True, sort="newest")
            high_page = await backend.call("products", LIST, uow, limit=8, sort="score_desc")
            categories = await backend.try_call("products", CATEGORIES, uow, default=[])
        featured = featured_page.get("items", []) if isinstance(featured_page, dict) else featured_page
        high = high_page.get("items", []) if isinstance(high_page, dict) else high_page
        if isinstance(categories, dict):
            categories = categories.get("items", [])
    return render(
        request,
        "store/home.html",
        featured=featured,
        high_score=high,
        categories=categories,
        unavailable=unavailable,
        **ctx,
    )


@router.get("/busca")
async def search(request: Request) -> Response:
    from . import i18n

    t = i18n.translator(i18n.negotiate(request))
    q = (request.query_params.get("q") or "").strip()
    heading = t("results_for", q=q) if q else t("all_products")
    return await _search(request, None, heading, heading)


@router.get("/c/{slug}")
async def category(request: Request, slug: str) -> Response:
    name = slug
    if backend.has("products", *CATEGORY_BY_SLUG):
        async with uow_for(request, read_only=True) as uow:
            cat = await backend.call("products", CATEGORY_BY_SLUG, uow, slug)
        name = (cat or {}).get("name") or slug
    return await _search(request, slug, name, name)


def _variants(p: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for v in p.get("variants") or []:
        parts = [str(x) for x in (v.get("color"), v.get("size")) if x]
        label = v.get("name") or " / ".join(parts) or v.get("sku")
        stock = v.get("available")
        if stock is None:
            stock = v.get("in_stock")
        out.append({**v, "label": label, "available": stock})
    return out


def _footprint(p: dict[str, Any], average: Any) -> dict[str, Any]:
    sus = p.get("sustainability") or {}
    mine = sus.get("carbon_footprint")
    if mine is None or not average:
        return {}
    avg = Decimal(str(average))
    value = Decimal(str(mine))
    if avg <= 0:
        return {}
    delta = int(((value - avg) / avg * 100).to_integral_value())
    return {"average": avg, "delta_pct": delta, "max": max(value, avg) * 2}


@router.get("/p/{slug}")
async def product(request: Request, slug: str) -> Response:
    ctx = await _common(request)
    if not backend.has("products", *GET_BY_SLUG):
        raise backend.Unavailable("the catalog is not available")
    async with uow_for(request, read_only=True) as uow:
        p = await backend.call("products", GET_BY_SLUG, uow, slug)
        if not p:
            raise NotFound("product not found")
        explanation = await backend.try_call("products", EXPLAIN, uow, p["id"], product_id=p["id"], default=None)
        average = p.get("category_average_footprint") or (p.get("sustainability") or {}).get("category_average")
        if average is None and (p.get("category") or {}).get("id"):
            average = await backend.try_call("products", AVERAGE, uow, p["category"]["id"], default=None)
        reviews = await backend.try_call("products", REVIEWS, uow, p["id"], product_id=p["id"], default=[])
    if isinstance(reviews, dict):
        reviews = reviews.get("items", [])
    variants = _variants(p)
    wanted = request.query_params.get("variant")
    selected = next((v for v in variants if wanted in (str(v.get("id")), v.get("sku"))), None)
    if selected is None:
        selected = next((v for v in variants if v.get("available") is not False), variants[0] if variants else None)
    price = (selected or {}).get("price") or p.get("price")
    return render(
        request,
        "store/product.html",
        p=p,
        variants=variants,
        selected_variant=selected,
        explanation=explanation,
        footprint=_footprint(p, average),
        reviews=reviews or [],
        can_review=backend.has("products", *ADD_REVIEW),
        max_installments=max_installments(price),
        **ctx,
    )


@router.post("/p/{slug}/avaliacoes")
async def add_review(request: Request, slug: str) -> Response:
    form = await form_with_csrf(request)
    principal = await principal_of(request)
    if principal is None:
        return redirect(f"/conta/entrar?next=/p/{slug}")
    try:
        rating = int(str(form.get("rating") or ""))
    except ValueError as exc:
        raise InvalidInput("rating must be 1 to 5", code="invalid_rating") from exc
    if not 1 <= rating <= 5:
        raise InvalidInput("rating must be 1 to 5", code="invalid_rating")
    comment = str(form.get("comment") or "")[:2000]
    async with uow_for(request) as uow:
        p = await backend.call("products", GET_BY_SLUG, uow, slug)
        if not p:
            raise NotFound("product not found")
        try:
            await backend.call(
                "products",
                ADD_REVIEW,
                uow,
                p["id"],
                product_id=p["id"],
                user_id=principal.user_id,
                principal=principal,
                rating=rating,
                comment=comment,
            )
        except DomainError:
            raise
        await uow.commit()
    return redirect(f"/p/{slug}?ok=saved")
