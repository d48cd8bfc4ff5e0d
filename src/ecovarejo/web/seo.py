"""Site basics for browsers and crawlers: ``/favicon.ico``, ``/robots.txt``, ``/sitemap.xml`` (the
tenant's active products and categories), ``HEAD`` answered like ``GET`` on pages, and the schema.org
Product/Offer JSON-LD of product pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from markupsafe import Markup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovarejo.core.settings import Settings

from .inproc import ApiError, api, exists
from .pages import PageRoute
from .templating import HERE

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: Paths crawlers have no business in: staff area, APIs, customer account. The cart and the checkout stay
#: crawlable: a crawler sees an empty cart, and a page blocked for crawlers fails Lighthouse's SEO audit
#: (is-crawlable), which issue #19 asks to pass on both (docs/web.md, Lighthouse).
DISALLOWED = ("/admin", "/api/", "/graphql", "/conta")
#: Upper bound of sitemap entries read from the catalog (the sitemap protocol allows 50,000 per file).
MAX_SITEMAP_PRODUCTS = 45_000
_DEV_PUBLIC_URL = Settings.model_fields["public_url"].default


def public_base(request: Request) -> str:
    """The site's public address, without trailing slash: the configured ``public_url`` unless it is
    still the development default, then the address this request came to."""
    settings = getattr(getattr(request.app.state, "container", None), "settings", None)
    configured = str(getattr(settings, "public_url", "") or "").rstrip("/")
    if configured and configured != str(_DEV_PUBLIC_URL).rstrip("/"):
        return configured
    return str(request.base_url).rstrip("/")


@router.get("/favicon.ico")
async def favicon() -> Response:
    return FileResponse(
        HERE / "static" / "icons" / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/robots.txt")
async def robots(request: Request) -> Response:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {public_base(request)}/sitemap.xml", ""]
    return PlainTextResponse("\n".join(lines), headers={"Cache-Control": "public, max-age=3600"})


def _categories(tree: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in tree:
        yield c
        yield from _categories(c.get("children") or [])


async def _active_products(request: Request) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(items) < MAX_SITEMAP_PRODUCTS:
        params: dict[str, Any] = {"limit": 100, "sort": "newest"}
        if cursor:
            params["cursor"] = cursor
        page = await api(request, "GET", "/api/v1/products", params=params, anonymous=True)
        items += [p for p in page.get("items") or [] if p.get("status") in (None, "active")]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items[:MAX_SITEMAP_PRODUCTS]


def _url(loc: str, lastmod: Any = None) -> str:
    mod = f"<lastmod>{escape(str(lastmod)[:10])}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>"


@router.get("/sitemap.xml")
async def sitemap(request: Request) -> Response:
    base = public_base(request)
    urls = [_url(base + "/")]
    if exists(request, "/api/v1/products"):
        try:
            tree = await api(request, "GET", "/api/v1/categories", anonymous=True)
            for c in _categories(tree or []):
                if c.get("slug"):
                    urls.append(_url(f"{base}/c/{quote(str(c['slug']), safe='')}"))
            for p in await _active_products(request):
                if p.get("slug"):
                    urls.append(_url(f"{base}/p/{quote(str(p['slug']), safe='')}", p.get("updated_at")))
        except ApiError:
            pass  # the catalog is down: the home page alone is still a valid sitemap
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n"
    )
    return Response(body, media_type="application/xml", headers={"Cache-Control": "public, max-age=600"})


def _price(value: Any) -> str | None:
    amount = value.get("amount") if isinstance(value, dict) else value
    if amount in (None, ""):
        return None
    try:
        return str(Decimal(str(amount)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def product_jsonld(request: Request, p: dict[str, Any], selected: dict[str, Any] | None = None) -> Markup:
    """schema.org Product with its Offer, JSON-encoded safely for a ``<script type="application/ld+json">``
    (``<``, ``>`` and ``&`` escaped so no text of the catalog can close the script element)."""
    base = public_base(request)
    url = f"{base}/p/{quote(str(p.get('slug') or ''), safe='')}"
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Product", "name": p.get("name"), "url": url}
    images = [str(m["url"]) for m in p.get("media") or [] if m.get("url")]
    if not images and p.get("image_url"):
        images = [str(p["image_url"])]
    if images:
        data["image"] = [i if "://" in i else base + "/" + i.lstrip("/") for i in images]
    if p.get("description"):
        data["description"] = p["description"]
    sku = (selected or {}).get("sku") or p.get("sku")
    if sku:
        data["sku"] = sku
    brand = (p.get("attributes") or {}).get("brand") or p.get("brand")
    if isinstance(brand, str) and brand.strip():
        data["brand"] = {"@type": "Brand", "name": brand.strip()}
    price = _price((selected or {}).get("price") or p.get("price"))
    if price is not None:
        in_stock = (selected or {}).get("available")
        if in_stock is None:
            in_stock = p.get("in_stock")
        data["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": price,
            "priceCurrency": "BRL",
            "availability": "https://schema.org/" + ("InStock" if in_stock is not False else "OutOfStock"),
        }
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704  (escaped above for the script element)


class HeadAsGetMiddleware:
    """``HEAD`` on pages and files answers as ``GET`` would (status and headers), without the body.
    The JSON APIs keep their own method handling."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope.get("method") != "HEAD" or path.startswith(("/api/", "/graphql")):
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
