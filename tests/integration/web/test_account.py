"""Account pages over the users context: register, sign in, MFA, profile, addresses, privacy."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pyotp

from .conftest import csrf_from

PASSWORD = "uma-senha-bem-longa-2024"


async def register(web: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await web.get("/conta/cadastro")
    assert page.status_code == 200
    return await web.post(
        "/conta/cadastro",
        data={
            "csrf_token": csrf_from(page.text),
            "first_name": "Ana",
            "last_name": "Souza",
            "email": email,
            "password": PASSWORD,
            "accept_terms": "on",
            "accept_privacy": "on",
        },
    )


async def sign_in(web: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await web.get("/conta/entrar")
    return await web.post(
        "/conta/entrar",
        data={"csrf_token": csrf_from(page.text), "email": email, "password": password, "next": "/conta"},
    )


def set_cookie_headers(r: httpx.Response) -> list[str]:
    return [v for k, v in r.headers.multi_items() if k == "set-cookie"]


async def test_register_signs_in_with_httponly_secure_cookies_and_shows_the_account(web: httpx.AsyncClient) -> None:
    r = await register(web, "ana@example.com")
    assert r.status_code == 303 and r.headers["location"].startswith("/conta")
    cookies = set_cookie_headers(r)
    access = next(c for c in cookies if c.startswith("ev_access="))
    refresh = next(c for c in cookies if c.startswith("ev_refresh="))
    for c in (access, refresh):
        assert "HttpOnly" in c and "Secure" in c and "samesite" in c.lower()
    assert "SameSite=strict" in refresh or "samesite=strict" in refresh.lower()
    page = await web.get("/conta")
    assert page.status_code == 200
    assert "ana@example.com" in page.text and 'value="Ana"' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_account_pages_send_the_anonymous_to_sign_in(web: httpx.AsyncClient) -> None:
    for path in ("/conta", "/conta/enderecos", "/conta/seguranca", "/conta/privacidade"):
        r = await web.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"] == f"/conta/entrar?next={path}"


async def test_wrong_password_is_refused_without_saying_which_part(web: httpx.AsyncClient) -> None:
    await register(web, "bia@example.com")
    web.cookies.clear()
    r = await sign_in(web, "bia@example.com", "errada-errada-errada")
    assert r.status_code == 401
    assert "E-mail, senha ou código inválidos." in r.text
    assert not any(c.startswith("ev_access=") for c in set_cookie_headers(r))


async def test_register_with_bad_input_shows_the_errors_and_keeps_the_fields(web: httpx.AsyncClient) -> None:
    page = await web.get("/conta/cadastro")
    r = await web.post(
        "/conta/cadastro",
        data={
            "csrf_token": csrf_from(page.text),
            "first_name": "Caio",
            "last_name": "Lima",
            "email": "not-an-email",
            "password": PASSWORD,
            "accept_terms": "on",
            "accept_privacy": "on",
        },
    )
    assert r.status_code == 422
    assert 'value="Caio"' in r.text and 'aria-invalid="true"' in r.text
    assert PASSWORD not in r.text


async def test_enable_mfa_then_sign_in_with_a_totp_code(web: httpx.AsyncClient) -> None:
    await register(web, "duda@example.com")
    page = await web.get("/conta/seguranca")
    enroll = await web.post("/conta/seguranca/mfa", data={"csrf_token": csrf_from(page.text)})
    assert enroll.status_code == 200
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7]+)</code>', enroll.text)
    assert secret, enroll.text
    assert 'src="data:image/png;base64,' in enroll.text
    totp = pyotp.TOTP(secret.group(1))
    confirmed = await web.post(
        "/conta/seguranca/mfa/confirmar",
        data={"csrf_token": csrf_from(enroll.text), "code": totp.now(), "secret": secret.group(1)},
    )
    assert confirmed.status_code == 200
    assert 'id="recovery-codes"' in confirmed.text
    # sign out, then in again: the password alone is not enough
    out = await web.post("/conta/sair", data={"csrf_token": csrf_from(confirmed.text)})
    assert out.status_code == 303
    web.cookies.clear()
    step1 = await sign_in(web, "duda@example.com")
    assert step1.status_code == 200
    assert 'name="mfa_token"' in step1.text
    assert not any(c.startswith("ev_access=") for c in set_cookie_headers(step1))
    token = re.search(r'name="mfa_token" value="([^"]+)"', step1.text).group(1)
    bad = await web.post(
        "/conta/entrar/mfa",
        data={"csrf_token": csrf_from(step1.text), "mfa_token": token, "code": "000000", "next": "/conta"},
    )
    assert bad.status_code == 401
    # The enrolment already used this time step (codes are single-use); the next step is within the drift window.
    code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    ok = await web.post(
        "/conta/entrar/mfa",
        data={"csrf_token": csrf_from(step1.text), "mfa_token": token, "code": code, "next": "/conta"},
    )
    assert ok.status_code == 303, ok.text
    assert any(c.startswith("ev_access=") for c in set_cookie_headers(ok))
    sec = await web.get("/conta/seguranca")
    assert 'id="mfa-status"' in sec.text


async def test_addresses_and_consents(web: httpx.AsyncClient) -> None:
    await register(web, "eva@example.com")
    page = await web.get("/conta/enderecos")
    bad = await web.post(
        "/conta/enderecos",
        data={
            "csrf_token": csrf_from(page.text),
            "postal_code": "123",
            "address_line1": "Rua A, 1",
            "city": "X",
            "state": "SP",
        },
    )
    assert bad.status_code == 422
    ok = await web.post(
        "/conta/enderecos",
        data={
            "csrf_token": csrf_from(page.text),
            "postal_code": "01310-100",
            "address_line1": "Av. Paulista, 1000",
            "city": "São Paulo",
            "state": "sp",
            "is_default": "on",
        },
    )
    assert ok.status_code == 303
    listing = await web.get("/conta/enderecos")
    remove = re.search(r'action="(/conta/enderecos/[0-9a-f-]+/remover)"', listing.text).group(1)
    assert (
        await web.post("/conta/enderecos/not-a-uuid/remover", data={"csrf_token": csrf_from(page.text)})
    ).status_code == 422
    assert "Av. Paulista, 1000" in listing.text, listing.text[listing.text.index("<main") :]
    assert "01310-100" in listing.text
    gone = await web.post(remove, data={"csrf_token": csrf_from(page.text)})
    assert gone.status_code == 303
    assert "Av. Paulista, 1000" not in (await web.get("/conta/enderecos")).text
    priv = await web.get("/conta/privacidade")
    assert priv.status_code == 200 and 'name="marketing"' in priv.text
    assert 'name="marketing" checked' not in priv.text
    saved = await web.post("/conta/privacidade", data={"csrf_token": csrf_from(priv.text), "marketing": "on"})
    assert saved.status_code == 303
    again = await web.get("/conta/privacidade")
    assert re.search(r'name="marketing"\s+checked', again.text)
    assert "marketing" in again.text and "Sim" in again.text


async def test_an_expired_access_cookie_is_renewed_with_the_refresh_cookie(web: httpx.AsyncClient) -> None:
    await register(web, "renova@example.com")
    old_refresh = web.cookies.get("ev_refresh")
    web.cookies.delete("ev_access")
    page = await web.get("/conta")
    assert page.status_code == 200 and "renova@example.com" in page.text
    renewed = [v for k, v in page.headers.multi_items() if k == "set-cookie"]
    assert any(c.startswith("ev_access=") for c in renewed)
    assert web.cookies.get("ev_refresh") not in (None, old_refresh)  # rotated
    # a refresh token that was already used is refused: the visitor is simply signed out
    web.cookies.clear()
    web.cookies.set("ev_refresh", old_refresh)
    again = await web.get("/conta")
    assert again.status_code == 303 and again.headers["location"].startswith("/conta/entrar")


async def test_notification_channels_on_the_privacy_page(web: httpx.AsyncClient) -> None:
    await register(web, "canais@example.com")
    page = await web.get("/conta/privacidade")
    channels = re.findall(r'name="channel_(\w+)"( checked)?', page.text)
    assert ("email", " checked") in channels, channels
    form = {"csrf_token": csrf_from(page.text)}
    form.update({f"channel_{name}": "on" for name, on in channels if name != "email"})
    r = await web.post("/conta/notificacoes", data=form)
    assert r.status_code == 303
    token = web.cookies.get("ev_access")
    prefs = (await web.get("/api/v1/notifications/preferences", headers={"Authorization": f"Bearer {token}"})).json()
    assert prefs["channels"]["email"] is False
    assert all(prefs["channels"][name] for name, _ in channels if name != "email")
