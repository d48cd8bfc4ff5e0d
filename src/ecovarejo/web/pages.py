"""What every page shares: the route class that renders errors as HTML, the signed-in principal,
flash messages and the lazily imported services of the other contexts."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from ecovarejo.core.auth import Principal, optional_principal
from ecovarejo.core.errors import DomainError, Forbidden, NotFound, Unauthorized
from ecovarejo.core.uow import UnitOfWork

from . import i18n
from .security import verify_csrf
from .templating import render

#: Flash messages a redirect may ask for (``?ok=<id>`` / ``?err=<id>``): only catalog ids, never free text.
FLASH_IDS = {
    "added_to_cart",
    "saved",
    "signed_in",
    "signed_out",
    "mfa_enabled",
    "login_failed",
    "csrf_failed",
    "staff_only",
    "unavailable",
}


class PageRoute(APIRoute):
    """Pages answer errors with HTML (and send the anonymous to the sign-in page), not problem JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Unauthorized:
                target = "/admin/entrar" if request.url.path.startswith("/admin") else "/conta/entrar"
                nxt = quote(request.url.path + (("?" + request.url.query) if request.url.query else ""), safe="/")
                return RedirectResponse(f"{target}?next={nxt}", status_code=303)
            except DomainError as exc:
                t = i18n.translator(i18n.negotiate(request))
                title = t("not_found") if isinstance(exc, NotFound) else t("error")
                if exc.code == "csrf_failed":
                    detail = t("csrf_failed")
                elif isinstance(exc, Forbidden) and request.url.path.startswith("/admin"):
                    detail = t("staff_only")
                else:
                    detail = exc.detail
                return render(request, "errors/error.html", status_code=exc.status, title=title, detail=detail)

        return handler


async def principal_of(request: Request) -> Principal | None:
    """The signed-in user from the ``ev_access`` cookie; an expired or bad token is simply anonymous."""
    if hasattr(request.state, "web_principal"):
        return request.state.web_principal  # type: ignore[no-any-return]
    try:
        principal = await optional_principal(request)
    except DomainError:
        principal = None
    request.state.web_principal = principal
    return principal


async def require_user(request: Request) -> Principal:
    principal = await principal_of(request)
    if principal is None:
        raise Unauthorized("sign in to continue")
    return principal


async def require_staff(request: Request, permission: str | None = None) -> Principal:
    principal = await require_user(request)
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


def service(context: str) -> ModuleType | None:
    """``ecovarejo.<context>.service`` when that context is installed (contexts land independently)."""
    try:
        return importlib.import_module(f"ecovarejo.{context}.service")
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name.startswith(f"ecovarejo.{context}")):
            return None
        raise


def uow_for(request: Request, *, read_only: bool = False) -> UnitOfWork:
    container = request.app.state.container
    principal = getattr(request.state, "web_principal", None)
    actor = str(principal.user_id) if principal else None
    tenant_id: uuid.UUID = request.state.tenant.id
    return container.uow(tenant_id, actor=actor, read_only=read_only)  # type: ignore[no-any-return]
