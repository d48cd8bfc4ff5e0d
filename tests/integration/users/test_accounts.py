"""Registration, password policy, profile and addresses (issue 3, points 1, 2, 8)."""

from __future__ import annotations

from sqlalchemy import select

from ecovarejo.users.models import User
from ecovarejo.users.passwords import HASHER
from tests.support import make_tenant

from .conftest import PASSWORD, Api


async def test_register_login_profile(api: Api) -> None:
    profile = await api.register("Maria.Silva@Example.com", phone="+5511999990000", marketing_opt_in=True)
    assert profile["email"] == "maria.silva@example.com"
    assert profile["user_type"] == "customer" and profile["is_active"] is True
    assert profile["email_verified"] is False and profile["sustainability_score"] == 0
    assert "password_hash" not in profile
    registered = await api.events("user.registered")
    assert registered == [
        {
            "user_id": profile["id"],  # issue #15: events name people by id; mail resolves the contact
            "locale": "pt-BR",
            "user_type": "customer",
            "marketing_opt_in": True,
        }
    ]
    tokens = await api.login("MARIA.SILVA@example.com")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["refresh_token"]
    r = await api.client.get("/api/v1/users/profile", headers=api.auth(tokens))
    assert r.status_code == 200 and r.json()["id"] == profile["id"]
    async with api.container.db.system_session() as s:
        stored = await s.scalar(select(User.password_hash).where(User.email == "maria.silva@example.com"))
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored


async def test_unique_email_per_tenant(api: Api) -> None:
    dup = await api.register("dup@example.com")
    r = await api.client.post(
        "/api/v1/auth/register",
        json={
            "email": "dup@example.com",
            "password": PASSWORD,
            "first_name": "A",
            "last_name": "B",
            "accept_terms": True,
            "accept_privacy": True,
        },
    )
    # issue #12: the answer does not reveal the account (it looks like a sign-up); its owner is e-mailed
    assert r.status_code == 201 and r.json()["email"] == "dup@example.com", r.text
    attempts = await api.events("user.registration_attempted")
    assert [e["user_id"] for e in attempts] == [dup["id"]]  # the account's owner, by id (issue #15)
    r = await api.client.post("/api/v1/auth/login", json={"email": "dup@example.com", "password": PASSWORD})
    assert r.status_code == 200  # the original account is untouched
    other = await make_tenant(api.container)
    await api.register("dup@example.com", tenant=str(other))  # another tenant: its own namespace


async def test_a_cpf_that_has_an_account_is_not_revealed_at_sign_up(api: Api) -> None:
    """One account per CPF, without telling a stranger whose CPF has one (issue #12): the sign-up
    answers 201 like any other, creates nothing, and the CPF's account is e-mailed instead."""
    first = await api.register("first@example.com", cpf="529.982.247-25")
    body = {"email": "second@example.com", "password": PASSWORD, "first_name": "A", "last_name": "B",
            "cpf": "52998224725", "accept_terms": True, "accept_privacy": True}  # fmt: skip
    r = await api.client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201 and r.json()["email"] == "second@example.com", r.text
    attempts = await api.events("user.registration_attempted")
    assert [e["user_id"] for e in attempts] == [first["id"]]  # by id: the e-mail is resolved at send time
    r = await api.client.post("/api/v1/auth/login", json={"email": "second@example.com", "password": PASSWORD})
    assert r.status_code == 401  # no second account was made


async def test_terms_and_privacy_are_required(api: Api) -> None:
    for missing in ("accept_terms", "accept_privacy"):
        body = {
            "email": "x@example.com",
            "password": PASSWORD,
            "first_name": "A",
            "last_name": "B",
            "accept_terms": True,
            "accept_privacy": True,
            missing: False,
        }
        r = await api.client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 422 and r.json()["code"] == "consent_required"
    async with api.container.db.system_session() as s:
        assert (await s.scalar(select(User).where(User.email == "x@example.com"))) is None


async def test_password_policy(api: Api) -> None:
    base = {"first_name": "A", "last_name": "B", "accept_terms": True, "accept_privacy": True}
    for i, bad in enumerate(["short7!", "password1", "Senha123", "qwertyuiop", "weak.user@example.com"]):
        email = "weak.user@example.com" if "@" in bad else f"w{i}@example.com"
        r = await api.client.post("/api/v1/auth/register", json={**base, "email": email, "password": bad})
        assert r.status_code == 422 and r.json()["code"] == "weak_password", bad
    long_pw = "correct horse battery staple " * 4  # 116 characters, accepted and not truncated
    r = await api.client.post("/api/v1/auth/register", json={**base, "email": "long@example.com", "password": long_pw})
    assert r.status_code == 201
    assert (
        await api.client.post("/api/v1/auth/login", json={"email": "long@example.com", "password": long_pw})
    ).status_code == 200
    truncated = long_pw[:72]
    r = await api.client.post("/api/v1/auth/login", json={"email": "long@example.com", "password": truncated})
    assert r.status_code == 401


