"""OAuth 2.0 / OIDC endpoints at the root: ``/oauth/authorize`` (consent screen), ``/oauth/token``,
``/oauth/userinfo``. Errors follow RFC 6749 (``{"error", "error_description"}``), not problem+json,
because that is what OAuth client libraries read."""

from __future__ import annotations

import base64
import hmac
from html import escape
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ecovarejo.core.auth import Principal, bearer_token, optional_principal
from ecovarejo.core.errors import DomainError, InvalidInput
from ecovarejo.core.http import get_uow
from ecovarejo.core.openapi import ERROR_FORMAT
from ecovarejo.core.uow import UnitOfWork

from . import accounts, authflows, oauth
from .api import NO_STORE, client_ip, get_ports, user_agent
from .ports import UsersPorts

router = APIRouter(tags=["oauth"])

_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
_SCOPE_TEXT = {
    "openid": "confirm who you are",
    "profile": "see your name and language",
    "email": "see your email address",
}


class OAuthTokenOut(BaseModel):
    """RFC 6749 §5.1 (and OIDC's ``id_token`` when ``openid`` was granted)."""

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    scope: str
    id_token: str | None = None


class UserInfoOut(BaseModel):
    """OIDC UserInfo: ``sub`` always, the other claims by scope (``email``, ``profile``)."""

    sub: str
    email: str | None = None
    email_verified: bool | None = None
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    locale: str | None = None


class OAuthErrorOut(BaseModel):
    """RFC 6749 §5.2 / RFC 6750 §3: what OAuth client libraries read."""

    error: str
    error_description: str


RFC6749 = {ERROR_FORMAT: "rfc6749"}
TOKEN_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": OAuthErrorOut, "description": "invalid_request, invalid_grant, unsupported_grant_type"},
    401: {"model": OAuthErrorOut, "description": "invalid_client"},
}
USERINFO_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": OAuthErrorOut, "description": "invalid_token"},
    403: {"model": OAuthErrorOut, "description": "insufficient_scope"},
}


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _redirect(uri: str, params: dict[str, str | None], issuer: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in {**params, "iss": issuer}.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)


def _consent_page(req: oauth.AuthorizationRequest, principal: Principal, token: str, tenant_name: str) -> str:
    hidden = {
        "client_id": req.client.client_id,
        "redirect_uri": req.redirect_uri,
        "response_type": "code",
        "scope": req.scope,
        "state": req.state or "",
        "nonce": req.nonce or "",
        "code_challenge": req.code_challenge,
        "code_challenge_method": "S256",
        "consent_token": token,
    }
    fields = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in hidden.items())
    items = "".join(f"<li>{escape(_SCOPE_TEXT.get(s, s))}</li>" for s in req.scope.split())
    name = escape(req.client.name)
    return f"""<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Autorizar {name}</title></head>
<body><main><h1>{name} quer acessar sua conta {escape(tenant_name)}</h1>
<p>Conectado como {escape(principal.email or str(principal.user_id))}. O aplicativo poderá:</p><ul>{items}</ul>
<form method="post" action="/oauth/authorize">{fields}
<button type="submit" name="decision" value="approve">Permitir</button>
<button type="submit" name="decision" value="deny">Negar</button></form>
<p><small>Você será redirecionado para {escape(req.redirect_uri)}</small></p></main></body></html>"""


async def _validated(uow: UnitOfWork, params: dict[str, str], issuer: str) -> oauth.AuthorizationRequest | Response:
    try:
        return await oauth.validate_authorization_request(uow, params)
    except oauth.RedirectableError as exc:
        return _redirect(
            exc.redirect_uri, {"error": exc.error, "error_description": exc.description, "state": exc.state}, issuer
        )
    except InvalidInput as exc:
        # Never redirect to an unverified URI: tell the user instead.
        return HTMLResponse(f"<!doctype html><h1>Pedido de autorização inválido</h1><p>{escape(exc.detail)}</p>", 400)


@router.get("/oauth/authorize", response_model=None)
async def authorize(
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
    principal: Principal | None = Depends(optional_principal),
) -> Response:
    """The consent screen (the user must be signed in; otherwise to ``/login?next=...``)."""
    params = {k: v for k, v in request.query_params.items() if k in _PARAMS}
    req = await _validated(uow, params, ports.tokens.issuer)
    if isinstance(req, Response):
        return req
    if principal is None:
        return RedirectResponse(f"/login?next={quote(str(request.url.path) + '?' + request.url.query)}", 302)
    user = await accounts.get_user_or_401(uow, principal.user_id)
    token = oauth.consent_token(ports.secret_key, user.id, req)
    headers = {
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "frame-ancestors 'none'",
    }
    return HTMLResponse(_consent_page(req, principal, token, request.state.tenant.name), headers=headers)


