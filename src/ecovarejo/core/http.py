"""HTTP plumbing shared by the contexts' routers: problem responses, the request middleware, and the
dependencies that hand a handler its tenant and unit of work."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import DomainError
from .settings import Settings
from .tenancy import TenantInfo, current_public_url, current_tenant, public_origin
from .uow import UnitOfWork

if TYPE_CHECKING:
    from .container import Container

log = structlog.get_logger("ecovarejo.http")

PROBLEM = "application/problem+json"
_DEV_PUBLIC_URL = str(Settings.model_fields["public_url"].default)


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://errors.ecovarejo.dev/{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        rid = getattr(request.state, "request_id", None)
        if rid:
            body["request_id"] = rid
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, request=request, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg"),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        return problem(
            422, "validation_error", "Invalid request", "Some fields are invalid.", request=request, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        return problem(
            exc.status_code,
            codes.get(exc.status_code, f"http_{exc.status_code}"),
            str(exc.detail) if exc.detail else "Error",
            request=request,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _pool_exhausted(request: Request, exc: SQLAlchemyTimeoutError) -> JSONResponse:
        # Every database connection stayed busy for the pool's timeout: overload, not a bug.
        log.warning("db_pool_exhausted", path=request.url.path)
        return problem(
            503,
            "overloaded",
            "Service overloaded",
            "Please retry shortly.",
            request=request,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return problem(500, "internal_error", "Internal server error", "An unexpected error occurred.", request=request)


class RequestContextMiddleware:
    """Request id, tenant resolution and one structured log line per request (pure ASGI: cheap)."""

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        path = scope.get("path", "")
        tenant: TenantInfo | None = None
        if not path.startswith(("/healthz", "/readyz", "/static/", "/metrics")):
            try:
                tenant = await self.container.tenants.resolve(
                    header=headers.get("x-tenant-id"), host=headers.get("host")
                )
            except DomainError as exc:
                resp = problem(exc.status, exc.code, exc.title, exc.detail, request_id=request_id)
                await resp(scope, receive, send)
                self._log(scope, request_id, None, exc.status, start)
                return
            state["tenant"] = tenant
        token = current_tenant.set(tenant.id if tenant else None)
        origin = public_origin(
            tenant, scheme=str(scope.get("scheme") or "http"), host=headers.get("host"),
            configured=self.container.settings.public_url, development_default=_DEV_PUBLIC_URL,
        )  # fmt: skip
        origin_token = current_public_url.set(origin)
        structlog.contextvars.bind_contextvars(request_id=request_id, tenant=tenant.slug if tenant else None)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._log(scope, request_id, tenant, status, start)
            current_tenant.reset(token)
            current_public_url.reset(origin_token)
            structlog.contextvars.clear_contextvars()

    def _log(self, scope: Scope, request_id: str, tenant: TenantInfo | None, status: int, start: float) -> None:
        route = scope.get("route")
        log.info(
            "request",
            request_id=request_id,
            tenant=tenant.slug if tenant else None,
            method=scope.get("method"),
            path=scope.get("path"),
            route=getattr(route, "path", None),
            status=status,
            latency_ms=round((time.perf_counter() - start) * 1000, 2),
            consumer=scope.get("state", {}).get("consumer"),
        )


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_tenant(request: Request) -> TenantInfo:
    tenant: TenantInfo | None = getattr(request.state, "tenant", None)
    if tenant is None:
        raise RuntimeError("tenant middleware did not run")
    return tenant


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """A write unit of work for this request; the handler commits it (entrypoints own the transaction)."""
    container = get_container(request)
    async with container.uow(get_tenant(request).id, actor=getattr(request.state, "consumer", None)) as uow:
        yield uow


async def get_read_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    container = get_container(request)
    async with container.uow(get_tenant(request).id, read_only=True) as uow:
        yield uow


class HstsMiddleware:
    """``Strict-Transport-Security`` on responses to requests that arrived over https — directly or, when
    uvicorn trusts the proxy (``--proxy-headers --forwarded-allow-ips``), as its ``X-Forwarded-Proto`` says.
    A plain-http request (or an untrusted proxy's claim) gets none: browsers ignore it over http anyway."""

    def __init__(self, app: Any, *, max_age: int) -> None:
        self.app = app
        self.value = f"max-age={max_age}; includeSubDomains".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"strict-transport-security", self.value)]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, send_with_hsts)
