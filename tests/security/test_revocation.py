"""Issue #12: access tokens kept working ~15 minutes after "log out everywhere" (``sid`` never checked).
Now logout, logout-everywhere, password change and deactivation stop them at once."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.users.conftest import PASSWORD, Api
from tests.support import make_tenant


@pytest.fixture
async def api(client, container) -> Api:
    return Api(client, container)


async def _works(api: Api, tokens: dict, tenant: str) -> bool:
    r = await api.client.get("/api/v1/users/profile", headers=api.auth(tokens, tenant=tenant))
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


async def test_logout_everywhere_stops_access_tokens_at_once(api: Api) -> None:
    tenant = str(await make_tenant(api.container))
    profile = await api.register(tenant=tenant)
    one, two = await api.login(profile["email"], tenant=tenant), await api.login(profile["email"], tenant=tenant)
    assert await _works(api, one, tenant) and await _works(api, two, tenant)
    r = await api.client.post("/api/v1/auth/logout", json={"refresh_token": one["refresh_token"]},
                              headers=api.auth(one, tenant=tenant))  # fmt: skip
    assert r.status_code in (200, 204), r.text
    assert not await _works(api, one, tenant)  # this session: at once
    assert await _works(api, two, tenant)  # the other one lives
    r = await api.client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=api.auth(two, tenant=tenant))
    assert r.status_code in (200, 204), r.text
    assert not await _works(api, two, tenant)
    r = await api.client.get("/api/v1/users/profile", headers=api.auth(two, tenant=tenant))
    assert r.json()["code"] == "session_revoked"


async def test_deactivation_stops_access_tokens_at_once(api: Api) -> None:
    tenant = str(await make_tenant(api.container))
    profile = await api.register(tenant=tenant)
    tokens = await api.login(profile["email"], tenant=tenant)
    admin_profile = await api.register(f"adm-{uuid.uuid4().hex[:8]}@example.com", tenant=tenant)
    await api.make_admin(admin_profile["email"])
    admin = await api.login(admin_profile["email"], PASSWORD, tenant=tenant)
    assert await _works(api, tokens, tenant)
    r = await api.client.post(f"/api/v1/admin/users/{profile['id']}/deactivate", headers=api.auth(admin, tenant=tenant))
    assert r.status_code in (200, 204), r.text
    assert not await _works(api, tokens, tenant)
