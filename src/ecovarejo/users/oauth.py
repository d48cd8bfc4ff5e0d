"""OAuth 2.0 authorization server with OpenID Connect for third-party clients.

Authorization code flow only, PKCE with S256 required for every client (RFC 9700), redirect URIs
compared exactly, codes single use for five minutes (a replayed code revokes what it issued), ID
tokens signed with the platform's keys. Third-party access tokens have their own audience: they work
at ``/oauth/userinfo`` and nowhere in the platform API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from ecovarejo.core.errors import DomainError, InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import authflows
from . import repository as repo
from .models import AuthorizationCode, OAuthClient, User
from .ports import AUTHORIZATION_CODE_TTL, UsersPorts

SUPPORTED_SCOPES = ("openid", "profile", "email")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class OAuthError(DomainError):
    """An RFC 6749 error, answered as ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description, code=error, status=status)
        self.error = error


def validate_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.fragment or not parts.netloc or parts.scheme not in ("https", "http"):
        raise InvalidInput(f"invalid redirect URI {uri!r}: absolute, no fragment", code="invalid_redirect_uri")
    if parts.scheme == "http" and (parts.hostname or "") not in _LOCAL_HOSTS:
        raise InvalidInput("redirect URIs must use https (http only for localhost)", code="invalid_redirect_uri")
    return uri


async def register_client(
    uow: UnitOfWork, *, name: str, redirect_uris: list[str], confidential: bool
) -> tuple[OAuthClient, str | None]:
    """Register a client; the secret (confidential clients) is returned once and stored hashed."""
    uris = [validate_redirect_uri(u) for u in redirect_uris]
    secret = secrets.token_urlsafe(32) if confidential else None
    client = OAuthClient(
        client_id=secrets.token_urlsafe(16),
        secret_hash=authflows.sha256(secret) if secret else None,
        name=name,
        redirect_uris=uris,
        scopes=" ".join(SUPPORTED_SCOPES),
    )
    uow.session.add(client)
    await uow.flush()
    return client, secret


async def list_clients(uow: UnitOfWork) -> list[OAuthClient]:
    return list(await repo.list_clients(uow))


@dataclass
class AuthorizationRequest:
    client: OAuthClient
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str


