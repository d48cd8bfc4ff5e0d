"""The gateway's edge policies, observed over HTTP as a client of Kong would observe them."""

from __future__ import annotations

import gzip as gzip_lib
import json
import uuid
from pathlib import Path

import pytest

from ecovarejo.gateway.config import GatewayConfigError, parse_config
from tests.conftest import REDIS_URL, make_settings, needs_redis
from tests.support import bearer, eventually, make_tenant, token_for

PROBLEM = "application/problem+json"


async def test_rate_limit_headers_then_429(gateway_app, settings) -> None:
    async with gateway_app(settings) as g:
        remaining = []
        for _ in range(3):
            r = await g.client.get("/gwtest/products/items")
            assert r.status_code == 200
            assert r.headers["X-RateLimit-Limit-Minute"] == "3"
            assert r.headers["X-RateLimit-Limit-Hour"] == "10"
            assert r.headers["RateLimit-Limit"] == "3"
            assert int(r.headers["RateLimit-Reset"]) in range(1, 61)
            remaining.append(int(r.headers["X-RateLimit-Remaining-Minute"]))
        assert remaining == [2, 1, 0]
        r = await g.client.get("/gwtest/products/items")
        assert r.status_code == 429
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["code"] == "rate_limited"
        assert r.headers["X-RateLimit-Remaining-Minute"] == "0"
        assert r.headers["RateLimit-Remaining"] == "0"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # a blocked request is not counted against the hour
        assert r.headers["X-RateLimit-Remaining-Hour"] == "7"
        # routes of other services have their own counters
        r = await g.client.post("/gwtest/web/echo", content=b"x")
        assert r.status_code == 200


async def test_rate_limit_keyed_by_consumer_then_ip(gateway_app, settings) -> None:
    async with gateway_app(settings) as g:
        tenant = await make_tenant(g.container)
        headers = {"X-Tenant-ID": str(tenant)}
        for _ in range(3):
            assert (await g.client.get("/gwtest/products/items", headers=headers)).status_code == 200
        assert (await g.client.get("/gwtest/products/items", headers=headers)).status_code == 429
        alice = token_for(g.container, tenant)
        r = await g.client.get("/gwtest/products/items", headers={**headers, **bearer(alice)})
        assert r.status_code == 200  # her own counter, not the exhausted one of the IP
        assert r.headers["X-RateLimit-Remaining-Minute"] == "2"
        # an invalid token does not buy a fresh counter: it is counted by IP
        r = await g.client.get("/gwtest/products/items", headers={**headers, **bearer("not-a-token")})
        assert r.status_code == 429


