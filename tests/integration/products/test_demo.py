"""The demo catalog: realistic, varied, idempotent; and the bulk path for large catalogs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecovarejo.core.db import utcnow
from ecovarejo.products.models import Category, Product, ProductCertification, ProductMedia, ProductVariant, Review
from ecovarejo.seed import run_seed
from tests.conftest import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path):
    return make_settings(db_url, tmp_path, services="products")


async def _count(container, tenant_id, model, *where):
    async with container.uow(tenant_id) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.timeout(900)  # the whole demo seed
async def test_demo_catalog(settings, container, client) -> None:
    tenants = await run_seed(settings, tenant_slug="default", options={"products": 0})
    t = tenants[0].id
    assert await _count(container, t, Product) >= 200
    assert await _count(container, t, Category, Category.parent_id.is_(None)) >= 8
    assert await _count(container, t, ProductVariant) > 200
    assert await _count(container, t, Review) > 100
    soon = utcnow().date() + timedelta(days=30)
    assert (
        await _count(
            container,
            t,
            ProductCertification,
            ProductCertification.expiry <= soon,
            ProductCertification.expiry >= utcnow().date(),
        )
        > 0
    )
    assert await _count(container, t, ProductMedia) >= 200
    body = (await client.get("/api/v1/products", params={"q": "camiseta organica", "limit": 5})).json()
    assert body["items"] and all("Camiseta" in i["name"] for i in body["items"])
    first = body["items"][0]
    assert (await client.get(first["image_url"])).status_code == 200
    assert first["carbon_footprint"] is not None and first["certifications"]
    # idempotent
    await run_seed(settings, tenant_slug="default", options={"products": 0})
    assert await _count(container, t, Product) == await _count(container, tenants[1].id, Product)


async def test_large_catalog_bulk_path(settings, container, client) -> None:
    tenants = await run_seed(settings, tenant_slug="default", options={"products": 1500})
    t = tenants[0].id
    assert await _count(container, t, Product) == 1500
    body = (await client.get("/api/v1/products", params={"q": "escova bambu", "facets": "true"})).json()
    assert body["items"] and body["next_cursor"] and body["facets"]["category"]
    assert all(float(i["sustainability_score"]) > 0 for i in body["items"])
    slug = body["items"][0]["slug"]
    doc = (await client.get(f"/api/v1/products/{slug}")).json()
    assert doc["sustainability"]["certifications"] and doc["category"]
