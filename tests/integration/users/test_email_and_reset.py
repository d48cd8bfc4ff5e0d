"""Email verification and password reset: single use, expiring, hashed tokens (issue 3, point 5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from ecovarejo.users.authflows import sha256
from ecovarejo.users.models import OneTimeToken

from .conftest import PASSWORD, Api

NEW_PASSWORD = "Outro-Segredo-Bem-Longo"


async def test_email_verification(api: Api) -> None:
    profile, tokens = await api.user()
    [event] = await api.events("user.email_verification_requested")
    assert set(event) == {"user_id", "locale", "token", "verify_url", "expires_at"}  # no e-mail, no name
    assert event["user_id"] == profile["id"] and event["verify_url"].endswith(f"/verify-email?token={event['token']}")
    async with api.container.db.system_session() as s:
        stored = (await s.scalars(select(OneTimeToken.token_hash))).all()
    assert stored == [sha256(event["token"])]  # only the hash is stored
    r = await api.client.post("/api/v1/auth/verify-email", json={"token": event["token"]})
    assert r.status_code == 200 and r.json() == {"email_verified": True}
    assert (await api.client.get("/api/v1/users/profile", headers=api.auth(tokens))).json()["email_verified"] is True
    r = await api.client.post("/api/v1/auth/verify-email", json={"token": event["token"]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_token"  # single use
    r = await api.client.post("/api/v1/auth/verify-email/request", headers=api.auth(tokens))
    assert r.status_code == 409


async def test_a_new_verification_link_voids_the_old_and_expiry_is_enforced(api: Api) -> None:
    _, tokens = await api.user()
    r = await api.client.post("/api/v1/auth/verify-email/request", headers=api.auth(tokens))
    assert r.status_code == 202
    old, new = await api.events("user.email_verification_requested")
    assert (await api.client.post("/api/v1/auth/verify-email", json={"token": old["token"]})).status_code == 422
    async with api.container.db.system_session() as s:
        row = await s.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == sha256(new["token"])))
        await s.execute(
            update(OneTimeToken)
            .where(OneTimeToken.id == row.id)
            .values(expires_at=row.created_at - timedelta(seconds=1))
        )
        await s.commit()
    assert (await api.client.post("/api/v1/auth/verify-email", json={"token": new["token"]})).status_code == 422


async def test_password_reset_revokes_all_sessions(api: Api) -> None:
    profile, a = await api.user()
    b = await api.login(profile["email"])
    r = await api.client.post("/api/v1/auth/password/forgot", json={"email": profile["email"].upper()})
    assert r.status_code == 202
    [event] = await api.events("user.password_reset_requested")
    assert set(event) == {"user_id", "locale", "token", "reset_url", "expires_at"}
    r = await api.client.post("/api/v1/auth/password/reset", json={"token": event["token"], "new_password": "password"})
    assert r.status_code == 422 and r.json()["code"] == "weak_password"
    r = await api.client.post(
        "/api/v1/auth/password/reset", json={"token": event["token"], "new_password": NEW_PASSWORD}
    )
    assert r.status_code == 204
    for t in (a, b):
        r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": t["refresh_token"]})
        assert r.status_code == 401
    assert (
        await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
    ).status_code == 401
    await api.login(profile["email"], NEW_PASSWORD)
    r = await api.client.post(
        "/api/v1/auth/password/reset", json={"token": event["token"], "new_password": "Terceira-Senha-Boa"}
    )
    assert r.status_code == 422  # single use
    changed = await api.events("user.password_changed")
    assert changed and all("token" not in e and "password" not in e and "password_hash" not in e for e in changed)


async def test_forgot_password_does_not_reveal_accounts(api: Api) -> None:
    r = await api.client.post("/api/v1/auth/password/forgot", json={"email": "nobody@example.com"})
    assert r.status_code == 202
    known = await api.register()
    r2 = await api.client.post("/api/v1/auth/password/forgot", json={"email": known["email"]})
    assert r2.status_code == 202 and r2.json() == r.json()
    assert len(await api.events("user.password_reset_requested")) == 1


async def test_change_password(api: Api) -> None:
    profile, tokens = await api.user()
    h = api.auth(tokens)
    r = await api.client.post(
        "/api/v1/auth/password/change",
        json={"current_password": "wrong-one-here", "new_password": NEW_PASSWORD},
        headers=h,
    )
    assert r.status_code == 401
    r = await api.client.post(
        "/api/v1/auth/password/change", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=h
    )
    assert r.status_code == 204
    assert (
        await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 401
    await api.login(profile["email"], NEW_PASSWORD)
