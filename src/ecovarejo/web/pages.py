"""What every page shares: the route class that renders errors as HTML, the signed-in principal,
flash messages and the lazily imported services of the other contexts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from ecovarejo.core.auth import Authenticator, Principal, StaffMfaRequired, optional_principal
from ecovarejo.core.errors import DomainError, Forbidden, NotFound, Unauthorized
from ecovarejo.core.uow import UnitOfWork

from . import i18n
from .layout import preload
from .messages import PT_BR
from .security import ACCESS_COOKIE, REFRESH_COOKIE, clear_session, set_session, verify_csrf
from .templating import render

#: Flash messages a redirect may ask for (``?ok=<id>`` / ``?err=<id>``): only catalog ids, never free text.
FLASH_IDS = {
    "password_reset_done",
    "email_change_sent",
    "email_changed",
    "refund_done",
    "added_to_cart",
    "fiscal_saved",
    "nfe_retry_queued",
    "nfe_correction_sent",
    "nfe_err_invalid_correction",
    "nfe_err_correction_refused",
    "nfe_err_nfe_not_authorized",
    "nfe_err_nfe_not_retryable",
    "nfe_err_provider_unavailable",
    "nfe_err_provider_not_configured",
    "nfe_err_nfe_not_found",
    "nfe_err_generic",
    "saved",
    "terms_saved",
    "signed_in",
    "signed_out",
    "mfa_enabled",
    "login_failed",
    "csrf_failed",
    "staff_only",
    "unavailable",
    "order_placed",
    "card_authentication_failed",
    "card_authentication_pending",
    "coupon_applied",
    "coupon_removed",
    "order_cancelled",
    "back_in_stock_saved",
    "coupon_refused",
    "request_filed",
    "request_refused",
    "dead_letter_replayed",
    "dead_letter_discarded",
    "dead_letter_replay_failed",
    "bulk_done",
    "bulk_nothing",
    "image_missing",
    "consent_saved",
    "retention_invalid",
}


class PageRoute(APIRoute):
    """Pages answer errors with HTML (and send the anonymous to the sign-in page), not problem JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                await preload(request)
                response = await original(request)
            except DomainError as exc:
                response = _error_page(request, exc)
            _keep_session(request, response)
            return response

        return handler


def _error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, Unauthorized) or exc.status == 401:
        target = "/admin/entrar" if request.url.path.startswith("/admin") else "/conta/entrar"
        here = request.url.path + (("?" + request.url.query) if request.url.query and request.method == "GET" else "")
        response = RedirectResponse(f"{target}?next={quote(safe_next(here), safe='/')}", status_code=303)
        clear_session(request, response)
        return response
    if exc.code == "staff_mfa_required" and request.method == "GET":  # staff without MFA: go enrol
        return RedirectResponse("/conta/seguranca?mfa=required", status_code=303)
    t = i18n.translator(i18n.negotiate(request))
    title = t("not_found") if isinstance(exc, NotFound) else t("error")
    if exc.code in ("csrf_failed", "staff_mfa_required"):
        detail = t(exc.code)
    elif isinstance(exc, Forbidden) and request.url.path.startswith("/admin"):
        detail = t("staff_only")
    elif f"err_{exc.code}" in PT_BR:  # a known problem in the reader's language, never the API's English
        detail = t(f"err_{exc.code}")
    else:
        detail = exc.detail
    return render(request, "errors/error.html", status_code=exc.status, title=title, detail=detail)


def _keep_session(request: Request, response: Response) -> None:
    """Store renewed tokens in the cookies, or drop a session that could not be renewed."""
    tokens = getattr(request.state, "refreshed_tokens", None)
    if tokens and ACCESS_COOKIE not in response.headers.get("set-cookie", ""):
        set_session(request, response, tokens)
    elif getattr(request.state, "drop_session", False):
        clear_session(request, response)
    if request.url.path.startswith(("/conta", "/admin", "/checkout", "/pedido", "/carrinho")):
        response.headers.setdefault("cache-control", "no-store")


async def principal_of(request: Request) -> Principal | None:
    """The signed-in user from the ``ev_access`` cookie, renewed with ``ev_refresh`` when it has expired;
    a bad or revoked session is simply anonymous."""
    if hasattr(request.state, "web_principal"):
        return request.state.web_principal  # type: ignore[no-any-return]
    principal: Principal | None = None
    try:
        principal = await optional_principal(request)
    except DomainError:
        principal = None
    if principal is None and request.cookies.get(REFRESH_COOKIE):
        principal = await _refresh(request)
    request.state.web_principal = principal
    return principal


async def _refresh(request: Request) -> Principal | None:
    from .inproc import api

    try:
        tokens = await api(
            request,
            "POST",
            "/api/v1/auth/refresh-token",
            json={"refresh_token": request.cookies.get(REFRESH_COOKIE, "")[:200]},
            anonymous=True,
        )
        authenticator = request.app.state.container.ports.get(Authenticator)
        principal: Principal = await authenticator.authenticate(tokens["access_token"], request.state.tenant.id)
    except (DomainError, KeyError, TypeError):
        request.state.drop_session = True
        return None
    request.state.refreshed_tokens = tokens
    return principal


async def require_user(request: Request) -> Principal:
    principal = await principal_of(request)
    if principal is None:
        raise Unauthorized("sign in to continue")
    return principal


async def require_staff(request: Request, permission: str | None = None) -> Principal:
    principal = await require_user(request)
    if principal.is_staff and not principal.mfa:
        raise StaffMfaRequired()
    staff = principal.is_admin or bool(principal.permissions)
    if not staff or (permission and not principal.can(permission)):
        raise Forbidden("staff only", code="permission_denied")
    return principal


def flashes(request: Request) -> list[tuple[str, str]]:
    t = i18n.translator(i18n.negotiate(request))
    out = []
    for kind, param in (("ok", "ok"), ("error", "err")):
        key = request.query_params.get(param)
        if key in FLASH_IDS:
            out.append((kind, t(key)))
    return out


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site relative paths: no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


async def form_with_csrf(request: Request) -> Any:
    form = await request.form()
    await verify_csrf(request, form)
    return form


class Unavailable(DomainError):
    """A page whose context this process does not serve (``ECOVAREJO_SERVICES``)."""

    status = 503
    code = "feature_unavailable"
    title = "Not available yet"


def uow_for(request: Request, *, read_only: bool = False) -> UnitOfWork:
    container = request.app.state.container
    principal = getattr(request.state, "web_principal", None)
    actor = str(principal.user_id) if principal else None
    tenant_id: uuid.UUID = request.state.tenant.id
    return container.uow(tenant_id, actor=actor, read_only=read_only)  # type: ignore[no-any-return]
