"""Issue #12: staff MFA on the API (not only the web panel); production mode means production."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ecovarejo.bootstrap import build_container
from ecovarejo.users.tokens import TokenService
from tests.conftest import make_settings
from tests.support import bearer, make_tenant, token_for


async def test_staff_without_mfa_get_403_staff_mfa_required(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    for path in ("/api/v1/admin/orders", "/api/v1/admin/users"):
        for user_type, perms in (("admin", ()), ("staff", ("manage_orders", "manage_users"))):
            weak = bearer(token_for(container, tid, user_type, permissions=perms, mfa=False))
            r = await client.get(path, headers={**h, **weak})
            assert r.status_code == 403 and r.json()["code"] == "staff_mfa_required", (path, r.text)
            strong = bearer(token_for(container, tid, user_type, permissions=perms, mfa=True))
            assert (await client.get(path, headers={**h, **strong})).status_code == 200, path
    # a customer's token never had the power: plain 403 permission_denied (no hint about MFA)
    r = await client.get("/api/v1/admin/orders", headers={**h, **bearer(token_for(container, tid))})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


async def test_access_tokens_carry_amr(container) -> None:
    tid = await make_tenant(container)
    tokens = container.ports.get(TokenService)
    weak = tokens.verify_access_token(token_for(container, tid, "admin", mfa=False))
    strong = tokens.verify_access_token(token_for(container, tid, "admin"))
    assert weak["amr"] == ["pwd"] and "mfa" in strong["amr"]
    principal = await tokens.authenticate(token_for(container, tid, "admin", mfa=False), tid)
    assert not principal.mfa and not principal.is_admin and not principal.can("manage_orders")


@pytest.mark.parametrize("env", ["production", "staging"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, sqlite_url, env) -> None:
    """Staging is hardened exactly like production (a laxer staging would test something else)."""
    settings = make_settings(sqlite_url, tmp_path, env=env, secret_key="", public_url="http://shop")
    with pytest.raises(RuntimeError, match="refusing to start in production") as exc:
        build_container(settings)
    text = str(exc.value)
    assert "SECRET_KEY" in text and "JWT_PRIVATE_KEY_FILE" in text and "PUBLIC_URL" in text


def test_an_unknown_environment_name_is_refused() -> None:
    from pydantic import ValidationError

    from ecovarejo.core.settings import Settings

    with pytest.raises(ValidationError):
        Settings(env="prod")  # a typo must not silently mean "development"


@pytest.mark.parametrize("env", ["production", "staging"])
async def test_production_turns_off_docs_graphiql_and_introspection_and_sends_hsts(tmp_path, sqlite_url, env) -> None:
    from ecovarejo.app import create_app

    key = tmp_path / "jwt.pem"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key.write_bytes(pem)
    settings = make_settings(sqlite_url, tmp_path, env=env, secret_key="s" * 40,
                             jwt_private_key_file=key, public_url="https://shop.example")  # fmt: skip
    container = build_container(settings)
    await container.start()
    try:
        app = create_app(container=container)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            for path in ("/docs", "/openapi.json", "/redoc"):
                assert (await c.get(path)).status_code == 404, path
            r = await c.get("/graphql", headers={"accept": "text/html"})
            assert "graphiql" not in r.text.lower()
            r = await c.post("/graphql", json={"query": "{ __schema { types { name } } }"})
            assert "__schema" not in str(r.json().get("data") or {}) and r.json().get("errors"), r.text
            r = await c.get("/healthz")
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert "strict-transport-security" not in (await c.get("/healthz")).headers
    finally:
        await container.stop()


async def test_pix_br_code_uses_public_url_not_the_host_header(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), "Host": "evil.example", **bearer(token_for(container, tid, user_id=uuid.uuid4()))}
    r = await client.post("/api/v1/payments/pix", json={"amount": "10.00"}, headers=h)
    assert r.status_code == 201, r.text
    assert "evil.example" not in r.json()["payload"]
