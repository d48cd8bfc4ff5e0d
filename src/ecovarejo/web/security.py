"""Page security: CSRF tokens, session cookies and the security headers of every page.

CSRF is a signed double submit: a random ``ev_csrf`` cookie (HttpOnly) and, in every form, an HMAC of
it under the platform's secret key (``settings.load_secret_key()``). A forged cross-site form cannot
read the cookie, so it cannot produce the matching token; SameSite cookies are a second fence.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovarejo.core.errors import Forbidden

CSRF_COOKIE = "ev_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ACCESS_COOKIE = "ev_access"
REFRESH_COOKIE = "ev_refresh"


SELF = "'self'"


def build_csp(img_origins: tuple[str, ...] = (), extra: dict[str, tuple[str, ...]] | None = None) -> str:
    """The pages' Content-Security-Policy; ``img_origins`` adds where product images are served from
    (an S3 bucket or CDN in scale-out), ``extra`` the sources the payment provider's card form needs
    (``payments.public.csp_sources``: Stripe, Mercado Pago or PagBank scripts, frames and API)."""
    more = extra or {}

    def sources(directive: str, *base: str) -> str:
        return " ".join(dict.fromkeys([*base, *more.get(directive, ())]))

    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + sources("script-src", SELF),
            "style-src 'self'",
            "img-src " + sources("img-src", SELF, "data:", "blob:", *img_origins),
            "font-src 'self'",
            "connect-src " + sources("connect-src", SELF),
            "frame-src " + (sources("frame-src") if more.get("frame-src") else "'none'"),
            "manifest-src 'self'",
            "worker-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            # the checkout's answer may redirect to the card issuer's 3-D Secure page (the provider's origin)
            "form-action " + sources("form-action", SELF),
            "object-src 'none'",
        ]
    )


CSP = build_csp()

PAGE_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(self)",
    "cross-origin-opener-policy": "same-origin",
}


def _secret(request: Request) -> bytes:
    key: str = request.app.state.container.settings.load_secret_key()
    return key.encode()


def _sign(request: Request, value: str) -> str:
    return hmac.new(_secret(request), b"csrf:" + value.encode(), hashlib.sha256).hexdigest()


def csrf_seed(request: Request) -> str:
    """This browser's CSRF cookie value, minted on first use (set on the response by the middleware)."""
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf = value
    return str(value)


def csrf_token(request: Request) -> str:
    return _sign(request, csrf_seed(request))


async def verify_csrf(request: Request, form: Any | None = None) -> None:
    """Refuse a state-changing request whose token does not match this browser's cookie."""
    seed = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        if form is None:
            form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not seed or not sent or not hmac.compare_digest(sent, _sign(request, seed)):
        raise Forbidden("the form's security token is missing or out of date; reload the page", code="csrf_failed")


def secure_for(scheme: str, host: str, settings: Any) -> bool:
    """Secure cookies everywhere except plain-http development on a LAN address.

    Browsers treat ``localhost`` as a secure context, so cookies stay ``Secure`` there too.
    """
    if scheme == "https":
        return True
    host = host.lower()
    if host in {"localhost", "127.0.0.1", "::1"} or host.endswith(".localhost"):
        return True
    return bool(settings.public_url.startswith("https") or settings.env not in {"development", "test"})


def cookie_secure(request: Request) -> bool:
    return secure_for(request.url.scheme, request.url.hostname or "", request.app.state.container.settings)


def set_session(request: Request, response: Response, tokens: dict[str, Any]) -> None:
    secure = cookie_secure(request)
    response.set_cookie(
        ACCESS_COOKIE,
        str(tokens["access_token"]),
        max_age=int(tokens.get("expires_in") or 900),
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    refresh = tokens.get("refresh_token")
    if refresh:
        response.set_cookie(
            REFRESH_COOKIE,
            str(refresh),
            max_age=30 * 86400,
            httponly=True,
            secure=secure,
            samesite="strict",
            path="/",
        )


def clear_session(request: Request, response: Response) -> None:
    secure = cookie_secure(request)
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


class PageSecurityMiddleware:
    """Adds the security headers to page responses (not the JSON API) and sets a new CSRF cookie."""

    def __init__(self, app: ASGIApp, settings: Any, not_found: ASGIApp, csp: str = CSP) -> None:
        self.app = app
        #: The HTML 404 page (the web plugin hands in its templated page; templating depends on this module).
        self.not_found = not_found
        self.settings = settings
        self.headers = {**PAGE_HEADERS, "content-security-policy": csp}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return

        wants_html = scope.get("method") == "GET" and any(
            k == b"accept" and b"text/html" in v for k, v in scope.get("headers", [])
        )
        not_found = False

        async def send_wrapper(message: Message) -> None:
            nonlocal not_found
            if (
                wants_html
                and message["type"] == "http.response.start"
                and message["status"] == 404
                and (b"content-type", b"application/problem+json") in message.get("headers", [])
            ):
                not_found = True  # a browser asked for a page that does not exist: answer with one
                return
            if not_found:
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    await self.not_found(scope, receive, send_wrapper_plain)
                return
            await send_wrapper_plain(message)

        async def send_wrapper_plain(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in self.headers.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                new = scope.get("state", {}).get("new_csrf")
                if new:
                    secure = secure_for(scope.get("scheme", "http"), _host(scope), self.settings)
                    cookie = f"{CSRF_COOKIE}={new}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400"
                    headers.append((b"set-cookie", (cookie + ("; Secure" if secure else "")).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _host(scope: Scope) -> str:
    for k, v in scope.get("headers", []):
        if k == b"host":
            return str(v.decode("latin-1")).rsplit(":", 1)[0].strip("[]")
    return ""
