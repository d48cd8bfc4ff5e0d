"""The installed authenticator: tokens from ``tests.support.token_for`` work through HTTP dependencies."""

from __future__ import annotations

import uuid

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Unauthorized
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import make_tenant, token_for


async def test_token_for_works_without_a_user_row(container: Container) -> None:
    user_id = uuid.uuid4()
    token = token_for(container, DEFAULT_TENANT_ID, "admin", ("manage_users",), user_id=user_id)
    principal = await container.ports.get(Authenticator).authenticate(token, DEFAULT_TENANT_ID)
    assert principal.user_id == user_id and principal.is_admin and principal.can("manage_users")
    other = await make_tenant(container)
    with pytest.raises(Unauthorized):
        await container.ports.get(Authenticator).authenticate(token, other)


async def test_jwks_and_discovery(client: httpx.AsyncClient, container: Container) -> None:
    token = token_for(container, DEFAULT_TENANT_ID)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all(k["kty"] == "RSA" and "d" not in k for k in jwks["keys"])
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert decoded.claims["tid"] == str(DEFAULT_TENANT_ID)
    conf = (await client.get("/.well-known/openid-configuration")).json()
    assert conf["issuer"] == container.settings.public_url.rstrip("/")
    assert conf["jwks_uri"].endswith("/.well-known/jwks.json")
    assert conf["code_challenge_methods_supported"] == ["S256"]


async def test_openapi_lists_the_users_routes(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh-token",
        "/api/v1/auth/logout",
        "/api/v1/users/profile",
        "/api/v1/users/addresses",
        "/api/v1/users/addresses/{address_id}",
        "/api/v1/admin/users",
        "/oauth/authorize",
        "/oauth/token",
        "/oauth/userinfo",
        "/.well-known/jwks.json",
        "/.well-known/openid-configuration",
    ):
        assert path in paths, path