async def test_rate_limits_off_by_setting(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        for _ in range(5):
            r = await g.client.get("/gwtest/products/items")
            assert r.status_code == 200
            assert "X-RateLimit-Limit-Minute" not in r.headers


@needs_redis
async def test_two_app_instances_on_one_redis_hold_one_limit(gateway_app, db_url, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, redis_url=REDIS_URL)
    async with gateway_app(settings) as one, gateway_app(settings) as two:
        assert one.container is not two.container
        tenant = await make_tenant(one.container)  # fresh counters on a shared Redis
        headers = {"X-Tenant-ID": str(tenant)}
        statuses = []
        for i in range(4):
            g = one if i % 2 == 0 else two
            statuses.append((await g.client.get("/gwtest/products/items", headers=headers)).status_code)
        assert statuses == [200, 200, 200, 429]
        r = await two.client.get("/gwtest/products/items", headers=headers)
        assert r.status_code == 429
        assert r.headers["X-RateLimit-Remaining-Hour"] == "7"


async def test_jwt_required_on_marked_routes(gateway_app, settings) -> None:
    async with gateway_app(settings) as g:
        r = await g.client.get("/gwtest/private/me")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.headers["content-type"] == PROBLEM
        r = await g.client.get("/gwtest/private/me", headers=bearer("forged.token.value"))
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        tenant = await make_tenant(g.container)
        user = uuid.uuid4()
        token = token_for(g.container, tenant, user_id=user)
        r = await g.client.get("/gwtest/private/me", headers={"X-Tenant-ID": str(tenant), **bearer(token)})
        assert r.status_code == 200
        assert r.json() == {"consumer": str(user)}
        # a token of one tenant does not open another tenant's routes
        r = await g.client.get("/gwtest/private/me", headers=bearer(token))
        assert r.status_code == 401


async def test_cors_allow_list_with_credentials(gateway_app, settings) -> None:
    async with gateway_app(settings) as g:
        pre = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
        ask = {**pre, "Access-Control-Request-Headers": "content-type"}
        r = await g.client.options("/gwtest/web/echo", headers=ask)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert r.headers["Access-Control-Allow-Credentials"] == "true"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert r.headers["Access-Control-Allow-Headers"] == "content-type"
        r = await g.client.options("/gwtest/web/echo", headers={**pre, "Origin": "https://evil.example"})
        assert r.status_code == 403
        assert "Access-Control-Allow-Origin" not in r.headers
        r = await g.client.post("/gwtest/web/echo", content=b"hi", headers={"Origin": "https://app.example.com"})
        assert r.status_code == 200
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert "Origin" in r.headers["Vary"]
        r = await g.client.post("/gwtest/web/echo", content=b"hi", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in r.headers
        # the gateway's own refusals are readable by the allowed origin's scripts
        r = await g.client.get("/gwtest/web/private/x", headers={"Origin": "https://app.example.com"})
        assert r.status_code == 401
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        r = await g.client.post(
            "/gwtest/web/echo", content=b"x" * (1024 * 1024 + 1), headers={"Origin": "https://app.example.com"}
        )
        assert r.status_code == 413
        assert r.headers["Access-Control-Allow-Credentials"] == "true"


def test_cors_wildcard_with_credentials_is_refused() -> None:
    bad = """
services:
  - name: s
    plugins:
      - name: cors
        config: {origins: ["*"], credentials: true}
routes: []
"""
    with pytest.raises(GatewayConfigError, match="credentials"):
        parse_config(bad)


async def test_request_size_limit_by_length_and_by_chunks(gateway_app, settings) -> None:
    async with gateway_app(settings) as g:
        limit = 1024 * 1024
        r = await g.client.post("/gwtest/web/echo", content=b"x" * (limit + 1))
        assert r.status_code == 413
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["code"] == "payload_too_large"

        async def chunks(total: int):
            sent = 0
            while sent < total:
                n = min(64 * 1024, total - sent)
                sent += n
                yield b"y" * n

        r = await g.client.post("/gwtest/web/echo", content=chunks(limit + 10))
        assert r.status_code == 413
        r = await g.client.post("/gwtest/web/echo", content=chunks(limit - 10))
        assert r.status_code == 200
        assert r.json() == {"received": limit - 10}


async def test_default_policies_limit_bodies_to_10mb_and_require_jwt(gateway_app, settings) -> None:
    async with gateway_app(settings, policies=None) as g:
        r = await g.client.post("/api/v1/users/anything", content=b"z" * (10 * 1024 * 1024 + 1))
        assert r.status_code == 413
        r = await g.client.get("/api/v1/orders")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.headers["content-type"] == PROBLEM
        # the auth endpoints are how one gets a token: never behind the JWT policy
        r = await g.client.post("/api/v1/auth/no-such-endpoint", json={})
        assert r.status_code != 401


def test_default_policy_file_has_the_seed_values() -> None:
    from ecovarejo.gateway.config import default_config_text

    config = parse_config(default_config_text())
    users = config.match("/api/v1/users/profile")
    products = config.match("/api/v1/products/abc")
    orders = config.match("/api/v1/orders")
    assert (users.service, products.service, orders.service) == ("user-service", "product-service", "order-service")
    assert users.rate_limit and users.rate_limit.limits == {"minute": 100, "hour": 1000}
    assert products.rate_limit and products.rate_limit.limits == {"minute": 200, "hour": 2000}
    assert orders.rate_limit and orders.rate_limit.limits == {"minute": 50, "hour": 500}
    assert users.jwt and orders.jwt and not products.jwt
    assert not config.match("/api/v1/auth/login").jwt
    assert users.cors and users.cors.origins == {"https://app.ecovarejo.com"} and users.cors.credentials
    assert users.max_body == 10 * 1024 * 1024
    assert products.cache and products.cache.ttl == 300
    assert config.match("/api/v1/categories").cache is not None
    assert products.gzip_types == ("application/json", "text/plain")
    assert orders.log_level == "info"
    assert config.match("/api/v1/productsx").service == "none"  # prefixes match at a segment boundary


async def _cache_scenario(g, headers: dict[str, str]) -> None:
    r1 = await g.client.get("/gwtest/products/items", headers=headers)
    assert r1.headers["X-Cache-Status"] == "Miss"
    r2 = await g.client.get("/gwtest/products/items", headers=headers)
    assert r2.headers["X-Cache-Status"] == "Hit"
    assert r2.json() == r1.json()
    assert int(r2.headers["Age"]) >= 0
    assert g.calls["items"] == 1
    # varied by language
    r = await g.client.get("/gwtest/products/items", headers={**headers, "Accept-Language": "en"})
    assert r.headers["X-Cache-Status"] == "Miss"
    # never for authenticated requests
    r = await g.client.get("/gwtest/products/items", headers={**headers, "Authorization": "Bearer whatever"})
    assert r.headers["X-Cache-Status"] == "Bypass"
    assert g.calls["items"] == 3
    # a successful change through a product route purges the tenant's entries
    r = await g.client.post("/gwtest/products/items", headers=headers)
    assert r.status_code == 201
    r = await g.client.get("/gwtest/products/items", headers=headers)
    assert r.headers["X-Cache-Status"] == "Miss"
    assert g.calls["items"] == 4


async def test_response_cache_in_process(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        tenant = await make_tenant(g.container)
        await _cache_scenario(g, {"X-Tenant-ID": str(tenant)})
        # varied by tenant
        other = await make_tenant(g.container)
        r = await g.client.get("/gwtest/products/items", headers={"X-Tenant-ID": str(other)})
        assert r.headers["X-Cache-Status"] == "Miss"


@needs_redis
async def test_response_cache_shared_in_redis(gateway_app, db_url, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, redis_url=REDIS_URL)
    async with gateway_app(settings, rate_limits=False) as g, gateway_app(settings, rate_limits=False) as h:
        tenant = await make_tenant(g.container)
        headers = {"X-Tenant-ID": str(tenant)}
        await _cache_scenario(g, headers)
        r = await h.client.get("/gwtest/products/items", headers=headers)
        assert r.headers["X-Cache-Status"] == "Hit"  # the other process' entry


async def test_product_event_purges_the_cache(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        tenant = await make_tenant(g.container)
        headers = {"X-Tenant-ID": str(tenant)}
        await g.client.get("/gwtest/products/items", headers=headers)
        assert (await g.client.get("/gwtest/products/items", headers=headers)).headers["X-Cache-Status"] == "Hit"
        async with g.container.uow(tenant) as uow:
            uow.emit("product-events", "product.updated", {"product_id": str(uuid.uuid4())})
            await uow.commit()

        async def missed() -> bool:
            r = await g.client.get("/gwtest/products/items", headers=headers)
            return r.headers["X-Cache-Status"] == "Miss"

        await eventually(missed)


async def test_gzip_for_configured_types_only(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        r = await g.client.get("/gwtest/products/items?n=200", headers={"Accept-Encoding": "gzip"})
        assert r.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in r.headers["Vary"]
        assert len(r.json()["items"]) == 200  # httpx decoded it
        # the cached copy is served compressed too
        r = await g.client.get("/gwtest/products/items?n=200", headers={"Accept-Encoding": "gzip"})
        assert r.headers["X-Cache-Status"] == "Hit"
        assert r.headers["Content-Encoding"] == "gzip"
        raw = await g.client.get("/gwtest/products/items?n=200", headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in raw.headers
        r = await g.client.get("/gwtest/products/logo", headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in r.headers
        r = await g.client.get("/gwtest/products/items?n=1", headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in r.headers  # too small to be worth it
        assert gzip_lib  # the module is what httpx used to decode


async def test_request_logging_plugin(gateway_app, db_url, tmp_path: Path, capsys) -> None:
    async with gateway_app(make_settings(db_url, tmp_path, log_level="INFO")) as g:
        tenant = await make_tenant(g.container)
        user = uuid.uuid4()
        token = token_for(g.container, tenant, user_id=user)
        capsys.readouterr()
        r = await g.client.get("/gwtest/private/me", headers={"X-Tenant-ID": str(tenant), **bearer(token)})
        assert r.status_code == 200
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        logged = [line for line in lines if line.get("event") == "gateway_request"]
        assert len(logged) == 1
        entry = logged[0]
        assert entry["service"] == "private"
        assert entry["route"] == "/gwtest/private/me"
        assert entry["status"] == 200
        assert entry["consumer"] == str(user)
        assert entry["request_id"] == r.headers["x-request-id"]
        assert entry["latency_ms"] >= 0


async def test_policies_can_be_switched_off(gateway_app, settings) -> None:
    async with gateway_app(settings, enabled=False) as g:
        r = await g.client.get("/gwtest/private/me")
        assert r.status_code == 200  # no JWT at the edge
        assert r.json() == {"consumer": None}
        r = await g.client.get("/gwtest/products/items")
        assert r.status_code == 200
        assert "X-RateLimit-Limit-Minute" not in r.headers
        assert "X-Cache-Status" not in r.headers
        assert (await g.client.get("/metrics")).status_code == 200  # observability stays on


async def test_catalog_change_is_never_served_stale(gateway_app, db_url, tmp_path: Path) -> None:
    """With the products context, cache keys carry the catalog version: a change committed by any path
    (here a service call, with no relay to deliver its event) is visible on the next request."""
    pytest.importorskip("ecovarejo.products.service", reason="the products context is not in this build")
    from decimal import Decimal

    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from ecovarejo.products import service as products
    from ecovarejo.products.schemas import ProductCreate

    settings = make_settings(db_url, tmp_path, embedded_workers=False)
    async with gateway_app(settings, policies=None, rate_limits=False, contexts=("users", "products", "gateway")) as g:
        r = await g.client.get("/api/v1/products")
        assert r.status_code == 200
        assert r.headers["X-Cache-Status"] == "Miss"
        assert r.json()["items"] == []
        assert (await g.client.get("/api/v1/products")).headers["X-Cache-Status"] == "Hit"
        async with g.container.uow(DEFAULT_TENANT_ID) as uow:
            await products.create_product(uow, ProductCreate(sku="GW-1", name="Caneca", price=Decimal("10.00")))
            await uow.commit()
        r = await g.client.get("/api/v1/products")
        assert r.headers["X-Cache-Status"] == "Miss"
        assert [p["sku"] for p in r.json()["items"]] == ["GW-1"]
        assert (await g.client.get("/api/v1/products")).headers["X-Cache-Status"] == "Hit"


async def test_versioned_catalog_routes_are_not_purged_by_events_or_writes(gateway_app, db_url, tmp_path: Path) -> None:
    """The packaged policies mark the product routes ``versioned``: a product event (a relay draining an
    import's events) leaves the cached catalog warm, and a change is still seen at once (new version)."""
    pytest.importorskip("ecovarejo.products.service", reason="the products context is not in this build")
    from decimal import Decimal

    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from ecovarejo.products import service as products
    from ecovarejo.products.schemas import ProductCreate

    settings = make_settings(db_url, tmp_path)
    async with gateway_app(settings, policies=None, rate_limits=False, contexts=("users", "products", "gateway")) as g:
        assert not any(c.name == "gateway.cache-purge" for c in g.container.consumers)
        async with g.container.uow(DEFAULT_TENANT_ID) as uow:
            p = await products.create_product(uow, ProductCreate(sku="GV-1", name="Caneca", price=Decimal("10.00")))
            await uow.commit()
        for path in ("/api/v1/products", "/api/v1/products/caneca"):
            assert (await g.client.get(path)).headers["X-Cache-Status"] == "Miss"
            assert (await g.client.get(path)).headers["X-Cache-Status"] == "Hit"
        async with g.container.uow(DEFAULT_TENANT_ID) as uow:  # an event alone, no catalog change
            uow.emit("product-events", "product.updated", {"product_id": str(p.id)})
            await uow.commit()
        await eventually(lambda: _all_published(g.container), message="the event was not delivered")
        for path in ("/api/v1/products", "/api/v1/products/caneca"):
            assert (await g.client.get(path)).headers["X-Cache-Status"] == "Hit"
        h = bearer(token_for(g.container, DEFAULT_TENANT_ID, "admin"))
        r = await g.client.patch(f"/api/v1/products/{p.id}", json={"price": "12.50"}, headers=h)
        assert r.status_code == 200
        detail = await g.client.get("/api/v1/products/caneca")
        assert detail.headers["X-Cache-Status"] == "Miss" and detail.json()["price"]["amount"] == "12.50"
        listing = await g.client.get("/api/v1/products")
        assert listing.headers["X-Cache-Status"] == "Miss"
        assert listing.json()["items"][0]["price"]["amount"] == "12.50"


async def _all_published(container) -> bool:
    from sqlalchemy import func, select

    from ecovarejo.core.models import OutboxEvent

    async with container.db.system_session() as s:
        q = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        return not await s.scalar(q)
