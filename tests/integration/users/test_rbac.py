"""Roles, staff permissions and the admin endpoints (issue 3, point 8)."""

from __future__ import annotations

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import token_for

from .conftest import PASSWORD, Api


async def test_customer_token_gets_403_on_admin_routes(api: Api) -> None:
    profile, tokens = await api.user()
    h = api.auth(tokens)
    for method, path in [
        ("GET", "/api/v1/admin/users"),
        ("GET", f"/api/v1/admin/users/{profile['id']}"),
        ("PUT", f"/api/v1/admin/users/{profile['id']}/role"),
        ("POST", f"/api/v1/admin/users/{profile['id']}/deactivate"),
        ("POST", "/api/v1/admin/oauth/clients"),
    ]:
        body = (
            {"user_type": "admin"}
            if method == "PUT"
            else ({"name": "x", "redirect_uris": ["https://x.example/cb"]} if "oauth" in path else None)
        )
        r = await api.client.request(method, path, json=body, headers=h)
        assert r.status_code == 403, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await api.client.get("/api/v1/admin/users")).status_code == 401


async def test_admin_lists_searches_changes_role_and_deactivates(api: Api) -> None:
    admin, _ = await api.user("boss@example.com")
    await api.make_admin("boss@example.com")
    admin_tokens = await api.login("boss@example.com")  # a fresh token carries the new role
    h = api.auth(admin_tokens)
    bob, bob_tokens = await api.user("bob.builder@example.com", first_name="Roberto")
    await api.user("carla@example.com")
    page = (await api.client.get("/api/v1/admin/users", params={"limit": 2}, headers=h)).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = (
        await api.client.get("/api/v1/admin/users", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h)
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    found = (await api.client.get("/api/v1/admin/users", params={"q": "rober"}, headers=h)).json()["items"]
    assert [u["email"] for u in found] == ["bob.builder@example.com"]
    r = await api.client.put(
        f"/api/v1/admin/users/{bob['id']}/role",
        json={"user_type": "supplier", "permissions": ["manage_products"]},
        headers=h,
    )
    assert (
        r.status_code == 200 and r.json()["user_type"] == "supplier" and r.json()["permissions"] == ["manage_products"]
    )
    r = await api.client.put(
        f"/api/v1/admin/users/{bob['id']}/role", json={"user_type": "supplier", "permissions": ["fly"]}, headers=h
    )
    assert r.status_code == 422
    token = await api.login("bob.builder@example.com")
    principal = await api.container.ports.get(Authenticator).authenticate(token["access_token"], DEFAULT_TENANT_ID)
    assert principal.user_type == "supplier" and principal.permissions == {"manage_products"}
    r = await api.client.post(f"/api/v1/admin/users/{bob['id']}/deactivate", headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = await api.client.post("/api/v1/auth/login", json={"email": "bob.builder@example.com", "password": PASSWORD})
    assert r.status_code == 403 and r.json()["code"] == "account_disabled"
    r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": bob_tokens["refresh_token"]})
    assert r.status_code == 401
    assert (await api.client.get("/api/v1/users/profile", headers=api.auth(bob_tokens))).status_code == 401
    r = await api.client.post(f"/api/v1/admin/users/{admin['id']}/deactivate", headers=h)
    assert r.status_code == 409  # not yourself
    r = await api.client.post(f"/api/v1/admin/users/{bob['id']}/activate", headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is True


async def test_staff_permission_allows_listing_but_not_role_changes(api: Api) -> None:
    target, _ = await api.user()
    staff = token_for(api.container, DEFAULT_TENANT_ID, "customer", ("manage_users",))
    assert (await api.client.get("/api/v1/admin/users", headers=api.auth(staff))).status_code == 200
    r = await api.client.put(
        f"/api/v1/admin/users/{target['id']}/role", json={"user_type": "admin"}, headers=api.auth(staff)
    )
    assert r.status_code == 403
    other = token_for(api.container, DEFAULT_TENANT_ID, "customer", ("manage_products",))
    assert (await api.client.get("/api/v1/admin/users", headers=api.auth(other))).status_code == 403


async def test_search_treats_wildcards_literally(api: Api) -> None:
    await api.user("under_score@example.com")
    await api.user("underXscore@example.com")
    admin = token_for(api.container, DEFAULT_TENANT_ID, "admin")
    found = (await api.client.get("/api/v1/admin/users", params={"q": "under_s"}, headers=api.auth(admin))).json()
    assert [u["email"] for u in found["items"]] == ["under_score@example.com"]
    everyone = (await api.client.get("/api/v1/admin/users", params={"q": "%"}, headers=api.auth(admin))).json()
    assert everyone["items"] == []
    r = await api.client.get("/api/v1/admin/users", params={"cursor": "!!"}, headers=api.auth(admin))
    assert r.status_code == 422
