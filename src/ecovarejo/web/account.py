"""Account pages: register, sign in (with MFA), profile, addresses, orders, loyalty, security, privacy.

They call the users context's HTTP API in-process (``/api/v1/auth/*``, ``/api/v1/users/*``) with the
visitor's token; the session lives in HttpOnly cookies (``ev_access``, ``ev_refresh``).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import DomainError

from . import i18n
from .inproc import ApiError, api, exists
from .pages import PageRoute, flashes, form_with_csrf, principal_of, redirect, require_user, safe_next
from .security import REFRESH_COOKIE, clear_session, set_session
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CONSENT_PURPOSES = ("marketing", "personalisation", "analytics")


def _s(form: Any, name: str, limit: int = 255) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _field_errors(exc: ApiError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.errors:
        field = str(e.get("field") or "").split(".")[-1] or "_"
        out.setdefault(field, str(e.get("message") or exc.detail))
    if not out:
        out["_"] = exc.detail
    return out


# -- sign in -----------------------------------------------------------------------------------
def login_page(request: Request, *, admin: bool, status_code: int = 200, **ctx: Any) -> Response:
    return render(
        request,
        "account/login.html",
        status_code=status_code,
        action="/admin/entrar" if admin else "/conta/entrar",
        admin=admin,
        next=safe_next(request.query_params.get("next"), "/admin" if admin else "/conta"),
        flashes=ctx.pop("flashes", None) or flashes(request),
        **ctx,
    )


async def do_login(request: Request, *, admin: bool) -> Response:
    form = await form_with_csrf(request)
    nxt = safe_next(_s(form, "next", 500), "/admin" if admin else "/conta")
    t = i18n.translator(i18n.negotiate(request))
    email = _s(form, "email", 320)
    try:
        result = await api(
            request,
            "POST",
            "/api/v1/auth/login",
            json={"email": email, "password": str(form.get("password") or "")[:1024]},
            anonymous=True,
        )
    except ApiError as exc:
        message = t("login_failed") if exc.status in (401, 403, 422) else exc.detail
        return login_page(request, admin=admin, status_code=exc.status, email=email, flashes=[("error", message)])
    if result.get("mfa_required"):
        return render(
            request,
            "account/mfa.html",
            action=("/admin" if admin else "/conta") + "/entrar/mfa",
            mfa_token=result["mfa_token"],
            next=nxt,
            admin=admin,
        )
    return _signed_in(request, result, nxt)


async def do_login_mfa(request: Request, *, admin: bool) -> Response:
    form = await form_with_csrf(request)
    nxt = safe_next(_s(form, "next", 500), "/admin" if admin else "/conta")
    token = _s(form, "mfa_token", 4096)
    code = "".join(ch for ch in _s(form, "code", 40) if ch.isalnum() or ch == "-")
    body: dict[str, Any] = {"mfa_token": token}
    if code.isdigit():
        body["code"] = code
    else:
        body["recovery_code"] = code
    try:
        result = await api(request, "POST", "/api/v1/auth/login/mfa", json=body, anonymous=True)
    except ApiError as exc:
        t = i18n.translator(i18n.negotiate(request))
        return render(
            request,
            "account/mfa.html",
            status_code=exc.status,
            action=("/admin" if admin else "/conta") + "/entrar/mfa",
            mfa_token=token,
            next=nxt,
            admin=admin,
            flashes=[("error", t("login_failed"))],
        )
    return _signed_in(request, result, nxt)


def _signed_in(request: Request, tokens: dict[str, Any], nxt: str) -> Response:
    sep = "&" if "?" in nxt else "?"
    response = redirect(f"{nxt}{sep}ok=signed_in")
    set_session(request, response, tokens)
    return response


@router.get("/conta/entrar")
async def login_form(request: Request) -> Response:
    if await principal_of(request):
        return redirect(safe_next(request.query_params.get("next"), "/conta"))
    return login_page(request, admin=False)


@router.post("/conta/entrar")
async def login(request: Request) -> Response:
    return await do_login(request, admin=False)


@router.post("/conta/entrar/mfa")
async def login_mfa(request: Request) -> Response:
    return await do_login_mfa(request, admin=False)


@router.post("/conta/sair")
async def logout(request: Request) -> Response:
    await form_with_csrf(request)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        try:
            await api(request, "POST", "/api/v1/auth/logout", json={"refresh_token": refresh})
        except DomainError:
            pass  # already expired or revoked: the cookies go anyway
    response = redirect("/?ok=signed_out")
    clear_session(request, response)
    return response


# -- register ----------------------------------------------------------------------------------
@router.get("/conta/cadastro")
async def register_form(request: Request) -> Response:
    return render(
        request, "account/register.html", form={}, errors={}, next=safe_next(request.query_params.get("next"), "/conta")
    )


@router.post("/conta/cadastro")
async def register(request: Request) -> Response:
    form = await form_with_csrf(request)
    nxt = safe_next(_s(form, "next", 500), "/conta")
    body = {
        "email": _s(form, "email", 320),
        "password": str(form.get("password") or "")[:1024],
        "first_name": _s(form, "first_name", 100),
        "last_name": _s(form, "last_name", 100),
        "phone": _s(form, "phone", 20) or None,
        "cpf": _s(form, "cpf", 14) or None,
        "locale": i18n.negotiate(request) if i18n.negotiate(request) in ("pt-BR", "en") else "pt-BR",
        "accept_terms": form.get("accept_terms") == "on",
        "accept_privacy": form.get("accept_privacy") == "on",
        "marketing_opt_in": form.get("marketing_opt_in") == "on",
    }
    try:
        await api(request, "POST", "/api/v1/auth/register", json=body, anonymous=True)
        tokens = await api(
            request,
            "POST",
            "/api/v1/auth/login",
            json={"email": body["email"], "password": body["password"]},
            anonymous=True,
        )
    except ApiError as exc:
        shown = {k: v for k, v in body.items() if k != "password"}
        errors = _field_errors(exc)
        return render(
            request,
            "account/register.html",
            status_code=exc.status,
            form=shown,
            errors=errors,
            next=nxt,
            flashes=[("error", exc.detail if "_" in errors else next(iter(errors.values())))],
        )
    return _signed_in(request, tokens, nxt)


# -- account pages -----------------------------------------------------------------------------
async def _profile(request: Request) -> dict[str, Any]:
    await require_user(request)
    result: dict[str, Any] = await api(request, "GET", "/api/v1/users/profile")
    return result


@router.get("/conta")
async def overview(request: Request) -> Response:
    profile = await _profile(request)
    loyalty = await api(request, "GET", "/api/v1/users/loyalty", params={"limit": 10})
    return render(request, "account/overview.html", profile=profile, loyalty=loyalty, flashes=flashes(request))


@router.post("/conta/perfil")
async def update_profile(request: Request) -> Response:
    form = await form_with_csrf(request)
    await require_user(request)
    body = {
        "first_name": _s(form, "first_name", 100) or None,
        "last_name": _s(form, "last_name", 100) or None,
        "phone": _s(form, "phone", 20) or None,
        "cpf": _s(form, "cpf", 14) or None,
    }
    locale = _s(form, "locale", 10)
    if locale in ("pt-BR", "en"):
        body["locale"] = locale
    try:
        await api(request, "PUT", "/api/v1/users/profile", json={k: v for k, v in body.items() if v is not None})
    except ApiError as exc:
        profile = await _profile(request)
        loyalty = await api(request, "GET", "/api/v1/users/loyalty", params={"limit": 10})
        return render(
            request,
            "account/overview.html",
            status_code=exc.status,
            profile={**profile, **{k: v for k, v in body.items() if v}},
            loyalty=loyalty,
            flashes=[("error", next(iter(_field_errors(exc).values())))],
        )
    return redirect("/conta?ok=saved")


@router.get("/conta/enderecos")
async def addresses(request: Request) -> Response:
    await require_user(request)
    rows = await api(request, "GET", "/api/v1/users/addresses")
    return render(request, "account/addresses.html", addresses=rows, form={}, errors={}, flashes=flashes(request))


@router.post("/conta/enderecos")
async def add_address(request: Request) -> Response:
    form = await form_with_csrf(request)
    await require_user(request)
    body = {
        "label": _s(form, "label", 50) or None,
        "recipient_name": _s(form, "recipient_name", 200) or None,
        "postal_code": "".join(ch for ch in _s(form, "postal_code", 10) if ch.isdigit()),
        "address_line1": _s(form, "address_line1"),
        "address_line2": _s(form, "address_line2") or None,
        "city": _s(form, "city", 100),
        "state": _s(form, "state", 50),
        "is_default": form.get("is_default") == "on",
    }
    try:
        await api(request, "POST", "/api/v1/users/addresses", json=body)
    except ApiError as exc:
        rows = await api(request, "GET", "/api/v1/users/addresses")
        errors = _field_errors(exc)
        return render(
            request,
            "account/addresses.html",
            status_code=exc.status,
            addresses=rows,
            form=body,
            errors=errors,
            flashes=[("error", next(iter(errors.values())))],
        )
    return redirect("/conta/enderecos?ok=saved")


@router.post("/conta/enderecos/{address_id}/remover")
async def delete_address(request: Request, address_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await require_user(request)
    await api(request, "DELETE", f"/api/v1/users/addresses/{address_id}")
    return redirect("/conta/enderecos?ok=saved")


@router.get("/conta/seguranca")
async def security(request: Request) -> Response:
    profile = await _profile(request)
    return render(request, "account/security.html", profile=profile, enroll=None, codes=None, flashes=flashes(request))


@router.post("/conta/seguranca/mfa")
async def mfa_enroll(request: Request) -> Response:
    await form_with_csrf(request)
    profile = await _profile(request)
    enroll = await api(request, "POST", "/api/v1/users/mfa/enroll")
    return render(request, "account/security.html", profile=profile, enroll=enroll, codes=None)


@router.post("/conta/seguranca/mfa/confirmar")
async def mfa_confirm(request: Request) -> Response:
    form = await form_with_csrf(request)
    profile = await _profile(request)
    code = "".join(ch for ch in _s(form, "code", 20) if ch.isdigit())
    try:
        result = await api(request, "POST", "/api/v1/users/mfa/confirm", json={"code": code})
    except ApiError as exc:
        t = i18n.translator(i18n.negotiate(request))
        enroll = {"secret": _s(form, "secret", 64), "qr_png": None}
        return render(
            request,
            "account/security.html",
            status_code=exc.status,
            profile=profile,
            enroll=enroll,
            codes=None,
            flashes=[("error", t("login_failed"))],
        )
    profile["mfa_enabled"] = True
    t = i18n.translator(i18n.negotiate(request))
    return render(
        request,
        "account/security.html",
        profile=profile,
        enroll=None,
        codes=result.get("recovery_codes") or [],
        flashes=[("ok", t("mfa_enabled"))],
    )


@router.get("/conta/privacidade")
async def privacy(request: Request) -> Response:
    await require_user(request)
    consents = await api(request, "GET", "/api/v1/users/consents")
    preferences = None
    if exists(request, "/api/v1/notifications/preferences"):
        preferences = await api(request, "GET", "/api/v1/notifications/preferences")
    lgpd = None
    if exists(request, "/api/v1/privacy/requests"):
        lgpd = await api(request, "GET", "/api/v1/privacy/requests")
    return render(
        request,
        "account/privacy.html",
        consents=consents,
        purposes=CONSENT_PURPOSES,
        preferences=preferences,
        lgpd=lgpd,
        lgpd_kinds=LGPD_KINDS,
        flashes=flashes(request),
    )


#: What a customer may ask under LGPD art. 18 (the privacy context's request kinds).
LGPD_KINDS = ("access", "portability", "correction", "erasure", "consent_revocation", "sharing_info")


@router.post("/conta/privacidade/pedidos")
async def file_lgpd_request(request: Request) -> Response:
    """File a data subject's request about oneself; portability and erasure confirm the password."""
    form = await form_with_csrf(request)
    await require_user(request)
    body: dict[str, Any] = {"kind": str(form.get("kind") or "")}
    if form.get("password"):
        body["password"] = str(form.get("password"))
    if form.get("details"):
        body["details"] = {"text": str(form.get("details"))[:2000]}
    try:
        await api(request, "POST", "/api/v1/privacy/requests", json=body)
    except ApiError:
        return redirect("/conta/privacidade?err=request_refused")
    return redirect("/conta/privacidade?ok=request_filed")