async def test_rehash_on_login_when_parameters_change(api: Api) -> None:
    from argon2 import PasswordHasher

    profile = await api.register()
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with api.container.db.system_session() as s:
        user = await s.get(User, __import__("uuid").UUID(profile["id"]))
        user.password_hash = weak
        await s.commit()
    await api.login(profile["email"])
    async with api.container.db.system_session() as s:
        stored = await s.scalar(select(User.password_hash).where(User.email == profile["email"]))
    assert stored != weak and not HASHER.check_needs_rehash(stored)
    await api.login(profile["email"])


async def test_profile_update_ignores_privileged_fields(api: Api) -> None:
    profile, tokens = await api.user()
    h = api.auth(tokens)
    r = await api.client.put(
        "/api/v1/users/profile",
        json={"first_name": "Joana", "phone": "11 98888-7777", "cpf": "529.982.247-25", "locale": "en"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["first_name"] == "Joana" and body["cpf"] == "52998224725" and body["locale"] == "en"
    updated = await api.events("user.updated")
    assert updated[-1] == {"user_id": profile["id"], "locale": "en"}  # ids only (issue #15)
    for field, value in [
        ("user_type", "admin"),
        ("is_active", False),
        ("tenant_id", "00000000-0000-0000-0000-000000000000"),
        ("sustainability_score", 9999),
        ("email_verified", True),
        ("permissions", ["manage_users"]),
        ("id", "00000000-0000-0000-0000-000000000001"),
    ]:
        r = await api.client.put("/api/v1/users/profile", json={"first_name": "Eve", field: value}, headers=h)
        assert r.status_code == 422, field
    r = await api.client.put("/api/v1/users/profile", json={"cpf": "111.111.111-11"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cpf"
    after = (await api.client.get("/api/v1/users/profile", headers=h)).json()
    assert after["user_type"] == "customer" and after["is_active"] and after["sustainability_score"] == 0
    assert after["first_name"] == "Joana" and after["email_verified"] is False


async def test_profile_needs_a_token(api: Api) -> None:
    r = await api.client.get("/api/v1/users/profile")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


ADDRESS = {"address_line1": "Av. Paulista, 1000", "city": "São Paulo", "state": "sp", "postal_code": "01310100"}


async def test_addresses_crud_and_one_default(api: Api) -> None:
    _, tokens = await api.user()
    h = api.auth(tokens)
    first = (await api.client.post("/api/v1/users/addresses", json=ADDRESS, headers=h)).json()
    assert first["is_default"] is True and first["postal_code"] == "01310-100" and first["state"] == "SP"
    assert first["country"] == "Brasil"
    second = await api.client.post("/api/v1/users/addresses", json={**ADDRESS, "address_line1": "Rua B, 2"}, headers=h)
    assert second.status_code == 201 and second.json()["is_default"] is False
    second = second.json()
    r = await api.client.put(
        f"/api/v1/users/addresses/{second['id']}",
        json={**ADDRESS, "address_line1": "Rua B, 3", "is_default": True},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["is_default"] and r.json()["address_line1"] == "Rua B, 3"
    items = (await api.client.get("/api/v1/users/addresses", headers=h)).json()
    assert [a["is_default"] for a in items].count(True) == 1 and items[0]["id"] == second["id"]
    assert (await api.client.get(f"/api/v1/users/addresses/{first['id']}", headers=h)).json()["is_default"] is False
    assert (await api.client.delete(f"/api/v1/users/addresses/{second['id']}", headers=h)).status_code == 204
    items = (await api.client.get("/api/v1/users/addresses", headers=h)).json()
    assert len(items) == 1 and items[0]["id"] == first["id"] and items[0]["is_default"] is True
    for bad in ("1234", "00000-000", "ABCDE-123"):
        r = await api.client.post("/api/v1/users/addresses", json={**ADDRESS, "postal_code": bad}, headers=h)
        assert r.status_code == 422, bad
    assert len((await api.client.get("/api/v1/users/addresses", headers=h)).json()) == 1
