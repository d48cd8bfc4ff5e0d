"""Refresh-token rotation, reuse detection, logout and "log out everywhere" (issue 3, point 3)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.users.authflows import sha256
from ecovarejo.users.contacts import UsersSignInDevices
from ecovarejo.users.models import RefreshToken

from .conftest import Api


async def refresh(api: Api, token: str):
    return await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": token})


async def test_refresh_rotates_and_stores_only_hashes(api: Api) -> None:
    _, tokens = await api.user()
    r = await refresh(api, tokens["refresh_token"])
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    rotated = r.json()
    assert rotated["refresh_token"] != tokens["refresh_token"] and rotated["access_token"] != tokens["access_token"]
    assert (await api.client.get("/api/v1/users/profile", headers=api.auth(rotated))).status_code == 200
    async with api.container.db.system_session() as s:
        rows = (await s.scalars(select(RefreshToken))).all()
    assert {r.token_hash for r in rows} == {sha256(tokens["refresh_token"]), sha256(rotated["refresh_token"])}
    assert len({r.family_id for r in rows}) == 1
    # the new one rotates again
    assert (await refresh(api, rotated["refresh_token"])).status_code == 200


async def test_reuse_of_a_rotated_token_revokes_the_family(api: Api) -> None:
    _, tokens = await api.user()
    first = tokens["refresh_token"]
    second = (await refresh(api, first)).json()["refresh_token"]
    r = await refresh(api, first)  # replay: stolen token
    assert r.status_code == 401 and r.json()["code"] == "refresh_token_reused"
    r = await refresh(api, second)  # the legitimate successor is revoked too
    assert r.status_code == 401 and r.json()["code"] == "invalid_grant"


async def test_reuse_revokes_only_that_family(api: Api) -> None:
    profile, phone = await api.user()
    laptop = await api.login(profile["email"])
    first = phone["refresh_token"]
    await refresh(api, first)
    await refresh(api, first)
    assert (await refresh(api, laptop["refresh_token"])).status_code == 200


async def test_unknown_refresh_token(api: Api) -> None:
    r = await refresh(api, "not-a-token")
    assert r.status_code == 401 and r.json()["code"] == "invalid_grant"


async def test_logout_revokes_the_session(api: Api) -> None:
    profile, tokens = await api.user()
    other = await api.login(profile["email"])
    r = await api.client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    assert (await refresh(api, tokens["refresh_token"])).status_code == 401
    assert (await refresh(api, other["refresh_token"])).status_code == 200
    r = await api.client.post("/api/v1/auth/logout", json={})
    assert r.status_code == 422


async def test_logout_everywhere(api: Api) -> None:
    profile, a = await api.user()
    b = await api.login(profile["email"])
    c = await api.login(profile["email"])
    assert len((await api.client.get("/api/v1/auth/sessions", headers=api.auth(a))).json()) == 3
    r = await api.client.post("/api/v1/auth/logout", json={"everywhere": True})
    assert r.status_code == 401  # needs the access token
    r = await api.client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=api.auth(b))
    assert r.status_code == 204
    for t in (a, b, c):
        assert (await refresh(api, t["refresh_token"])).status_code == 401
    # and their access tokens stop at once (issue #12: they used to work until they expired)
    r = await api.client.get("/api/v1/auth/sessions", headers=api.auth(a))
    assert r.status_code == 401 and r.json()["code"] == "session_revoked"


async def test_sessions_list_and_revoke_one(api: Api) -> None:
    profile, a = await api.user()
    b = await api.login(profile["email"], headers={"User-Agent": "Firefox/130"})
    sessions = (await api.client.get("/api/v1/auth/sessions", headers=api.auth(a))).json()
    assert len(sessions) == 2 and {"Firefox/130"} <= {s["user_agent"] for s in sessions}
    target = next(s for s in sessions if s["user_agent"] == "Firefox/130")
    r = await api.client.delete(f"/api/v1/auth/sessions/{target['id']}", headers=api.auth(a))
    assert r.status_code == 204
    assert (await refresh(api, b["refresh_token"])).status_code == 401
    assert (await refresh(api, a["refresh_token"])).status_code == 200


async def test_signed_in_event_flags_new_devices(api: Api) -> None:
    profile = await api.register()
    await api.login(profile["email"], headers={"User-Agent": "Phone/1"})
    await api.login(profile["email"], headers={"User-Agent": "Phone/1"})
    await api.login(profile["email"], headers={"User-Agent": "Laptop/2"})
    events = await api.events("user.signed_in")
    assert [e["new_device"] for e in events] == [True, False, True]
    assert set(events[0]) == {"user_id", "locale", "session_id", "new_device"}  # the device stays in the session
    async with api.container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        device = await UsersSignInDevices().sign_in_device(
            uow, uuid.UUID(profile["id"]), uuid.UUID(events[0]["session_id"])
        )
    assert device is not None and device[1] == "Phone/1"


async def test_concurrent_use_of_one_refresh_token_rotates_at_most_once(api: Api) -> None:
    import asyncio

    _, tokens = await api.user()
    results = await asyncio.gather(*(refresh(api, tokens["refresh_token"]) for _ in range(4)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) <= 1 and codes.count(401) >= 3
    async with api.container.db.system_session() as s:
        rows = (await s.scalars(select(RefreshToken))).all()
    # every token of the family ends revoked: concurrent presentation is treated as reuse
    assert len(rows) == 1 + codes.count(200) and all(r.revoked_at is not None for r in rows)
