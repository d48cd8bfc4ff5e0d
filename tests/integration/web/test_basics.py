"""Site basics: favicon, robots.txt, sitemap.xml, HEAD on pages and schema.org JSON-LD on product pages."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, eventually, token_for

from .catalog_fixture import make_catalog

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


async def test_favicon_and_its_link(client: httpx.AsyncClient) -> None:
    r = await client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    svg = await client.get("/static/icons/favicon.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    home = (await client.get("/")).text
    assert '<link rel="icon" href="/favicon.ico"' in home
    assert 'href="/static/icons/favicon.svg" type="image/svg+xml"' in home


async def test_robots_txt(client: httpx.AsyncClient) -> None:
    r = await client.get("/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    for path in ("/admin", "/api/", "/conta"):
        assert f"Disallow: {path}" in lines
    # the cart and the checkout stay crawlable (an empty cart to a crawler; Lighthouse's SEO audit, issue #19)
    assert not any(line.startswith(("Disallow: /carrinho", "Disallow: /checkout")) for line in lines)
    assert "Sitemap: http://testserver/sitemap.xml" in lines


async def test_sitemap_lists_active_products_and_categories(client: httpx.AsyncClient, container: Container) -> None:
    catalog = await make_catalog(client, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    draft = {"sku": "DRAFT-1", "name": "Rascunho", "slug": "rascunho", "price": "10.00", "status": "draft"}
    r = await client.post("/api/v1/products", json={**draft, "category_id": catalog["category_id"]}, headers=root)
    assert r.status_code == 201, r.text

    r = await client.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    tree = ET.fromstring(r.content)
    assert tree.tag == f"{SITEMAP_NS}urlset"
    locs = [u.findtext(f"{SITEMAP_NS}loc") for u in tree.findall(f"{SITEMAP_NS}url")]
    assert "http://testserver/" in locs
    assert "http://testserver/c/vestuario" in locs
    assert "http://testserver/p/camiseta-organica-basica" in locs
    assert "http://testserver/p/camiseta-comum" in locs
    assert "http://testserver/p/rascunho" not in locs
    for u in tree.findall(f"{SITEMAP_NS}url"):
        mod = u.findtext(f"{SITEMAP_NS}lastmod")
        assert mod is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", mod)


async def test_sitemap_uses_configured_public_url(container: Container) -> None:
    from ecovarejo.app import create_app

    container.settings.public_url = "https://loja.example.com.br/"
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal:8000") as c:
        tree = ET.fromstring((await c.get("/sitemap.xml")).content)
        robots = (await c.get("/robots.txt")).text
    locs = [u.findtext(f"{SITEMAP_NS}loc") for u in tree.findall(f"{SITEMAP_NS}url")]
    assert locs[0] == "https://loja.example.com.br/"
    assert "Sitemap: https://loja.example.com.br/sitemap.xml" in robots


async def test_head_answers_like_get_without_body(client: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(client, container)
    for path in ("/", "/p/camiseta-organica-basica", "/robots.txt"):
        get = await client.get(path)
        head = await client.head(path)
        assert get.status_code == 200, path
        assert head.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"]
    missing = await client.head("/p/nao-existe")
    assert missing.status_code == 404 and missing.content == b""


async def test_product_page_has_schema_org_product_offer(client: httpx.AsyncClient, container: Container) -> None:
    catalog = await make_catalog(client, container)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    tricky = {
        "sku": "TRICKY-1",
        "name": "Sacola </script><script>alert(1)</script>",
        "slug": "sacola-tricky",
        "price": "25",
        "description": "Tem & e <b>tags</b>",
        "category_id": catalog["category_id"],
        "attributes": {"brand": "Verde & Cia"},
    }
    r = await client.post("/api/v1/products", json=tricky, headers=root)
    assert r.status_code == 201, r.text

    def jsonld(html: str) -> dict:
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        assert len(blocks) == 1, html
        return json.loads(blocks[0])

    page = await client.get("/p/camiseta-organica-basica")
    assert page.status_code == 200
    data = jsonld(page.text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Camiseta Orgânica Básica"
    assert data["description"] == "Camiseta feita com algodão 100% orgânico."
    assert data["sku"] in ("ECO-TSHIRT-001-M", "ECO-TSHIRT-001")
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["priceCurrency"] == "BRL"
    assert offer["price"] == "89.90"
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["url"] == "http://testserver/p/camiseta-organica-basica"

    variant = jsonld((await client.get("/p/camiseta-organica-basica?variant=ECO-TSHIRT-001-G")).text)
    assert variant["sku"] == "ECO-TSHIRT-001-G" and variant["offers"]["price"] == "94.90"

    page = await client.get("/p/sacola-tricky")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    data = jsonld(page.text)
    assert data["name"] == tricky["name"]
    assert data["description"] == tricky["description"]
    assert data["offers"]["price"] == "25.00"
    assert data["brand"] == {"@type": "Brand", "name": "Verde & Cia"}

    r = await client.post(
        "/api/v1/admin/inventory/adjust",
        json={"sku": "TSHIRT-002", "warehouse": "SP1", "delta": -20, "reason": "sold out"},
        headers=root,
    )
    assert r.status_code == 200, r.text

    async def sold_out() -> bool:
        offer = jsonld((await client.get("/p/camiseta-comum")).text)["offers"]
        return offer["availability"] == "https://schema.org/OutOfStock"

    await eventually(sold_out, message="the offer turns OutOfStock when the stock runs out")