class RedirectableError(Exception):
    """An error reported to the client by redirecting back to its (verified) redirect URI."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(description)
        self.redirect_uri, self.error, self.description, self.state = redirect_uri, error, description, state


async def validate_authorization_request(uow: UnitOfWork, params: dict[str, str]) -> AuthorizationRequest:
    """Client and redirect URI first (errors shown to the user, never redirected), then the rest."""
    client = await repo.get_client(uow, params.get("client_id", ""))
    if client is None or not client.is_active:
        raise InvalidInput("unknown client", code="invalid_client")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:  # exact string match, no prefix or pattern
        raise InvalidInput("the redirect URI is not registered for this client", code="invalid_redirect_uri")
    state = params.get("state")
    if params.get("response_type") != "code":
        raise RedirectableError(redirect_uri, "unsupported_response_type", "only response_type=code", state)
    scopes = params.get("scope", "").split()
    allowed = set(client.scopes.split())
    if not scopes or any(s not in allowed for s in scopes):
        raise RedirectableError(redirect_uri, "invalid_scope", "unknown scope requested", state)
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        raise RedirectableError(
            redirect_uri, "invalid_request", "PKCE with code_challenge_method=S256 is required", state
        )
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=" ".join(dict.fromkeys(scopes)),
        state=state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
    )


def consent_token(secret_key: str, user_id: uuid.UUID, req: AuthorizationRequest) -> str:
    """Binds the consent form to this user and these exact parameters (CSRF protection)."""
    msg = "|".join(
        [
            str(user_id),
            req.client.client_id,
            req.redirect_uri,
            req.scope,
            req.code_challenge,
            req.state or "",
            req.nonce or "",
        ]
    )
    return hmac.new(secret_key.encode(), msg.encode(), hashlib.sha256).hexdigest()


async def issue_code(uow: UnitOfWork, ports: UsersPorts, user: User, req: AuthorizationRequest) -> str:
    now = ports.now()
    raw = secrets.token_urlsafe(32)
    uow.session.add(
        AuthorizationCode(
            code_hash=authflows.sha256(raw),
            client_id=req.client.client_id,
            user_id=user.id,
            redirect_uri=req.redirect_uri,
            scope=req.scope,
            nonce=req.nonce,
            code_challenge=req.code_challenge,
            auth_time=user.last_login_at or now,
            created_at=now,
            expires_at=now + AUTHORIZATION_CODE_TTL,
        )
    )
    await uow.flush()
    return raw


async def authenticate_client(uow: UnitOfWork, client_id: str, client_secret: str | None) -> OAuthClient:
    client = await repo.get_client(uow, client_id)
    if client is None or not client.is_active:
        raise OAuthError("invalid_client", "unknown client", 401)
    if client.secret_hash is not None:
        if not client_secret or not hmac.compare_digest(client.secret_hash, authflows.sha256(client_secret)):
            raise OAuthError("invalid_client", "client authentication failed", 401)
    return client


def _pkce_ok(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(digest, challenge)


def _half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def identity_claims(user: User, scope: str) -> dict[str, object]:
    scopes = set(scope.split())
    claims: dict[str, object] = {"sub": str(user.id)}
    if "email" in scopes:
        claims.update(email=user.email, email_verified=user.email_verified)
    if "profile" in scopes:
        claims.update(
            given_name=user.first_name,
            family_name=user.last_name,
            name=f"{user.first_name} {user.last_name}",
            locale=user.locale,
        )
    return claims


async def exchange_code(
    uow: UnitOfWork,
    ports: UsersPorts,
    client: OAuthClient,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    ip: str | None,
    user_agent: str | None,
) -> authflows.IssuedTokens:
    now = ports.now()
    row = await repo.get_code(uow, authflows.sha256(code))
    if row is None or row.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if row.used_at is not None or not await repo.use_code(uow, row.id, now):
        # RFC 6749 §4.1.2: a code used twice revokes the tokens issued from it (family = the code's id)
        await repo.revoke_family(uow, row.id, now)
        raise OAuthError("invalid_grant", "the authorization code was already used")
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if row.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    if not _pkce_ok(code_verifier, row.code_challenge):
        raise OAuthError("invalid_grant", "PKCE verification failed")
    user = await repo.get_user(uow, row.user_id)
    if user is None or not user.is_active:
        raise OAuthError("invalid_grant", "the account is not available")
    issued = await authflows.start_session(
        uow,
        ports,
        user,
        ip=ip,
        user_agent=user_agent,
        client_id=client.client_id,
        scope=row.scope,
        family_id=row.id,
        auth_time=row.auth_time,
    )
    if "openid" in row.scope.split():
        extra = {k: v for k, v in identity_claims(user, row.scope).items() if k != "sub"}
        extra["at_hash"] = _half_hash(issued.access_token)
        issued.id_token = ports.tokens.issue_id_token(
            subject=user.id,
            tenant_id=user.tenant_id,
            client_id=client.client_id,
            nonce=row.nonce,
            auth_time=int(row.auth_time.timestamp()),
            extra=extra,
        )
    return issued


async def userinfo(uow: UnitOfWork, ports: UsersPorts, token: str) -> dict[str, object]:
    claims = ports.tokens.verify_access_token(token, audience="ecovarejo-oauth")
    if str(claims.get("tid")) != str(uow.tenant_id):
        raise OAuthError("invalid_token", "the token belongs to another tenant", 401)
    scope = str(claims.get("scope", ""))
    if "openid" not in scope.split():
        raise OAuthError("insufficient_scope", "the openid scope is required", 403)
    user = await repo.get_user(uow, uuid.UUID(str(claims["sub"])))
    if user is None or not user.is_active:
        raise OAuthError("invalid_token", "the account is not available", 401)
    return identity_claims(user, scope)
