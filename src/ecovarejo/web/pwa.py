"""The PWA's fixed parts at the site root: manifest, service worker (root scope) and offline page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from . import i18n
from .pages import PageRoute
from .templating import HERE, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/manifest.webmanifest")
async def manifest(request: Request) -> JSONResponse:
    lang = i18n.negotiate(request)
    t = i18n.translator(lang)
    body = {
        "name": t("brand"),
        "short_name": t("brand"),
        "description": t("tagline"),
        "lang": lang,
        "start_url": "/?source=pwa",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#2e7d32",
        "categories": ["shopping"],
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/sw.js")
async def service_worker() -> Response:
    return FileResponse(
        HERE / "static" / "sw.js",
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@router.get("/offline")
async def offline(request: Request) -> Response:
    return render(request, "offline.html")