@router.post("/conta/privacidade/pedidos/{request_id}/exportar")
async def export_lgpd_data(request: Request, request_id: uuid.UUID) -> Response:
    """The password is confirmed again; the single-use link is followed at once (a download)."""
    form = await form_with_csrf(request)
    await require_user(request)
    try:
        link = await api(
            request,
            "POST",
            f"/api/v1/privacy/requests/{request_id}/export-link",
            json={"password": str(form.get("password") or "")},
        )
    except ApiError:
        return redirect("/conta/privacidade?err=request_refused")
    return redirect(str(link["url"]))


@router.post("/conta/notificacoes")
async def notification_channels(request: Request) -> Response:
    """Which channels (e-mail, SMS, WhatsApp, push) may carry this customer's notifications."""
    form = await form_with_csrf(request)
    await require_user(request)
    current = await api(request, "GET", "/api/v1/notifications/preferences")
    channels = {name: form.get(f"channel_{name}") == "on" for name in (current.get("channels") or {})}
    if channels:
        await api(request, "PUT", "/api/v1/notifications/preferences", json={"channels": channels})
    return redirect("/conta/privacidade?ok=saved")


@router.post("/conta/privacidade")
async def change_consents(request: Request) -> Response:
    form = await form_with_csrf(request)
    await require_user(request)
    consents = await api(request, "GET", "/api/v1/users/consents")
    current = consents.get("current") or {}
    for purpose in CONSENT_PURPOSES:
        wanted = form.get(purpose) == "on"
        if bool(current.get(purpose)) != wanted:
            await api(request, "POST", "/api/v1/users/consents", json={"purpose": purpose, "granted": wanted})
    return redirect("/conta/privacidade?ok=saved")
