"""Storefront pages: home, search and categories (filters, facets, sorts), product with its
sustainability panel, reviews. They read the products context's HTTP API in-process (its cached
public listings), and the category average footprint from ``ecovarejo.products.public``."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.ml import public as ml
from ecovarejo.products import public as products

from . import i18n, seo
from . import shipping as ship
from .cart import cart_count
from .inproc import ApiError, api, exists
from .pages import PageRoute, Unavailable, flashes, form_with_csrf, principal_of, redirect, require_user, uow_for
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SORTS = [
    ("relevance", "sort_relevance"),
    ("price_asc", "sort_price_asc"),
    ("price_desc", "sort_price_desc"),
    ("score_desc", "sort_score"),
    ("newest", "sort_newest"),
    ("rating", "sort_rating"),
]
SORT_VALUES = {s for s, _ in SORTS}
#: The catalog's score components we have words for (others show the catalog's own label).
SCORE_PARTS = {f"score_part_{k}" for k in ("certifications", "carbon", "recyclable", "biodegradable", "materials")}


async def _common(request: Request) -> dict[str, Any]:
    principal = await principal_of(request)
    # a company buyer reads the catalog as itself: its price lists' prices (never a shared cache's)
    request.state.catalog_anonymous = principal is None or principal.company_id is None
    # an htmx swap of the results keeps the page's header: no need to price the cart again
    count = 0 if request.headers.get("hx-request") else await cart_count(request)
    return {"flashes": flashes(request), "cart_count": count}


def _anonymous(request: Request) -> bool:
    """Whether the catalog API is read as a visitor (its shared cache): all but a company buyer."""
    return bool(getattr(request.state, "catalog_anonymous", True))


def _priced_for(request: Request, response: Response) -> Response:
    """A company buyer's page carries its own prices: no cache may keep it."""
    if not _anonymous(request):
        response.headers["cache-control"] = "private, no-store"
    return response


def _decimal(value: str | None, name: str) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip().replace("R$", "").replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput(f"{name} must be a number", code="invalid_filter") from exc
    if not d.is_finite() or d < 0:
        raise InvalidInput(f"{name} must be a positive number", code="invalid_filter")
    return str(d)


def _filters(request: Request) -> dict[str, Any]:
    qp = request.query_params
    sort = qp.get("sort") or "relevance"
    return {
        "q": (qp.get("q") or "").strip()[:200] or None,
        "certification": (qp.get("certification") or "").strip()[:60] or None,
        "color": (qp.get("color") or "").strip()[:60] or None,
        "size": (qp.get("size") or "").strip()[:30] or None,
        "min_price": _decimal(qp.get("min_price"), "min_price"),
        "max_price": _decimal(qp.get("max_price"), "max_price"),
        "min_score": _decimal(qp.get("min_score"), "min_score"),
        "recyclable": "true" if qp.get("recyclable") == "true" else None,
        "biodegradable": "true" if qp.get("biodegradable") == "true" else None,
        "in_stock": "true" if qp.get("in_stock") == "true" else None,
        "sort": sort if sort in SORT_VALUES else "relevance",
        "cursor": (qp.get("cursor") or "")[:500] or None,
    }


