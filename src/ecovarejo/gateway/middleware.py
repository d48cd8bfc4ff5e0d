"""The edge policies as one pure ASGI middleware (one layer, no per-request objects beyond what a policy needs).

Per request, in Kong's order: CORS (preflight answered here), request size, JWT, rate limiting, then
the response cache, gzip and the request log around the application.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovarejo.core.auth import Authenticator, Principal, bearer_token
from ecovarejo.core.errors import DomainError
from ecovarejo.core.http import problem

from .cache import Entry, ResponseCache
from .config import Cache, Cors, GatewayConfig, GatewaySettings, RoutePolicy
from .ratelimit import Counter, Usage

if TYPE_CHECKING:
    from ecovarejo.core.container import Container

log = structlog.get_logger("ecovarejo.gateway")

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
GZIP_MIN_SIZE = 500
_DROP_FROM_CACHE = frozenset({b"set-cookie", b"x-request-id", b"date", b"x-cache-status", b"age"})


@dataclass
class Gateway:
    """The gateway's parts for one app: settings, parsed policies, counters and cache."""

    settings: GatewaySettings
    config: GatewayConfig
    counter: Counter
    cache: ResponseCache
    container: Container
    #: Observers of gateway decisions (metrics): ``(event, service)`` with event rate_limited/cache_hit/...
    on_event: Callable[[str, str], None] | None = None
    #: The tenant's data version (the catalog's), part of every cache key: a committed change is never
    #: served stale, even before its event purges the entries.
    cache_version: Callable[[uuid.UUID], Awaitable[str]] | None = None

    def note(self, event: str, service: str) -> None:
        if self.on_event is not None:
            self.on_event(event, service)


