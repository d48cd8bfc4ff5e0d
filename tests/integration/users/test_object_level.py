"""User B can never read or change user A's profile, addresses or sessions, in the same tenant or
across tenants (issue 3, point 12): every route with an id."""

from __future__ import annotations

from tests.support import make_tenant

from .conftest import Api
from .test_accounts import ADDRESS


async def test_same_tenant(api: Api) -> None:
    a, a_tokens = await api.user()
    b, b_tokens = await api.user()
    address = (await api.client.post("/api/v1/users/addresses", json=ADDRESS, headers=api.auth(a_tokens))).json()
    hb = api.auth(b_tokens)
    path = f"/api/v1/users/addresses/{address['id']}"
    assert (await api.client.get(path, headers=hb)).status_code == 404
    assert (await api.client.put(path, json={**ADDRESS, "city": "Hacked"}, headers=hb)).status_code == 404
    assert (await api.client.delete(path, headers=hb)).status_code == 404
    assert (await api.client.get("/api/v1/users/addresses", headers=hb)).json() == []
    a_sessions = (await api.client.get("/api/v1/auth/sessions", headers=api.auth(a_tokens))).json()
    r = await api.client.delete(f"/api/v1/auth/sessions/{a_sessions[0]['id']}", headers=hb)
    assert r.status_code == 404
    r = await api.client.post("/api/v1/auth/logout", json={"refresh_token": a_tokens["refresh_token"]}, headers=hb)
    assert r.status_code == 404
    # A is untouched
    ha = api.auth(a_tokens)
    assert (await api.client.get(path, headers=ha)).json()["city"] == ADDRESS["city"]
    r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": a_tokens["refresh_token"]})
    assert r.status_code == 200
    profile_b = (await api.client.get("/api/v1/users/profile", headers=hb)).json()
    assert profile_b["id"] == b["id"] != a["id"]
    assert len((await api.client.get("/api/v1/auth/sessions", headers=hb)).json()) == 1


async def test_across_tenants(api: Api) -> None:
    other = str(await make_tenant(api.container))
    a, a_tokens = await api.user()
    b, b_tokens = await api.user(tenant=other)
    address = (await api.client.post("/api/v1/users/addresses", json=ADDRESS, headers=api.auth(a_tokens))).json()
    path = f"/api/v1/users/addresses/{address['id']}"
    # B's token at A's tenant: refused outright
    for method in ("GET", "PUT", "DELETE"):
        r = await api.client.request(
            method,
            path,
            json=ADDRESS if method == "PUT" else None,
            headers={"Authorization": f"Bearer {b_tokens['access_token']}"},
        )
        assert r.status_code == 401, method
    assert (
        await api.client.get("/api/v1/users/profile", headers={"Authorization": f"Bearer {b_tokens['access_token']}"})
    ).status_code == 401
    # B at its own tenant asking for A's ids: not found
    hb = api.auth(b_tokens, tenant=other)
    assert (await api.client.get(path, headers=hb)).status_code == 404
    assert (await api.client.delete(path, headers=hb)).status_code == 404
    a_sessions = (await api.client.get("/api/v1/auth/sessions", headers=api.auth(a_tokens))).json()
    assert (await api.client.delete(f"/api/v1/auth/sessions/{a_sessions[0]['id']}", headers=hb)).status_code == 404
    # A's refresh token presented at B's tenant does not exist there
    r = await api.client.post(
        "/api/v1/auth/refresh-token", json={"refresh_token": a_tokens["refresh_token"]}, headers={"X-Tenant-ID": other}
    )
    assert r.status_code == 401
    # an admin of B's tenant does not see A
    await api.make_admin(b["email"])
    admin_b = await api.login(b["email"], tenant=other)
    ha = api.auth(admin_b, tenant=other)
    assert (await api.client.get(f"/api/v1/admin/users/{a['id']}", headers=ha)).status_code == 404
    assert (await api.client.post(f"/api/v1/admin/users/{a['id']}/deactivate", headers=ha)).status_code == 404
    emails = {u["email"] for u in (await api.client.get("/api/v1/admin/users", headers=ha)).json()["items"]}
    assert emails == {b["email"]}
    # and A's login does not work at B's tenant
    r = await api.client.post(
        "/api/v1/auth/login",
        json={"email": a["email"], "password": "Um-Segredo-Verde-42"},
        headers={"X-Tenant-ID": other},
    )
    assert r.status_code == 401
