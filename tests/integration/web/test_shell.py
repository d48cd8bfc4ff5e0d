"""The page shell: language, accessibility landmarks, security headers, CSRF, PWA files, vendored assets."""

from __future__ import annotations

import json

import httpx

from .conftest import csrf_from


async def test_home_is_portuguese_by_default_with_landmarks_and_skip_link(web: httpx.AsyncClient) -> None:
    r = await web.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="pt-BR">' in html
    assert 'class="skip-link" href="#main">Pular para o conteúdo</a>' in html
    for landmark in ("<header", '<main id="main"', "<footer", '<nav aria-label="Navegação principal"'):
        assert landmark in html
    assert '<label for="site-search"' in html
    assert r.headers["content-language"] == "pt-BR"


async def test_english_by_query_then_cookie_and_by_accept_language(web: httpx.AsyncClient) -> None:
    r = await web.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Skip to content" in r.text
    assert r.cookies.get("ev_lang") == "en"
    r2 = await web.get("/")  # the cookie keeps the choice
    assert '<html lang="en">' in r2.text
    web.cookies.clear()
    r3 = await web.get("/", headers={"Accept-Language": "en-US,en;q=0.9,pt;q=0.5"})
    assert '<html lang="en">' in r3.text
    r4 = await web.get("/", headers={"Accept-Language": "fr-FR, pt-BR;q=0.8, en;q=0.7"})
    assert '<html lang="pt-BR">' in r4.text


async def test_pages_carry_security_headers_and_the_api_does_not_get_the_page_csp(web: httpx.AsyncClient) -> None:
    r = await web.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    api = await web.get("/healthz")
    assert api.status_code == 200


async def test_csrf_cookie_is_httponly_secure_samesite_and_forms_without_token_are_refused(
    web: httpx.AsyncClient,
) -> None:
    r = await web.get("/")
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("ev_csrf="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    refused = await web.post("/carrinho/itens", data={"product_id": "x", "quantity": "1"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "O formulário expirou" in refused.text
    forged = await web.post("/carrinho/itens", data={"csrf_token": "0" * 64, "quantity": "1"})
    assert forged.status_code == 403
    # A token from another browser (another cookie) does not fit this one.
    other = httpx.AsyncClient(transport=web._transport, base_url="https://testserver")
    async with other:
        page = await other.get("/conta/entrar")
        stolen = csrf_from(page.text)
        r2 = await web.post("/carrinho/itens", data={"csrf_token": stolen, "quantity": "1"})
        assert r2.status_code == 403


async def test_manifest_service_worker_offline_page_and_icons(web: httpx.AsyncClient) -> None:
    m = await web.get("/manifest.webmanifest")
    assert m.status_code == 200 and m.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(m.text)
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    assert manifest["lang"] == "pt-BR"
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(i.get("purpose") == "maskable" for i in manifest["icons"])
    for icon in manifest["icons"]:
        png = await web.get(icon["src"])
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    sw = await web.get("/sw.js")
    assert sw.status_code == 200
    assert sw.headers["service-worker-allowed"] == "/"
    assert "javascript" in sw.headers["content-type"]
    assert '"/offline"' in sw.text
    off = await web.get("/offline")
    assert off.status_code == 200 and "Você está sem conexão" in off.text
    home = await web.get("/")
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home.text


async def test_vendored_assets_are_served_from_the_app(web: httpx.AsyncClient) -> None:
    for path, needle in (
        ("/static/vendor/htmx.min.js", b"htmx"),
        ("/static/vendor/pico.green.min.css", b"Pico"),
        ("/static/vendor/chart.umd.min.js", b"Chart.js v4"),
    ):
        r = await web.get(path)
        assert r.status_code == 200, path
        assert needle in r.content, path


async def test_the_language_link_keeps_the_page_and_its_query(web: httpx.AsyncClient) -> None:
    r = await web.get("/busca?q=bambu&sort=price_asc&ok=saved")
    assert 'href="/busca?q=bambu&amp;sort=price_asc&amp;lang=en" hreflang="en"' in r.text


async def test_a_browser_gets_an_html_404_page_and_an_api_client_a_problem(web: httpx.AsyncClient) -> None:
    page = await web.get("/nao/existe", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Página não encontrada" in page.text and "content-security-policy" in page.headers
    api = await web.get("/nao/existe", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    under_api = await web.get("/api/v1/nao-existe", headers={"Accept": "text/html"})
    assert under_api.status_code == 404 and under_api.headers["content-type"] == "application/problem+json"
    static = await web.get("/static/nao-existe.css", headers={"Accept": "text/html"})
    assert static.status_code == 404


def test_product_images_from_an_s3_bucket_are_allowed_by_the_csp() -> None:
    from types import SimpleNamespace

    from ecovarejo.core.ports import Ports
    from ecovarejo.products.media import MediaSettings
    from ecovarejo.web.plugin import media_origins
    from ecovarejo.web.security import build_csp

    def shop(media: MediaSettings) -> SimpleNamespace:
        ports = Ports()
        ports.provide(MediaSettings, media)
        return SimpleNamespace(ports=ports)

    assert media_origins(shop(MediaSettings(backend="local"))) == ()  # type: ignore[arg-type]
    s3 = shop(
        MediaSettings(
            backend="s3", s3_public_url="https://cdn.loja.example/produtos", s3_endpoint_url="http://minio:9000"
        )
    )
    origins = media_origins(s3)  # type: ignore[arg-type]
    assert origins == ("https://cdn.loja.example", "http://minio:9000")
    csp = build_csp(origins)
    assert "img-src 'self' data: blob: https://cdn.loja.example http://minio:9000;" in csp
    assert "script-src 'self';" in csp