async def _send_problem(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, title: str, detail: str, **kw: Any
) -> None:
    headers: dict[str, str] | None = kw.pop("headers", None)
    resp = problem(status, code, title, detail, headers=headers, instance=scope.get("path"), **kw)
    await resp(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            return str(v.decode("latin-1"))
    return None


class GatewayMiddleware:
    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gw = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.gw.settings.enabled:
            await self.app(scope, receive, send)
            return
        policy = self.gw.config.match(scope["path"])
        state = scope.setdefault("state", {})
        state["gateway_service"] = policy.service
        state["gateway_route"] = policy.route
        method = scope["method"]
        extra: list[tuple[bytes, bytes]] = []

        # CORS: answer preflights; decorate actual responses for allowed origins.
        if policy.cors is not None:
            origin = _header(scope, b"origin")
            if origin:
                if method == "OPTIONS" and _header(scope, b"access-control-request-method"):
                    await self._preflight(scope, receive, send, policy.cors, origin)
                    return
                if policy.cors.allows(origin):
                    extra += _cors_headers(policy.cors, origin)

        # Answers of the gateway itself carry the CORS headers too (a browser must be able to read a 401).
        reply: Send = _decorate(send, list(extra)) if extra else send

        # Request size: by Content-Length when given, by counting a chunked body otherwise.
        if policy.max_body is not None and method in BODY_METHODS:
            length = _header(scope, b"content-length")
            if length is not None:
                if not length.isdigit() or int(length) > policy.max_body:
                    await self._too_large(scope, receive, reply, policy.max_body)
                    return
            else:
                body = await _read_body(receive, policy.max_body)
                if body is None:
                    await self._too_large(scope, receive, reply, policy.max_body)
                    return
                receive = _replay(body, receive)

        # JWT: required on marked routes; a token elsewhere still names the consumer for rate limits.
        principal: Principal | None = None
        token = bearer_token(Request(scope)) if (policy.jwt or policy.rate_limit or policy.cache) else None
        if token and (policy.jwt or (policy.rate_limit and self.gw.settings.rate_limits)):
            try:
                principal = await self._authenticate(token, state)
            except DomainError as exc:
                if policy.jwt:
                    headers = {**exc.headers}
                    if exc.status == 401:
                        headers.setdefault("WWW-Authenticate", "Bearer")
                    await _send_problem(
                        scope, receive, reply, exc.status, exc.code, exc.title, exc.detail, headers=headers
                    )
                    return
        if policy.jwt and principal is None:
            await _send_problem(
                scope,
                receive,
                reply,
                401,
                "unauthorized",
                "Authentication required",
                "a bearer access token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
            return

        # Rate limiting per service, keyed by consumer or client IP.
        if policy.rate_limit is not None and self.gw.settings.rate_limits:
            usage = await self._count(scope, state, policy, principal)
            if usage is not None:
                extra += _rate_headers(usage)
                if usage.blocked:
                    self.gw.note("rate_limited", policy.service)
                    retry = max(r for (lim, rem, r) in usage.periods.values() if rem == 0)
                    headers = {k.decode(): v.decode() for k, v in extra}
                    headers["Retry-After"] = str(retry)
                    await _send_problem(
                        scope,
                        receive,
                        send,
                        429,
                        "rate_limited",
                        "Too many requests",
                        f"API rate limit exceeded for {policy.service}; retry in {retry} s",
                        headers=headers,
                        message="API rate limit exceeded",
                    )
                    return

        out: Send = _decorate(send, extra) if extra else send
        if policy.gzip_types and "gzip" in (_header(scope, b"accept-encoding") or ""):
            out = _Gzip(out, policy.gzip_types, policy.gzip_level)
        if policy.log_level is not None:
            out = self._logged(scope, out, policy)
        if policy.cache is not None and self.gw.settings.cache and "tenant" in state:
            await self._cached(scope, receive, out, policy.cache, policy.service, token)
            return
        await self.app(scope, receive, out)

    # -- pieces ---------------------------------------------------------------------------------

    async def _authenticate(self, token: str, state: dict[str, Any]) -> Principal:
        cached: Principal | None = state.get("principal")
        if cached is not None:
            return cached
        authenticator = self.gw.container.ports.find(Authenticator)
        tenant = state.get("tenant")
        if authenticator is None or tenant is None:
            raise DomainError("authentication is not available", code="unauthorized", status=401)
        principal: Principal = await authenticator.authenticate(token, tenant.id)
        state["principal"] = principal
        state["consumer"] = str(principal.user_id)
        return principal

    async def _count(
        self, scope: Scope, state: dict[str, Any], policy: RoutePolicy, principal: Principal | None
    ) -> Usage | None:
        assert policy.rate_limit is not None
        if principal is not None:
            ident = f"consumer:{principal.user_id}"
        else:
            client = scope.get("client")
            ident = f"ip:{client[0] if client else 'unknown'}"
        tenant = state.get("tenant")
        key = f"{tenant.id if tenant else '-'}:{policy.service}:{ident}"
        try:
            return await self.gw.counter.hit(key, policy.rate_limit.limits)
        except Exception as exc:
            if not policy.rate_limit.fault_tolerant:
                raise
            log.warning("rate_limit_store_unavailable", error=f"{type(exc).__name__}: {exc}")
            return None

    async def _preflight(self, scope: Scope, receive: Receive, send: Send, cors: Cors, origin: str) -> None:
        if not cors.allows(origin):
            await _send_problem(
                scope, receive, send, 403, "cors_origin_denied", "Origin not allowed", f"origin {origin} is not allowed"
            )
            return
        headers = _cors_headers(cors, origin)
        headers.append((b"access-control-allow-methods", ", ".join(cors.methods).encode()))
        requested = _header(scope, b"access-control-request-headers")
        allow_headers = ", ".join(cors.headers) if cors.headers else requested
        if allow_headers:
            headers.append((b"access-control-allow-headers", allow_headers.encode("latin-1")))
        headers.append((b"access-control-max-age", str(cors.max_age).encode()))
        headers.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await _send_problem(
            scope,
            receive,
            send,
            413,
            "payload_too_large",
            "Payload too large",
            f"the request body exceeds {limit} bytes",
            max_bytes=limit,
        )

    def _logged(self, scope: Scope, send: Send, policy: RoutePolicy) -> Send:
        start = time.perf_counter()
        level = logging.getLevelName(policy.log_level.upper()) if policy.log_level else logging.INFO
        if not isinstance(level, int):
            level = logging.INFO

        async def wrapped(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.start":
                wrapped.status = message["status"]  # type: ignore[attr-defined]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                state = scope.get("state", {})
                route = scope.get("route")
                log.log(
                    level,
                    "gateway_request",
                    service=policy.service,
                    gateway_route=policy.route,
                    method=scope.get("method"),
                    path=scope.get("path"),
                    route=getattr(route, "path", None),
                    status=getattr(wrapped, "status", None),
                    latency_ms=round((time.perf_counter() - start) * 1000, 2),
                    consumer=state.get("consumer"),
                    request_id=state.get("request_id"),
                    client=(scope.get("client") or ("",))[0],
                )

        return wrapped

    async def _cached(
        self, scope: Scope, receive: Receive, send: Send, cache: Cache, service: str, token: str | None
    ) -> None:
        method = scope["method"]
        tenant_id: uuid.UUID = scope["state"]["tenant"].id
        store = self.gw.cache
        if method not in cache.methods:
            if cache.versioned and self.gw.cache_version is not None:
                # The change bumps the catalog version its keys carry: nothing to purge.
                await self.app(scope, receive, _decorate(send, [(b"x-cache-status", b"Bypass")]))
                return
            # A successful change through a product route empties the tenant's cached catalog.
            await self.app(scope, receive, _purging(send, store, tenant_id, b"Bypass"))
            return
        if token or _header(scope, b"authorization"):
            self.gw.note("cache_bypass", service)
            await self.app(scope, receive, _decorate(send, [(b"x-cache-status", b"Bypass")]))
            return
        key = _cache_key(scope, cache)
        try:
            if self.gw.cache_version is not None:
                key = f"{key}:{await self.gw.cache_version(tenant_id)}"
            entry = await store.get(tenant_id, key)
        except Exception as exc:
            log.warning("cache_unavailable", error=f"{type(exc).__name__}: {exc}")
            await self.app(scope, receive, send)
            return
        if entry is not None:
            self.gw.note("cache_hit", service)
            age = str(max(0, int(time.time() - entry.stored_at))).encode()
            headers = [*entry.headers, (b"x-cache-status", b"Hit"), (b"age", age)]
            await send({"type": "http.response.start", "status": entry.status, "headers": headers})
            await send({"type": "http.response.body", "body": entry.body if method != "HEAD" else b""})
            return
        self.gw.note("cache_miss", service)
        await self.app(scope, receive, _Capture(send, store, tenant_id, key, cache))


def _cache_key(scope: Scope, cache: Cache) -> str:
    parts = [
        scope["method"],
        scope["path"],
        "&".join(sorted(scope.get("query_string", b"").decode("latin-1").split("&"))),
    ]
    for name in cache.vary_headers:
        parts.append(_header(scope, name.encode()) or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _cors_headers(cors: Cors, origin: str) -> list[tuple[bytes, bytes]]:
    allow = b"*" if ("*" in cors.origins and not cors.credentials) else origin.encode("latin-1")
    headers = [(b"access-control-allow-origin", allow), (b"vary", b"Origin")]
    if cors.credentials:
        headers.append((b"access-control-allow-credentials", b"true"))
    if cors.exposed_headers:
        headers.append((b"access-control-expose-headers", ", ".join(cors.exposed_headers).encode()))
    return headers


def _rate_headers(usage: Usage) -> list[tuple[bytes, bytes]]:
    out = []
    for period, (limit, remaining, _) in usage.periods.items():
        name = period.capitalize()
        out.append((f"x-ratelimit-limit-{name}".encode(), str(limit).encode()))
        out.append((f"x-ratelimit-remaining-{name}".encode(), str(remaining).encode()))
    _, limit, remaining, reset = usage.tightest()
    out += [
        (b"ratelimit-limit", str(limit).encode()),
        (b"ratelimit-remaining", str(remaining).encode()),
        (b"ratelimit-reset", str(reset).encode()),
    ]
    return out


def _decorate(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return wrapped


def _purging(send: Send, store: ResponseCache, tenant_id: uuid.UUID, status: bytes) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] < 400:
                try:
                    await store.purge(tenant_id)
                except Exception as exc:
                    log.warning("cache_purge_failed", error=f"{type(exc).__name__}: {exc}")
            message["headers"] = [*message.get("headers", []), (b"x-cache-status", status)]
        await send(message)

    return wrapped


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or ``None`` as soon as it grows past ``limit`` (chunked uploads)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Capture:
    """Passes the response on with ``X-Cache-Status: Miss`` and stores it when it is cacheable."""

    def __init__(self, send: Send, store: ResponseCache, tenant_id: uuid.UUID, key: str, cache: Cache) -> None:
        self.send = send
        self.store = store
        self.tenant_id = tenant_id
        self.key = key
        self.cache = cache
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] | None = []
        self.size = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            if not self._cacheable():
                self.chunks = None
            message["headers"] = [*self.headers, (b"x-cache-status", b"Miss")]
        elif message["type"] == "http.response.body" and self.chunks is not None:
            body = message.get("body", b"")
            self.size += len(body)
            if self.size > self.cache.max_body:
                self.chunks = None
            else:
                self.chunks.append(body)
                if not message.get("more_body", False):
                    await self._store(b"".join(self.chunks))
        await self.send(message)

    def _cacheable(self) -> bool:
        if self.status not in self.cache.statuses:
            return False
        ctype = b""
        for k, v in self.headers:
            if k == b"set-cookie":
                return False
            if k == b"cache-control" and (b"no-store" in v or b"private" in v):
                return False
            if k == b"content-type":
                ctype = v.split(b";")[0].strip().lower()
        return ctype.decode("latin-1") in self.cache.content_types

    async def _store(self, body: bytes) -> None:
        headers = [(k, v) for k, v in self.headers if k not in _DROP_FROM_CACHE]
        if not any(k == b"vary" for k, _ in headers):
            headers.append((b"vary", ", ".join(h.title() for h in self.cache.vary_headers).encode()))
        try:
            await self.store.put(
                self.tenant_id, self.key, Entry(self.status, headers, body, time.time()), self.cache.ttl
            )
        except Exception as exc:
            log.warning("cache_store_failed", error=f"{type(exc).__name__}: {exc}")


class _Gzip:
    """Compresses responses of the configured media types (the client accepts gzip; checked by the caller)."""

    def __init__(self, send: Send, types: tuple[str, ...], level: int = 4) -> None:
        self.send = send
        self.types = types
        self.level = level
        self.start: Message | None = None
        self.compressor: Any = None
        self.passthrough = False

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            ctype = b""
            encoded = False
            for k, v in message.get("headers", []):
                if k == b"content-type":
                    ctype = v.split(b";")[0].strip().lower()
                elif k == b"content-encoding":
                    encoded = True
            self.passthrough = encoded or ctype.decode("latin-1") not in self.types
            if self.passthrough:
                await self.send(message)
            else:
                self.start = message
            return
        if kind != "http.response.body" or self.passthrough:
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if self.start is not None:
            start, self.start = self.start, None
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"vary", b"Accept-Encoding"))
            if not more and len(body) < GZIP_MIN_SIZE:
                headers.append((b"content-length", str(len(body)).encode()))
                self.passthrough = True
                await self.send({**start, "headers": headers})
                await self.send(message)
                return
            self.compressor = zlib.compressobj(self.level, zlib.DEFLATED, 31)
            data = self.compressor.compress(body)
            if not more:
                data += self.compressor.flush()
                headers.append((b"content-length", str(len(data)).encode()))
            headers.append((b"content-encoding", b"gzip"))
            await self.send({**start, "headers": headers})
            await self.send({"type": "http.response.body", "body": data, "more_body": more})
            return
        data = self.compressor.compress(body)
        if not more:
            data += self.compressor.flush()
        else:
            data += self.compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.send({"type": "http.response.body", "body": data, "more_body": more})
