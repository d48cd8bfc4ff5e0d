"""The public service other contexts use: sign-in for server-rendered pages and LGPD export/erasure."""

from __future__ import annotations

import uuid

import pyotp
import pytest

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.errors import Unauthorized
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.users import service
from ecovarejo.users.models import Company, CompanyJoinRequest

from .conftest import PASSWORD, Api
from .test_accounts import ADDRESS


async def test_sign_in_refresh_sign_out(api: Api) -> None:
    profile = await api.register()
    c = api.container
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        with pytest.raises(Unauthorized):
            await service.sign_in(c, uow, profile["email"], "wrong-password", ip="1.2.3.4", user_agent="t")
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        signed = await service.sign_in(c, uow, profile["email"], PASSWORD, ip="1.2.3.4", user_agent="t")
        await uow.commit()
    assert signed.access_token and signed.refresh_token and signed.mfa_token is None
    principal = await c.ports.get(Authenticator).authenticate(signed.access_token, DEFAULT_TENANT_ID)
    assert str(principal.user_id) == profile["id"]
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        again = await service.refresh_session(c, uow, signed.refresh_token, ip=None, user_agent="t")
        await uow.commit()
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        await service.sign_out(c, uow, again.refresh_token)
        await uow.commit()
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        with pytest.raises(Unauthorized):
            await service.refresh_session(c, uow, again.refresh_token, ip=None, user_agent="t")


async def test_sign_in_with_mfa(api: Api) -> None:
    profile, tokens = await api.user()
    h = api.auth(tokens)
    secret = (await api.client.post("/api/v1/users/mfa/enroll", headers=h)).json()["secret"]
    await api.client.post("/api/v1/users/mfa/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=h)
    c = api.container
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        first = await service.sign_in(c, uow, profile["email"], PASSWORD, ip=None, user_agent=None)
        await uow.commit()
    assert first.mfa_token and first.access_token is None
    import time

    async with c.uow(DEFAULT_TENANT_ID) as uow:
        done = await service.sign_in_mfa(
            c, uow, first.mfa_token, code=pyotp.TOTP(secret).at(time.time() + 30), ip=None, user_agent=None
        )
        await uow.commit()
    assert done.access_token


async def test_export_and_erase(api: Api) -> None:
    profile, tokens = await api.user(cpf="529.982.247-25", phone="11 90000-0000")
    h = api.auth(tokens)
    await api.client.post("/api/v1/users/addresses", json=ADDRESS, headers=h)
    uid = uuid.UUID(profile["id"])
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        data = await service.export_personal_data(uow, uid)
        assert await service.export_personal_data(uow, uuid.uuid4()) is None
    assert data["users"][0]["cpf"] == "52998224725" and data["users"][0]["email"] == profile["email"]
    assert "password_hash" not in data["users"][0] and "mfa_secret" not in data["users"][0]
    assert data["user_addresses"][0]["postal_code"] == "01310-100"
    assert {e["purpose"] for e in data["consent_ledger"]} == {"terms", "privacy", "marketing"}
    assert "refresh_tokens" in data and data["refresh_tokens"][0]["user_agent"]
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        # before having an account, the person had tried to register a company that already had one
        company = Company(cnpj="12ABC34501DE35", legal_name="Verde Atacado Ltda")
        uow.session.add(company)
        await uow.flush()
        joined = CompanyJoinRequest(company_id=company.id, requester_email=profile["email"])
        uow.session.add(joined)
        await uow.commit()
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        assert await service.erase_personal_data(uow, uid) is True
        await uow.commit()
    async with api.container.db.system_session() as s:
        assert await s.get(CompanyJoinRequest, joined.id) is None  # the attempt made from the address is gone
    async with api.container.uow(DEFAULT_TENANT_ID) as uow:
        after = await service.export_personal_data(uow, uid)
    user = after["users"][0]
    assert user["cpf"] is None and user["phone"] is None and user["email"].endswith("@erased.invalid")
    assert user["first_name"] == "-" and after["user_addresses"] == [] and after["refresh_tokens"] == []
    assert len(after["consent_ledger"]) == 3 and all(e["ip"] is None for e in after["consent_ledger"])
    r = await api.client.post("/api/v1/auth/login", json={"email": profile["email"], "password": PASSWORD})
    assert r.status_code == 401
    assert (await api.client.get("/api/v1/users/profile", headers=h)).status_code == 401
    r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401
    assert await api.events("user.erased") == [{"user_id": profile["id"]}]
    # the email is free again
    await api.register(profile["email"])


async def test_account_pages_through_the_service(api: Api) -> None:
    from ecovarejo.core.errors import InvalidInput

    c = api.container
    fields = {
        "email": "Page@Example.com",
        "password": PASSWORD,
        "first_name": "P",
        "last_name": "Q",
        "accept_terms": True,
        "accept_privacy": True,
    }
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        with pytest.raises(InvalidInput) as info:
            await service.register(c, uow, {**fields, "user_type": "admin"}, ip=None)
        assert info.value.code == "validation_error"
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        view = await service.register(c, uow, fields, ip="10.0.0.1")
        await uow.commit()
    assert view.email == "page@example.com" and view.user_type == "customer"
    [verify] = await api.events("user.email_verification_requested")
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        await service.confirm_email(c, uow, verify["token"])
        await service.request_password_reset(c, uow, "nobody@example.com")
        await service.request_password_reset(c, uow, "PAGE@example.com")
        await uow.commit()
    [reset] = await api.events("user.password_reset_requested")
    async with c.uow(DEFAULT_TENANT_ID) as uow:
        await service.reset_password(c, uow, reset["token"], "Nova-Senha-Comprida-9")
        await uow.commit()
    await api.login("page@example.com", "Nova-Senha-Comprida-9")