@router.post("/oauth/authorize", response_model=None)
async def authorize_decision(
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
    principal: Principal | None = Depends(optional_principal),
) -> Response:
    """The consent form's answer: a code (approve) or ``access_denied``, back at the redirect URI."""
    form = await request.form()
    params = {k: str(v) for k, v in form.items() if k in _PARAMS}
    req = await _validated(uow, params, ports.tokens.issuer)
    if isinstance(req, Response):
        return req
    if principal is None:
        return HTMLResponse("<!doctype html><h1>Sessão expirada</h1>", 401)
    user = await accounts.get_user_or_401(uow, principal.user_id)
    expected = oauth.consent_token(ports.secret_key, user.id, req)
    if not hmac.compare_digest(expected, str(form.get("consent_token", ""))):
        return HTMLResponse("<!doctype html><h1>Formulário inválido</h1>", 400)
    if form.get("decision") != "approve":
        return _redirect(req.redirect_uri, {"error": "access_denied", "state": req.state}, ports.tokens.issuer)
    code = await oauth.issue_code(uow, ports, user, req)
    await uow.commit()
    return _redirect(req.redirect_uri, {"code": code, "state": req.state}, ports.tokens.issuer)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value).decode()
        except ValueError:
            return "", None
        cid, _, secret = decoded.partition(":")
        return unquote(cid), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret")


@router.post("/oauth/token", response_model=OAuthTokenOut, responses=TOKEN_ERRORS, openapi_extra=RFC6749)
async def token(
    request: Request, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> JSONResponse:
    """``authorization_code`` (with PKCE) and ``refresh_token`` grants."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        client_id, secret = _client_credentials(request, form)
        client = await oauth.authenticate_client(uow, client_id, secret)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued = await oauth.exchange_code(
                uow,
                ports,
                client,
                code=form.get("code", ""),
                redirect_uri=form.get("redirect_uri", ""),
                code_verifier=form.get("code_verifier", ""),
                ip=client_ip(request),
                user_agent=user_agent(request),
            )
        elif grant == "refresh_token":
            try:
                issued = await authflows.refresh(
                    uow,
                    ports,
                    form.get("refresh_token", ""),
                    ip=client_ip(request),
                    user_agent=user_agent(request),
                    client_id=client.client_id,
                )
            except authflows.RefreshTokenReuse:
                await uow.commit()
                raise oauth.OAuthError("invalid_grant", "refresh token reuse; the grant is revoked") from None
            except DomainError as exc:
                raise oauth.OAuthError("invalid_grant", exc.detail) from None
        else:
            raise oauth.OAuthError("unsupported_grant_type", "authorization_code or refresh_token")
    except oauth.OAuthError as exc:
        await uow.commit()  # a replayed code's revocation must stick
        return _oauth_error(exc.error, exc.detail, exc.status)
    await uow.commit()
    body: dict[str, object] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
    }
    if issued.id_token:
        body["id_token"] = issued.id_token
    return JSONResponse(body, headers=NO_STORE)


async def _userinfo(request: Request, uow: UnitOfWork, ports: UsersPorts) -> JSONResponse:
    raw = bearer_token(request)
    if not raw:
        return _oauth_error("invalid_token", "a bearer token is required", 401)
    try:
        claims = await oauth.userinfo(uow, ports, raw)
    except oauth.OAuthError as exc:
        return _oauth_error(exc.error, exc.detail, exc.status)
    except DomainError:
        return _oauth_error("invalid_token", "the access token is not valid", 401)
    return JSONResponse(claims, headers=NO_STORE)


@router.get("/oauth/userinfo", response_model=UserInfoOut, responses=USERINFO_ERRORS, openapi_extra=RFC6749)
async def userinfo(
    request: Request, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> JSONResponse:
    """OIDC UserInfo for a third-party access token (``openid`` scope; claims by scope)."""
    return await _userinfo(request, uow, ports)


@router.post("/oauth/userinfo", response_model=None, include_in_schema=False)
async def userinfo_post(
    request: Request, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> JSONResponse:
    return await _userinfo(request, uow, ports)
