"""Page-level helpers shared by the web tests: sign up, promote to staff, turn MFA on, sign in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pyotp

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

PASSWORD = "uma-senha-bem-longa-2024"


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def register(web: httpx.AsyncClient, email: str, first_name: str = "Ana") -> httpx.Response:
    page = await web.get("/conta/cadastro")
    return await web.post(
        "/conta/cadastro",
        data={
            "csrf_token": csrf_from(page.text),
            "first_name": first_name,
            "last_name": "Souza",
            "email": email,
            "password": PASSWORD,
            "accept_terms": "on",
            "accept_privacy": "on",
        },
    )


async def sign_in(
    web: httpx.AsyncClient, email: str, *, totp: pyotp.TOTP | None = None, admin: bool = False
) -> httpx.Response:
    base = "/admin/entrar" if admin else "/conta/entrar"
    page = await web.get(base)
    r = await web.post(
        base,
        data={
            "csrf_token": csrf_from(page.text),
            "email": email,
            "password": PASSWORD,
            "next": "/admin" if admin else "/conta",
        },
    )
    if totp is None:
        return r
    token = re.search(r'name="mfa_token" value="([^"]+)"', r.text)
    assert token, r.text
    # a fresh step (the previous one may have been used already)
    code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    return await web.post(
        f"{base}/mfa",
        data={
            "csrf_token": csrf_from(r.text),
            "mfa_token": token.group(1),
            "code": code,
            "next": "/admin" if admin else "/conta",
        },
    )


async def enable_mfa(web: httpx.AsyncClient) -> pyotp.TOTP:
    page = await web.get("/conta/seguranca")
    enroll = await web.post("/conta/seguranca/mfa", data={"csrf_token": csrf_from(page.text)})
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7]+)</code>', enroll.text)
    assert secret, enroll.text
    totp = pyotp.TOTP(secret.group(1))
    done = await web.post(
        "/conta/seguranca/mfa/confirmar",
        data={"csrf_token": csrf_from(enroll.text), "code": totp.now(), "secret": secret.group(1)},
    )
    assert 'id="recovery-codes"' in done.text, done.text
    return totp


async def make_staff(
    web: httpx.AsyncClient,
    container: Container,
    email: str,
    *,
    user_type: str = "admin",
    permissions: tuple[str, ...] = (),
    mfa: bool = True,
) -> pyotp.TOTP | None:
    """A registered account promoted by an administrator, signed in (with MFA on when ``mfa``)."""
    await register(web, email)
    profile = (await web.get("/conta")).text
    assert email in profile
    me = await web.get("/api/v1/users/profile", headers=bearer(web.cookies.get("ev_access") or ""))
    user_id = me.json()["id"]
    root = token_for(container, DEFAULT_TENANT_ID, "admin")
    r = await web.put(
        f"/api/v1/admin/users/{user_id}/role",
        json={"user_type": user_type, "permissions": list(permissions)},
        headers=bearer(root),
    )
    assert r.status_code == 200, r.text
    totp = await enable_mfa(web) if mfa else None
    web.cookies.clear()
    r = await sign_in(web, email, totp=totp, admin=True)
    assert r.status_code == 303, r.text
    return totp
