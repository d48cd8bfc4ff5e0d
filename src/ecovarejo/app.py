"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from . import __version__
from .bootstrap import build_container
from .core.container import Container
from .core.http import HstsMiddleware, RequestContextMiddleware, install_error_handlers
from .core.logging import configure_logging
from .core.openapi import install_openapi
from .core.settings import Settings, get_settings


class Health(BaseModel):
    status: str


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    settings = settings or (container.settings if container else get_settings())
    configure_logging(settings.log_level, settings.log_json)
    container = container or build_container(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        if container.run_consumers:  # embedded mode: the scheduled jobs run here too (leader-elected)
            from .jobs import start_jobs

            start_jobs(container)
        try:
            yield
        finally:
            await container.stop()

    app = FastAPI(
        title="EcoVarejo",
        version=__version__,
        description="E-commerce for retailers of sustainable products in Brazil (B2C and B2B).",
        lifespan=lifespan,
        # API docs and schema are for developers: off in production unless ECOVAREJO_DEV_TOOLS=true
        docs_url="/docs" if settings.dev_tools_enabled else None,
        redoc_url="/redoc" if settings.dev_tools_enabled else None,
        openapi_url="/openapi.json" if settings.dev_tools_enabled else None,
    )
    app.state.container = container
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"], response_model=Health)
    async def healthz() -> Health:
        """The process is alive (Kubernetes liveness probe)."""
        return Health(status="ok")

    probe = _SharedProbe(container.readiness)

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """The database, and Redis and the bus when configured, answer (readiness probe)."""
        checks = await probe.get()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    specs = container.contexts
    for spec in specs:
        for router in spec.api_routers():
            app.include_router(router)
    for spec in specs:
        if spec.setup_app:
            spec.setup_app(app, container)
    install_openapi(app)
    app.add_middleware(RequestContextMiddleware, container=container)
    if settings.hsts_max_age > 0:
        app.add_middleware(HstsMiddleware, max_age=settings.hsts_max_age)
    return app


class _SharedProbe:
    """The readiness checks of this process, shared: requests within ``max_age`` seconds of a finished
    check get its answer, and concurrent ones wait for the check in flight, so a burst of probes (or a
    load balancer probing every backend often) costs one database, Redis and bus round trip, not one each."""

    def __init__(self, check: Callable[[], Awaitable[dict[str, str]]], max_age: float = 1.0) -> None:
        self.check = check
        self.max_age = max_age
        self._at = -math.inf
        self._last: dict[str, str] = {}
        self._running: asyncio.Future[dict[str, str]] | None = None

    async def get(self) -> dict[str, str]:
        if time.monotonic() - self._at < self.max_age:
            return dict(self._last)
        if self._running is None:
            self._running = asyncio.ensure_future(self._run())
        return dict(await asyncio.shield(self._running))

    async def _run(self) -> dict[str, str]:
        try:
            self._last = await self.check()
            self._at = time.monotonic()
            return self._last
        finally:
            self._running = None


def create_ops_app(container: Container, *, role: str) -> FastAPI:
    """The small HTTP server of a process that serves no pages (``ecovarejo worker``, ``ecovarejo relay``):
    liveness, readiness (its consumer loops and relay, the database, the bus) and ``/metrics``. Readiness
    answers 503 from the moment the process starts stopping."""
    from .gateway.plugin import OPS_ROUTERS

    app = FastAPI(title=f"EcoVarejo {role}", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    app.state.stopping = False
    install_error_handlers(app)

    @app.get("/livez")
    @app.get("/healthz")
    async def livez() -> dict[str, str]:
        """The process and its event loop answer (liveness probe)."""
        return {"status": "ok", "role": role}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await container.readiness()
        if app.state.stopping:
            checks["process"] = "stopping"
        ok = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ok else "unavailable", "role": role, "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    for router in OPS_ROUTERS:
        app.include_router(router)
    return app
