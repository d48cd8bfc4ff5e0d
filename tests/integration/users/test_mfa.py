"""TOTP MFA: enrolment with QR, confirmation, login step-up, drift, replay, recovery codes, disable
(issue 3, point 6)."""

from __future__ import annotations

import base64
import time

import pyotp

from .conftest import PASSWORD, Api


async def enable_mfa(api: Api, tokens: dict) -> tuple[str, list[str]]:
    h = api.auth(tokens)
    r = await api.client.post("/api/v1/users/mfa/enroll", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/") and f"secret={body['secret']}" in body["otpauth_uri"]
    assert body["qr_png"].startswith("data:image/png;base64,")
    png = base64.b64decode(body["qr_png"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    totp = pyotp.TOTP(body["secret"])
    r = await api.client.post("/api/v1/users/mfa/confirm", json={"code": "000000"}, headers=h)
    assert r.status_code == 422
    r = await api.client.post("/api/v1/users/mfa/confirm", json={"code": totp.at(time.time() - 30)}, headers=h)
    assert r.status_code == 200, r.text  # one step of drift is accepted
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return body["secret"], codes


async def test_mfa_login_step_up_and_replay(api: Api) -> None:
    profile, tokens = await api.user()
    secret, _ = await enable_mfa(api, tokens)
    assert (await api.events("user.mfa_enabled"))[0]["user_id"] == profile["id"]
    r = await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
    assert r.status_code == 200
    challenge = r.json()
    assert challenge["mfa_required"] is True and "access_token" not in challenge
    # the challenge token is not an access token
    assert (await api.client.get("/api/v1/users/profile", headers=api.auth(challenge["mfa_token"]))).status_code == 401
    code = pyotp.TOTP(secret).now()
    r = await api.client.post("/api/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
    assert r.status_code == 200 and r.json()["access_token"]
    # the same code (same time step) is refused the second time, even with a fresh challenge
    challenge = (
        await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
    ).json()
    r = await api.client.post("/api/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
    assert r.status_code == 401 and r.json()["code"] == "invalid_mfa_code"
    r = await api.client.post("/api/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": "123456"})
    assert r.status_code == 401


async def test_drift_beyond_one_step_is_refused(api: Api) -> None:
    profile, tokens = await api.user()
    secret, _ = await enable_mfa(api, tokens)
    challenge = (
        await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
    ).json()
    old = pyotp.TOTP(secret).at(time.time() - 120)
    r = await api.client.post("/api/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": old})
    assert r.status_code == 401


async def test_recovery_codes_are_single_use(api: Api) -> None:
    profile, tokens = await api.user()
    _, codes = await enable_mfa(api, tokens)
    for expected in (200, 401):
        challenge = (
            await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
        ).json()
        r = await api.client.post(
            "/api/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "recovery_code": codes[0]}
        )
        assert r.status_code == expected


async def test_disable_requires_password_and_second_factor(api: Api) -> None:
    profile, tokens = await api.user()
    _, codes = await enable_mfa(api, tokens)
    h = api.auth(tokens)
    r = await api.client.post(
        "/api/v1/users/mfa/disable", json={"password": "wrong-password!", "recovery_code": codes[1]}, headers=h
    )
    assert r.status_code == 401
    r = await api.client.post("/api/v1/users/mfa/disable", json={"password": PASSWORD, "code": "000000"}, headers=h)
    assert r.status_code == 401
    r = await api.client.post(
        "/api/v1/users/mfa/disable", json={"password": PASSWORD, "recovery_code": codes[1]}, headers=h
    )
    assert r.status_code == 204
    assert (await api.events("user.mfa_disabled"))[0]["user_id"] == profile["id"]
    assert "access_token" in await api.login(profile["email"])
    assert (await api.client.get("/api/v1/users/profile", headers=h)).json()["mfa_enabled"] is False


async def test_secret_is_encrypted_at_rest(api: Api) -> None:
    from sqlalchemy import select

    from ecovarejo.users.models import User

    profile, tokens = await api.user()
    secret, _ = await enable_mfa(api, tokens)
    async with api.container.db.system_session() as s:
        stored = await s.scalar(select(User.mfa_secret).where(User.email == profile["email"]))
    assert stored and secret not in stored


def _amr(access_token: str) -> list[str]:
    import json

    payload = access_token.split(".")[1]
    return list(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["amr"])


async def test_a_session_opened_before_enrolment_does_not_become_a_two_step_session(api: Api) -> None:
    """Issue #12: tokens are re-issued with the account's MFA state, so the password-only sessions
    opened before enrolment end when MFA is turned on; the enrolling session goes on (it proved a code)."""
    profile, enrolling = await api.user()
    r = await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
    other = r.json()
    assert r.status_code == 200 and _amr(other["access_token"]) == ["pwd"]
    await enable_mfa(api, enrolling)
    # the other device's session is over: its access token and its refresh token both stop at once
    r = await api.client.get("/api/v1/users/profile", headers=api.auth(other))
    assert r.status_code == 401 and r.json()["code"] == "session_revoked", r.text
    r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": other["refresh_token"]})
    assert r.status_code == 401, r.text
    # the enrolling session refreshes into a two-step session
    r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": enrolling["refresh_token"]})
    assert r.status_code == 200, r.text
    assert "mfa" in _amr(r.json()["access_token"])
