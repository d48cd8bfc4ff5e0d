"""Signed JWTs: the access token (the kernel's ``authenticator`` port) and the OIDC ID token.

Access tokens (RFC 9068 profile): header ``typ: at+jwt`` and ``kid``; claims ``iss aud sub exp nbf
iat jti``, ``tid`` (tenant), ``token_use: access``, ``user_type``/``roles``, ``permissions``,
``company_id``, ``scope`` and ``client_id`` for third-party clients. They are stateless and short
(15 minutes); sessions are the refresh tokens (see :mod:`ecovarejo.users.sessions`).

ID tokens carry ``typ: JWT`` and ``token_use: id`` and the client as audience, so one can never pass
for an access token. Verification accepts RS256 only, from a known ``kid`` only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import GuestProtocol, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Unauthorized

from .keys import ALGORITHM, KeyRing

API_AUDIENCE = "ecovarejo-api"
#: Audience of access tokens issued to third-party OAuth clients: accepted by ``/oauth/userinfo`` only,
#: never by the platform API (a client the user authorised must not act as the user, let alone an admin).
OAUTH_AUDIENCE = "ecovarejo-oauth"
ACCESS_TOKEN_TTL = 15 * 60
ID_TOKEN_TTL = 60 * 60
ACCESS_TYP = "at+jwt"
#: Seconds of clock skew tolerated between processes on ``exp``/``nbf``/``iat``.
LEEWAY = 10


class _UnknownKid(Exception):
    pass


class TokenService:
    """Issues and verifies our JWTs; provided as the kernel's ``Authenticator`` port
    ."""

    def __init__(
        self,
        ring: KeyRing,
        issuer: str,
        *,
        audience: str = API_AUDIENCE,
        access_ttl: int = ACCESS_TOKEN_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ring = ring
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.access_ttl = access_ttl
        self.clock = clock
        #: ``(tenant, user, sid) -> alive?``, installed by the users plugin: revocation (logout, "log out
        #: everywhere", password change, deactivation) stops access tokens within ``session_cache_ttl``.
        self.session_check: Callable[[uuid.UUID, uuid.UUID, uuid.UUID], Awaitable[bool]] | None = None
        self.session_cache_ttl = 2.0
        self._sessions: dict[tuple[uuid.UUID, uuid.UUID], tuple[bool, float]] = {}

    async def _session_alive(self, tenant_id: uuid.UUID, user_id: uuid.UUID, sid: uuid.UUID) -> bool:
        if self.session_check is None:
            return True
        now = time.monotonic()
        hit = self._sessions.get((tenant_id, sid))
        if hit is not None and hit[1] > now:
            return hit[0]
        alive = await self.session_check(tenant_id, user_id, sid)
        if len(self._sessions) > 50_000:
            self._sessions.clear()
        self._sessions[(tenant_id, sid)] = (alive, now + self.session_cache_ttl)
        return alive

    def forget_sessions(self) -> None:
        """Drop the cache (this process revoked something: it takes effect here at once)."""
        self._sessions.clear()

    # -- issuing ---------------------------------------------------------------------------------
    def _sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        self.ring.reload_if_changed()
        key = self.ring.signing_key
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, **header}, claims, key, algorithms=[ALGORITHM])

    def issue_access_token(
        self,
        principal: Principal,
        *,
        client_id: str | None = None,
        scope: str | None = None,
        session_id: str | None = None,
        ttl: int | None = None,
        now: float | None = None,
    ) -> str:
        iat = int(self.clock() if now is None else now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": OAUTH_AUDIENCE if client_id else self.audience,
            "sub": str(principal.user_id),
            "iat": iat,
            "nbf": iat,
            "exp": iat + (ttl or self.access_ttl),
            "jti": uuid.uuid4().hex,
            "tid": str(principal.tenant_id),
            "token_use": "access",
            "user_type": principal.user_type,
            "roles": [principal.user_type],
            "permissions": sorted(principal.permissions),
            # RFC 8176: how the subject authenticated; "mfa" marks a proven second factor (TOTP/recovery)
            "amr": ["pwd", "otp", "mfa"] if principal.mfa else ["pwd"],
        }
        if principal.company_id:
            claims["company_id"] = str(principal.company_id)
        if principal.email:
            claims["email"] = principal.email
        if scope is not None:
            claims["scope"] = scope
        elif principal.scopes:
            claims["scope"] = " ".join(sorted(principal.scopes))
        if client_id:
            claims["client_id"] = client_id
        if session_id:
            claims["sid"] = session_id
        return self._sign({"typ": ACCESS_TYP}, claims)

    def issue_id_token(
        self,
        *,
        subject: uuid.UUID,
        tenant_id: uuid.UUID,
        client_id: str,
        nonce: str | None,
        auth_time: int,
        extra: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> str:
        iat = int(self.clock() if now is None else now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "azp": client_id,
            "sub": str(subject),
            "iat": iat,
            "nbf": iat,
            "exp": iat + ID_TOKEN_TTL,
            "jti": uuid.uuid4().hex,
            "auth_time": auth_time,
            "tid": str(tenant_id),
            "token_use": "id",
            **(extra or {}),
        }
        if nonce:
            claims["nonce"] = nonce
        return self._sign({"typ": "JWT"}, claims)

    def issue_purpose_token(
        self, *, subject: uuid.UUID, tenant_id: uuid.UUID, purpose: str, ttl: int, extra: dict[str, Any] | None = None
    ) -> str:
        """A short-lived signed token for one step of a flow (``mfa``: the login's second step)."""
        iat = int(self.clock())
        claims = {
            "iss": self.issuer,
            "aud": f"ecovarejo-{purpose}",
            "sub": str(subject),
            "iat": iat,
            "nbf": iat,
            "exp": iat + ttl,
            "jti": uuid.uuid4().hex,
            "tid": str(tenant_id),
            "token_use": purpose,
            **(extra or {}),
        }
        return self._sign({"typ": "JWT"}, claims)

    def verify_purpose_token(self, token: str, *, purpose: str, tenant_id: uuid.UUID) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._resolve_key, algorithms=[ALGORITHM])
            JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=LEEWAY,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": f"ecovarejo-{purpose}"},
                token_use={"essential": True, "value": purpose},
                tid={"essential": True, "value": str(tenant_id)},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (_UnknownKid, JoseError, ValueError, TypeError, KeyError):
            raise Unauthorized("the token is not valid or has expired", code="invalid_token") from None
        return dict(decoded.claims)

    # -- verifying -------------------------------------------------------------------------------
    def _resolve_key(self, obj: GuestProtocol) -> RSAKey:
        kid = obj.headers().get("kid")
        key = self.ring.find(kid) if isinstance(kid, str) else None
        if key is None:
            raise _UnknownKid()
        return key

    def verify_access_token(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """The claims of a valid access token of ours; :class:`Unauthorized` for anything else."""
        try:
            decoded = jwt.decode(token, self._resolve_key, algorithms=[ALGORITHM])
        except _UnknownKid:
            raise Unauthorized("the token's signing key is unknown", code="invalid_token") from None
        except (JoseError, ValueError, TypeError, KeyError):
            raise Unauthorized("the token is malformed or its signature is invalid", code="invalid_token") from None
        if decoded.header.get("typ") != ACCESS_TYP or decoded.claims.get("token_use") != "access":
            raise Unauthorized("not an access token", code="invalid_token")
        registry = JWTClaimsRegistry(
            now=lambda: int(self.clock()),
            leeway=LEEWAY,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": audience or self.audience},
            sub={"essential": True},
            exp={"essential": True},
            nbf={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            tid={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise Unauthorized(f"the token is not valid: {exc.error}", code="invalid_token") from None
        if decoded.claims["iat"] > self.clock() + LEEWAY:
            raise Unauthorized("the token was issued in the future", code="invalid_token")
        return dict(decoded.claims)

    async def authenticate(self, token: str, tenant_id: uuid.UUID) -> Principal:
        claims = self.verify_access_token(token)
        try:
            token_tenant = uuid.UUID(str(claims["tid"]))
            user_id = uuid.UUID(str(claims["sub"]))
            company = claims.get("company_id")
            company_id = uuid.UUID(str(company)) if company else None
        except ValueError:
            raise Unauthorized("the token's claims are malformed", code="invalid_token") from None
        if token_tenant != tenant_id:
            raise Unauthorized("the token belongs to another tenant", code="invalid_token")
        sid = claims.get("sid")
        if sid:
            try:
                alive = await self._session_alive(token_tenant, user_id, uuid.UUID(str(sid)))
            except ValueError:
                raise Unauthorized("the token's claims are malformed", code="invalid_token") from None
            if not alive:
                raise Unauthorized("this session has ended; sign in again", code="session_revoked")
        scope = claims.get("scope")
        return Principal(
            user_id=user_id,
            tenant_id=token_tenant,
            user_type=str(claims.get("user_type", "customer")),
            permissions=frozenset(str(p) for p in claims.get("permissions") or ()),
            company_id=company_id,
            email=claims.get("email"),
            token_id=str(claims["jti"]),
            session_id=str(sid) if sid else None,
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            mfa="mfa" in (claims.get("amr") or ()),
        )
