"""The other contexts' HTTP APIs, called in-process (no network) on behalf of the page's visitor.

The call goes through the whole application (tenant resolution, gateway policies, error handling) with
the visitor's address and user agent, so rate limits, throttles and audit see the real caller. The
visitor's access token travels from its HttpOnly cookie to an ``Authorization`` header here.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response

from ecovarejo.core.errors import DomainError

from .security import ACCESS_COOKIE


class ApiError(DomainError):
    """A problem answer of an in-process API call, kept with its status, code and body."""

    def __init__(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        super().__init__(
            str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}"),
            code=str(body.get("code") or f"http_{response.status_code}"),
            status=response.status_code if response.status_code < 500 else 502,
            extra={k: v for k, v in body.items() if k in {"errors", "retry_after"}},
        )
        self.body = body
        self.errors: list[dict[str, Any]] = list(body.get("errors") or [])


def _client(request: Request, token: str | None) -> httpx.AsyncClient:
    client = request.client
    transport = httpx.ASGITransport(
        app=request.app,
        client=(client.host, client.port) if client else ("127.0.0.1", 0),
        raise_app_exceptions=False,
    )
    headers = {
        "x-tenant-id": str(request.state.tenant.id),
        "user-agent": request.headers.get("user-agent", "ecovarejo-web"),
        "accept": "application/json",
        "accept-language": request.headers.get("accept-language", "pt-BR"),
        # the page itself is what analytics counts (ecovarejo.analytics.behaviour), not its API calls
        "x-ecovarejo-inproc": "1",
    }
    if token:
        headers["authorization"] = f"Bearer {token}"
    rid = getattr(request.state, "request_id", None)
    if rid:
        headers["x-request-id"] = str(rid)
    return httpx.AsyncClient(
        transport=transport, base_url=f"{request.url.scheme}://{request.url.netloc}", headers=headers
    )


async def api(
    request: Request,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    files: Any = None,
    data: Any = None,
    token: str | None = None,
    anonymous: bool = False,
) -> Any:
    """Call ``path`` and return its JSON (``None`` for an empty body); a problem answer raises :class:`ApiError`."""
    if token is None and not anonymous:
        renewed = getattr(request.state, "refreshed_tokens", None)
        token = renewed["access_token"] if renewed else request.cookies.get(ACCESS_COOKIE)
    clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    async with _client(request, token) as c:
        r = await c.request(method, path, json=json, params=clean, headers=headers, files=files, data=data)
    if r.status_code >= 400:
        raise ApiError(r)
    if not r.content:
        return None
    try:
        return r.json()
    except ValueError:
        return r.text


def exists(request: Request, path_prefix: str) -> bool:
    """Whether some mounted route starts with ``path_prefix`` (a context may not be installed);
    remembered per application."""
    known: dict[str, bool] | None = getattr(request.app.state, "web_routes_present", None)
    if known is None:
        known = request.app.state.web_routes_present = {}
    if path_prefix not in known:
        known[path_prefix] = _mounted(request, path_prefix)
    return known[path_prefix]


def _mounted(request: Request, path_prefix: str) -> bool:
    for route in request.app.router.routes:
        stack = [route]
        while stack:
            r = stack.pop()
            p = getattr(r, "path", None)
            if isinstance(p, str) and p.startswith(path_prefix):
                return True
            for attr in ("original_router", "routes"):
                sub = getattr(r, attr, None)
                if sub is None:
                    continue
                if isinstance(sub, list):
                    stack.extend(sub)
                else:
                    stack.extend(getattr(sub, "routes", []))
    return False


async def raw_get(request: Request, path: str) -> Response:
    """``GET path`` as the signed-in user, answered as it is (PDF, HTML): printable documents."""
    renewed = getattr(request.state, "refreshed_tokens", None)
    token = renewed["access_token"] if renewed else request.cookies.get(ACCESS_COOKIE)
    async with _client(request, token) as c:
        r = await c.get(path, headers={"accept": "*/*"})
    if r.status_code >= 400:
        raise ApiError(r)
    keep = {k: v for k, v in r.headers.items() if k.lower() in ("content-type", "content-disposition")}
    return Response(r.content, status_code=r.status_code, headers=keep)