def _facets(raw: Any) -> dict[str, list[dict[str, Any]]]:
    """Facets as ``{"certifications"|"color"|"size": [{"value", "label", "count"}]}``."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not isinstance(raw, dict):
        return out
    for key, values in raw.items():
        name = "certifications" if key in {"certification", "certifications"} else key
        rows: list[dict[str, Any]] = []
        for v in values or []:
            if isinstance(v, dict):
                value = v.get("slug") if name == "category" else v.get("value")
                rows.append(
                    {"value": value, "label": v.get("name") or v.get("label") or value, "count": v.get("count")}
                )
            else:
                rows.append({"value": v, "label": v, "count": None})
        out[name] = [r for r in rows if r["value"]]
    return out


async def _catalog(request: Request, category: str | None, heading: str) -> Response:
    ctx = await _common(request)
    filters = _filters(request)
    products: list[dict[str, Any]] = []
    facets: dict[str, list[dict[str, Any]]] = {}
    next_url = None
    unavailable = not exists(request, "/api/v1/products")
    if not unavailable:
        params = {**filters, "category": category, "facets": "true", "limit": 24}
        try:
            page = await api(request, "GET", "/api/v1/products", params=params, anonymous=_anonymous(request))
        except ApiError as exc:
            if exc.status < 500:
                raise
            # facets are a nicety: show the results without them rather than an error page
            page = await api(request, "GET", "/api/v1/products", params={**params, "facets": None},
                             anonymous=_anonymous(request))  # fmt: skip
        products = page.get("items") or []
        request.state.search_results = len(products)  # zero-result searches show in analytics
        facets = _facets(page.get("facets"))
        if page.get("next_cursor"):
            keep = {k: v for k, v in filters.items() if v and k != "cursor"}
            next_url = f"{request.url.path}?{urlencode({**keep, 'cursor': page['next_cursor']})}"
    return _priced_for(
        request,
        render(
            request,
            "store/catalog.html",
            heading=heading,
            results_heading=heading,
            products=products,
            facets=facets,
            filters=filters,
            sorts=SORTS,
            q=filters["q"],
            next_url=next_url,
            unavailable=unavailable,
            **ctx,
        ),
    )


@router.get("/")
async def home(request: Request) -> Response:
    ctx = await _common(request)
    featured: list[Any] = []
    high: list[Any] = []
    categories: list[Any] = []
    unavailable = not exists(request, "/api/v1/products")
    if not unavailable:
        featured = (
            await api(
                request,
                "GET",
                "/api/v1/products",
                params={"featured": "true", "limit": 8},
                anonymous=_anonymous(request),
            )
        ).get("items") or []
        high = (
            await api(
                request,
                "GET",
                "/api/v1/products",
                params={"sort": "score_desc", "limit": 8},
                anonymous=_anonymous(request),
            )
        ).get("items") or []
        categories = await api(request, "GET", "/api/v1/categories", anonymous=True) or []
    for_you = await _for_you(request)
    return _priced_for(
        request,
        render(
            request,
            "store/home.html",
            for_you=for_you,
            featured=featured,
            high_score=high,
            categories=categories,
            unavailable=unavailable,
            **ctx,
        ),
    )


async def _for_you(request: Request) -> list[dict[str, Any]]:
    """Personal picks for a signed-in customer (the ml context; empty when it has nothing to say)."""
    principal = await principal_of(request)
    if principal is None:
        return []
    async with uow_for(request, read_only=True) as uow:
        recs = await ml.for_you(request.app.state.container, uow, principal.user_id, limit=4)
    return [c.as_json() for c in recs.items] if recs.source in ("model", "popular") else []


async def _product_recommendations(request: Request, product_id: Any) -> dict[str, list[dict[str, Any]]]:
    """ "Comprados juntos" and "alternativa mais verde" (never break the page: empty on any problem)."""
    try:
        pid = uuid.UUID(str(product_id))
    except ValueError:
        return {"bought_together": [], "greener": []}
    container = request.app.state.container
    async with uow_for(request, read_only=True) as uow:
        together = await ml.bought_together(container, uow, pid, limit=4)
        greener = await ml.greener_alternatives(container, uow, pid, limit=2)
    return {
        "bought_together": [c.as_json() for c in together.items],
        "greener": [c.as_json() for c in greener.items],
    }


@router.get("/busca")
async def search(request: Request) -> Response:
    t = i18n.translator(i18n.negotiate(request))
    q = (request.query_params.get("q") or "").strip()[:200]
    return await _catalog(request, None, t("results_for", q=q) if q else t("all_products"))


@router.get("/c/{slug}")
async def category(request: Request, slug: str) -> Response:
    try:
        cat = await api(request, "GET", f"/api/v1/categories/{quote(slug, safe='')}", anonymous=True)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound("category not found") from exc
        raise
    return await _catalog(request, slug, str(cat.get("name") or slug))


def _variants(p: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for v in p.get("variants") or []:
        parts = [str(x) for x in (v.get("color"), v.get("size")) if x]
        label = v.get("name") or " / ".join(parts) or v.get("sku")
        out.append({**v, "label": label, "available": v.get("in_stock")})
    return out


def footprint_vs_average(p: dict[str, Any], average: Any) -> dict[str, Any]:
    """The product's kg CO2e against its category's average: delta in percent (negative = better)."""
    mine = (p.get("sustainability") or {}).get("carbon_footprint")
    if mine is None or average in (None, ""):
        return {}
    avg = Decimal(str(average))
    value = Decimal(str(mine))
    if avg <= 0:
        return {}
    delta = int(((value - avg) / avg * 100).to_integral_value())
    return {"average": avg, "delta_pct": delta, "max": max(value, avg) * 2}


async def installment_plan(request: Request, price: Any) -> dict[str, Any] | None:
    """The card instalment offer of the payments context for this price: the longest interest-free
    plan, and the longest plan of all (with its total), or ``None`` when payments do not say."""
    amount = price.get("amount") if isinstance(price, dict) else price
    if amount in (None, "") or not exists(request, "/api/v1/payments/installments"):
        return None
    try:
        data = await api(
            request, "GET", "/api/v1/payments/installments", params={"amount": str(amount)}, anonymous=True
        )
    except ApiError:
        return None
    options = [o for o in data.get("options") or [] if int(o.get("count") or 1) > 1]
    if not options:
        return None
    free = [o for o in options if o.get("interest_free")]
    return {"free": free[-1] if free else None, "longest": options[-1]}


@router.get("/p/{slug}")
async def product(request: Request, slug: str) -> Response:
    ctx = await _common(request)
    if not exists(request, "/api/v1/products"):
        raise Unavailable("the catalog is not available")
    ref = quote(slug, safe="")
    try:
        p = await api(request, "GET", f"/api/v1/products/{ref}", anonymous=_anonymous(request))
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound("product not found") from exc
        raise
    if p.get("status") not in (None, "active"):
        raise NotFound("product not found")
    explanation = await api(request, "GET", f"/api/v1/products/{ref}/sustainability", anonymous=True)
    reviews = await api(request, "GET", f"/api/v1/products/{ref}/reviews", params={"limit": 10}, anonymous=True)
    average = None
    if (p.get("category") or {}).get("id"):
        async with uow_for(request, read_only=True) as uow:
            average = await products.category_average_footprint(uow, p["category"]["id"])
    variants = _variants(p)
    wanted = request.query_params.get("variant")
    selected = next((v for v in variants if wanted in (str(v.get("id")), v.get("sku"))), None)
    if selected is None:
        selected = next((v for v in variants if v.get("available") is not False), variants[0] if variants else None)
    # a company buyer's list price: the chosen variant's, or the product's own when it has no variants
    list_price = (selected or {}).get("list_price") if variants else p.get("list_price")
    price = list_price or (selected or {}).get("price") or p.get("price")
    plan = await installment_plan(request, price)
    recs = await _product_recommendations(request, p.get("id"))
    cep = ship.clean_cep(request.query_params.get("cep"))
    sku = (selected or {}).get("sku") or p.get("sku")
    estimate = await ship.options(request, cep, [{"sku": sku, "quantity": 1}] if sku else [])
    return _priced_for(
        request,
        render(
            request,
            "store/product.html",
            shipping=estimate,
            shipping_available=ship.available(request),
            bought_together=recs["bought_together"],
            greener=recs["greener"],
            p=p,
            variants=variants,
            selected_variant=selected,
            list_price=list_price,
            explanation=explanation,
            footprint=footprint_vs_average(p, average),
            reviews=(reviews or {}).get("items") or [],
            plan=plan,
            score_parts=SCORE_PARTS,
            jsonld=seo.product_jsonld(request, p, selected),
            **ctx,
        ),
    )


@router.post("/p/{slug}/avaliacoes")
async def add_review(request: Request, slug: str) -> Response:
    form = await form_with_csrf(request)
    await require_user(request)
    try:
        rating = int(str(form.get("rating") or ""))
    except ValueError as exc:
        raise InvalidInput("rating must be 1 to 5", code="invalid_rating") from exc
    body = {
        "rating": rating,
        "title": str(form.get("title") or "").strip()[:200],
        "body": str(form.get("comment") or "").strip()[:5000],
    }
    await api(request, "POST", f"/api/v1/products/{quote(slug, safe='')}/reviews", json=body)
    return redirect(f"/p/{quote(slug, safe='')}?ok=saved#h-reviews")


@router.post("/p/{slug}/avise-me")
async def back_in_stock(request: Request, slug: str) -> Response:
    """Subscribe the signed-in customer to a back-in-stock notice for this product."""
    form = await form_with_csrf(request)
    await require_user(request)
    p = await api(request, "GET", f"/api/v1/products/{quote(slug, safe='')}", anonymous=True)
    sku = str(form.get("sku") or "").strip()[:100] or None
    await api(
        request,
        "POST",
        "/api/v1/notifications/stock-subscriptions",
        json={"product_id": p["id"], "sku": sku, "product_name": p.get("name")},
    )
    return redirect(f"/p/{quote(slug, safe='')}?ok=back_in_stock_saved")
