"""An app with the gateway in front of probe routes, built from a policy file of the test's choosing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container, load_contexts
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_uow
from ecovarejo.core.settings import Settings
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.gateway.config import GatewaySettings

POLICIES = """
_format_version: "3.0"
services:
  - name: shop
    plugins:
      - name: rate-limiting
        config: {minute: 3, hour: 10}
      - name: response-caching
        config: {cache_ttl: 300}
      - name: gzip
        config: {types: [application/json, text/plain]}
  - name: private
    plugins:
      - name: jwt
      - name: request-logging
        config: {log_level: info}
  - name: web
    plugins:
      - name: cors
        config:
          origins: ["https://app.example.com"]
          credentials: true
      - name: request-size-limiting
        config: {allowed_payload_size: 1}
plugins:
  - name: prometheus
    config: {per_consumer: true}
routes:
  - name: shop-routes
    service: shop
    paths: [/gwtest/products]
  - name: private-routes
    service: private
    paths: [/gwtest/private]
  - name: web-routes
    service: web
    paths: [/gwtest/web]
  - name: web-private-routes
    service: web
    paths: [/gwtest/web/private]
    plugins:
      - name: jwt
"""


def probe_router(calls: dict[str, int]) -> APIRouter:
    router = APIRouter(prefix="/gwtest")

    @router.get("/products/items")
    async def items(n: int = 3) -> JSONResponse:
        calls["items"] = calls.get("items", 0) + 1
        return JSONResponse({"items": [{"name": f"item {i}", "description": "eco " * 10} for i in range(n)]})

    @router.post("/products/items", status_code=201)
    async def create() -> dict[str, bool]:
        return {"created": True}

    @router.get("/products/logo")
    async def logo() -> Response:
        return Response(b"\x89PNG" + b"\x00" * 2000, media_type="image/png")

    @router.post("/products/emit")
    async def emit(uow: UnitOfWork = Depends(get_uow)) -> dict[str, str]:
        await uow.session.execute(text("SELECT 1"))
        ev = uow.emit("order-events", "probe.traced", {"probe": True})
        await uow.commit()
        return {"event_id": str(ev.id)}

    @router.get("/private/me")
    async def me(request: Request) -> dict[str, Any]:
        return {"consumer": getattr(request.state, "consumer", None)}

    @router.post("/web/echo")
    async def echo(request: Request) -> dict[str, int]:
        body = await request.body()
        return {"received": len(body)}

    return router


@dataclass
class GatewayApp:
    container: Container
    app: FastAPI
    client: httpx.AsyncClient
    calls: dict[str, int]


AppFactory = Callable[..., Any]


@pytest.fixture
def gateway_app(tmp_path: Path) -> Callable[..., Any]:
    """``async with gateway_app(settings, policies=...) as g:`` an app whose gateway applies ``policies``."""

    @asynccontextmanager
    async def factory(
        settings: Settings,
        policies: str | None = POLICIES,
        *,
        rate_limits: bool = True,
        client: str = "127.0.0.1",
        contexts: tuple[str, ...] = ("users", "gateway"),
        consumers: tuple[Consumer, ...] = (),
        **gateway: Any,
    ) -> AsyncIterator[GatewayApp]:
        """``gateway``: more :class:`GatewaySettings` (``enabled=False``, ``metrics_token=...``)."""
        path = None
        if policies is not None:
            path = tmp_path / "gateway.yml"
            path.write_text(policies)
        settings = settings.with_sections(GatewaySettings(rate_limits=rate_limits, config=path, **gateway))
        container = build_container(settings, contexts=load_contexts(set(contexts)))
        container.consumers.extend(consumers)
        await container.start()
        calls: dict[str, int] = {}
        app = create_app(container=container)
        app.include_router(probe_router(calls))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(client, 40000))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield GatewayApp(container, app, c, calls)
        finally:
            await container.stop()

    return factory
