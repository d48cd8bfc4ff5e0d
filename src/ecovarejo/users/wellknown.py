"""``/.well-known/jwks.json`` and ``/.well-known/openid-configuration`` (served at the root)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container

from .keys import KeyRing
from .tokens import TokenService

router = APIRouter(tags=["oidc"])


class JWKOut(BaseModel):
    """A public RSA key (RFC 7517/7518); other members a key may carry are allowed."""

    model_config = ConfigDict(extra="allow")
    kty: str
    kid: str
    n: str
    e: str


class JWKSetOut(BaseModel):
    keys: list[JWKOut]


@router.get("/.well-known/jwks.json", response_model=JWKSetOut)
async def jwks(container: Container = Depends(get_container)) -> JSONResponse:
    """The public keys that verify our tokens (current and not yet retired)."""
    return JSONResponse(container.ports.get(KeyRing).jwks(), headers={"Cache-Control": "public, max-age=300"})


class OpenIDConfigurationOut(BaseModel):
    """OIDC Discovery 1.0 §3 (the members this provider publishes)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    claims_supported: list[str]


@router.get("/.well-known/openid-configuration", response_model=OpenIDConfigurationOut)
async def openid_configuration(container: Container = Depends(get_container)) -> dict[str, Any]:
    """OpenID Connect discovery (OIDC Discovery 1.0)."""
    tokens = container.ports.get(TokenService)
    base = tokens.issuer
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "scopes_supported": ["openid", "profile", "email"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "email",
            "email_verified",
            "given_name",
            "family_name",
            "name",
            "locale",
        ],
    }
