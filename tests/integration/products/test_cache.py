"""Caching: L1 in process and L2 in Redis, never stale after a committed change (two app instances)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container
from ecovarejo.products.cache import CatalogCache
from tests.conftest import REDIS_URL, make_settings, needs_redis
from tests.support import bearer, eventually, token_for

from .helpers import default_tenant, product


@pytest.fixture
def settings(db_url: str, tmp_path: Path):
    return make_settings(db_url, tmp_path, services="users,products", redis_url=REDIS_URL)


async def _instance(settings):
    c = build_container(settings)
    await c.start()
    app = create_app(container=c)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return c, client


@needs_redis
async def test_two_instances_share_redis_and_never_serve_stale(container, client, settings) -> None:
    t = await default_tenant(container)
    p = await product(container, t, sku="CA-1", name="Caneca de Bambu", price="30.00")
    other, client_b = await _instance(settings)
    try:
        cache_a, cache_b = container.ports.get(CatalogCache), other.ports.get(CatalogCache)
        assert (await client_b.get("/api/v1/products/caneca-de-bambu")).json()["price"]["amount"] == "30.00"
        assert cache_b.misses == 1
        assert (await client_b.get("/api/v1/products/caneca-de-bambu")).status_code == 200
        assert cache_b.hits_l1 == 1  # served from B's memory
        assert (await client.get("/api/v1/products/caneca-de-bambu")).json()["price"]["amount"] == "30.00"
        assert cache_a.hits_l2 == 1 and cache_a.misses == 0  # A found B's entry in Redis
        listing = (await client_b.get("/api/v1/products", params={"q": "caneca"})).json()
        assert listing["items"][0]["price"]["amount"] == "30.00"

        h = bearer(token_for(container, t, "admin"))
        r = await client.patch(f"/api/v1/products/{p.id}", json={"price": "35.50"}, headers=h)
        assert r.status_code == 200
        # Right after the commit, before any event reached B: B must not serve its cached copy.
        assert (await client_b.get("/api/v1/products/caneca-de-bambu")).json()["price"]["amount"] == "35.50"
        listing = (await client_b.get("/api/v1/products", params={"q": "caneca"})).json()
        assert listing["items"][0]["price"]["amount"] == "35.50"
        r = await client.delete(f"/api/v1/products/{p.id}", headers=h)
        assert (await client_b.get("/api/v1/products/caneca-de-bambu")).status_code == 404
        assert (await client_b.get("/api/v1/products", params={"q": "caneca"})).json()["items"] == []
    finally:
        await client_b.aclose()
        await other.stop()


async def test_product_events_drop_only_stale_l1_entries(container, client) -> None:
    """A product event drops the entries of older catalog versions; the current version's stay warm (a
    relay draining a burst of events no longer makes every read a miss)."""
    from .conftest import settle

    t = await default_tenant(container)
    await product(container, t, sku="CB-1", name="Escova de Bambu")
    await settle(container)
    cache = container.ports.get(CatalogCache)
    assert (await client.get("/api/v1/products/escova-de-bambu")).status_code == 200
    old = [k for k in cache._l1 if k.startswith(f"ev:products:{t}:")]
    assert old
    await product(container, t, sku="CB-2", name="Pente de Bambu")  # bumps the version, emits an event
    assert (await client.get("/api/v1/products/pente-de-bambu")).status_code == 200  # an entry at the new version
    current = [k for k in cache._l1 if k.startswith(f"ev:products:{t}:") and k not in old]
    assert current
    await settle(container)
    await eventually(lambda: not any(k in cache._l1 for k in old))  # the stale version's entries went
    assert all(k in cache._l1 for k in current)  # the current version's stayed
    misses = cache.misses
    assert (await client.get("/api/v1/products/pente-de-bambu")).status_code == 200
    assert cache.misses == misses  # still served from memory after the event
