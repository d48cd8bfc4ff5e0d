"""A small catalog made through the products and inventory APIs (as staff would), for page tests."""

from __future__ import annotations

from typing import Any

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

EXPIRY = "2031-12-31"


async def make_catalog(client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await client.post("/api/v1/categories", json={"name": "Vestuário", "slug": "vestuario"}, headers=root)
    assert r.status_code == 201, r.text
    category_id = r.json()["id"]
    organic = {
        "sku": "ECO-TSHIRT-001",
        "name": "Camiseta Orgânica Básica",
        "slug": "camiseta-organica-basica",
        "price": "89.90",
        "description": "Camiseta feita com algodão 100% orgânico.",
        "category_id": category_id,
        "carbon_footprint_kg": "2.5",
        "recyclable": True,
        "biodegradable": True,
        "featured": True,
        "certifications": [
            {"name": "GOTS", "level": "organic", "issuer": "Global Organic Textile Standard", "expiry": EXPIRY}
        ],
        "variants": [
            {"sku": "ECO-TSHIRT-001-M", "name": "Branca M", "color": "Branco", "size": "M"},
            {"sku": "ECO-TSHIRT-001-G", "name": "Branca G", "color": "Branco", "size": "G", "price_override": "94.90"},
        ],
    }
    plain = {
        "sku": "TSHIRT-002",
        "name": "Camiseta Comum",
        "slug": "camiseta-comum",
        "price": "39.90",
        "category_id": category_id,
        "carbon_footprint_kg": "4.0",
    }
    products = {}
    for body in (organic, plain):
        r = await client.post("/api/v1/products", json=body, headers=root)
        assert r.status_code == 201, r.text
        products[body["slug"]] = r.json()
    r = await client.post("/api/v1/admin/inventory/warehouses", json={"code": "SP1", "name": "São Paulo"}, headers=root)
    assert r.status_code == 201, r.text
    for sku in ("ECO-TSHIRT-001-M", "ECO-TSHIRT-001-G", "TSHIRT-002"):
        r = await client.post(
            "/api/v1/admin/inventory/adjust",
            json={"sku": sku, "warehouse": "SP1", "delta": 20, "reason": "initial stock"},
            headers=root,
        )
        assert r.status_code == 200, r.text
    return {"category_id": category_id, "products": products}
