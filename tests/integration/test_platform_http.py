"""Health, problem responses, tenant resolution and request logs over HTTP."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container
from ecovarejo.core.errors import Conflict
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.core.tenancy import current_tenant
from tests.support import make_tenant

router = APIRouter(prefix="/api/v1")


class Body(BaseModel):
    name: str = Field(min_length=2)
    quantity: int = Field(gt=0)


@router.post("/probe/items")
async def create_item(body: Body) -> dict[str, str]:
    return {"name": body.name}


@router.get("/probe/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@router.get("/probe/pool")
async def pool_exhausted() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    raise PoolTimeout("QueuePool limit reached")


@router.get("/probe/conflict")
async def conflict() -> None:
    raise Conflict("already there", code="already_exists")


@router.get("/probe/tenant")
async def which_tenant(request: Request) -> dict[str, str]:
    return {"slug": request.state.tenant.slug, "ctx": str(current_tenant.get())}


@pytest.fixture
async def client(settings):
    container = build_container(settings, contexts=[ContextSpec("probe", routers=[router])])
    await container.start()
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        c.container = container  # type: ignore[attr-defined]
        yield c
    await container.stop()


async def test_healthz_and_readyz(client) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"]["database"] == "ok"


async def test_readyz_reports_a_dead_dependency(settings, tmp_path) -> None:
    settings.redis_url = "redis://127.0.0.1:1/0"  # nothing listens there
    container = build_container(settings, contexts=[])
    app = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/readyz")
    await container.db.dispose()
    assert r.status_code == 503
    assert r.json()["checks"]["redis"].startswith("error")


async def test_readyz_probes_are_shared(settings) -> None:
    """A burst of /readyz costs one round of dependency checks, not one per request."""
    import asyncio

    container = build_container(settings, contexts=[])
    calls = 0
    real = container.readiness

    async def counted() -> dict[str, str]:
        nonlocal calls
        calls += 1
        return await real()

    container.readiness = counted  # type: ignore[method-assign]
    app = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        answers = await asyncio.gather(*(c.get("/readyz") for _ in range(20)))
    await container.db.dispose()
    assert [r.status_code for r in answers] == [200] * 20
    assert all(r.json()["checks"]["database"] == "ok" for r in answers)
    assert calls == 1


async def test_validation_error_lists_fields(client) -> None:
    r = await client.post("/api/v1/probe/items", json={"name": "x", "quantity": 0})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "validation_error" and body["status"] == 422
    assert {e["field"] for e in body["errors"]} == {"name", "quantity"}


async def test_malformed_json_is_a_problem(client) -> None:
    r = await client.post("/api/v1/probe/items", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


async def test_domain_error_carries_code(client) -> None:
    r = await client.get("/api/v1/probe/conflict")
    assert r.status_code == 409
    assert r.json()["code"] == "already_exists" and r.json()["detail"] == "already there"


async def test_unknown_route_is_problem(client) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_unexpected_error_is_500_without_internals(client) -> None:
    r = await client.get("/api/v1/probe/boom", headers={"x-request-id": "req-123"})
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "internal_error" and body["request_id"] == "req-123"
    assert "secret internals" not in r.text and "Traceback" not in r.text


async def test_tenant_resolution(client) -> None:
    c = client.container
    tid = await make_tenant(c, slug="loja-a", domain="loja-a.example.com")
    r = await client.get("/api/v1/probe/tenant")
    assert r.json()["slug"] == "default"
    r = await client.get("/api/v1/probe/tenant", headers={"host": "loja-a.example.com"})
    assert r.json() == {"slug": "loja-a", "ctx": str(tid)}
    r = await client.get("/api/v1/probe/tenant", headers={"x-tenant-id": str(tid)})
    assert r.json()["slug"] == "loja-a"
    r = await client.get("/api/v1/probe/tenant", headers={"x-tenant-id": "loja-a"})
    assert r.json()["slug"] == "loja-a"
    r = await client.get("/api/v1/probe/tenant", headers={"x-tenant-id": "nope"})
    assert r.status_code == 404 and r.json()["code"] == "unknown_tenant"


async def test_request_log_is_structured_json(client, capsys) -> None:
    import json

    from ecovarejo.core.logging import configure_logging

    configure_logging("INFO", json=True)
    await client.get("/api/v1/probe/tenant", headers={"x-request-id": "log-1"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    entry = next(e for e in lines if e.get("event") == "request" and e.get("request_id") == "log-1")
    assert entry["tenant"] == "default" and entry["status"] == 200
    assert entry["route"] == "/api/v1/probe/tenant" and entry["latency_ms"] >= 0


async def test_exhausted_connection_pool_is_503_not_500(client) -> None:
    r = await client.get("/api/v1/probe/pool")
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.json()["code"] == "overloaded" and "QueuePool" not in r.text
