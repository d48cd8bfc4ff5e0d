"""Encryption at rest (LGPD art. 46): CPF, phone and the addresses' recipient, street and CEP are ciphertext in
the database, found by CPF through a blind index; the 90-day rotation re-encrypts in resumable batches,
old keys decrypt until retired; key-encryption keys rotate by re-wrapping; rows written before
encryption are encrypted by the migration and by the job."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ecovarejo.bootstrap import build_container
from ecovarejo.core import crypto, migrate
from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.core.settings import Settings, get_settings
from ecovarejo.privacy.keys import rotate
from ecovarejo.users import repository as users_repo
from ecovarejo.users.models import Address, User
from tests.conftest import make_settings
from tests.support import make_tenant

from .conftest import PrivacyApi

CPF = "52998224725"
PHONE = "+5511987654321"
STREET = "Rua das Palmeiras 1234"
CEP = "01310-100"


def _valid_cpf(base: str) -> str:
    digits = [int(c) for c in base]
    for length in (9, 10):
        total = sum(d * (length + 1 - i) for i, d in enumerate(digits[:length]))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, digits))


async def _customer(api: PrivacyApi, cpf: str = "529.982.247-25") -> tuple[dict, dict[str, str]]:
    profile, tokens = await api.user(cpf=cpf, phone=PHONE)
    h = api.auth(tokens)
    r = await api.client.post(
        "/api/v1/users/addresses",
        json={
            "recipient_name": "Joana Prado",
            "address_line1": STREET,
            "address_line2": "apto 42",
            "city": "São Paulo",
            "state": "SP",
            "postal_code": "01310-100",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    return profile, h


async def _raw(container: Container, sql: str) -> list[tuple]:
    async with container.db.system_session() as s:
        return [tuple(r) for r in (await s.execute(text(sql))).all()]


async def test_personal_columns_hold_only_ciphertext(api: PrivacyApi, container: Container) -> None:
    profile, h = await _customer(api)
    users = await _raw(container, "SELECT cpf, phone, cpf_index FROM users WHERE cpf IS NOT NULL")
    addresses = await _raw(
        container, "SELECT recipient_name, address_line1, address_line2, postal_code, city FROM user_addresses"
    )
    stored = " ".join(str(v) for row in users + addresses for v in row)
    for plain in (CPF, "529.982.247", PHONE, "987654321", STREET, "Palmeiras", CEP, "01310100", "Joana", "apto 42"):
        assert plain not in stored
    cpf, phone, index = users[0]
    assert cpf.startswith(crypto.PREFIX) and phone.startswith(crypto.PREFIX) and len(index) == 64
    assert all(v.startswith(crypto.PREFIX) for v in addresses[0][:4]) and addresses[0][4] == "São Paulo"
    # the keys table holds them wrapped only
    keys = await _raw(container, "SELECT purpose, wrapped FROM crypto_keys")
    assert {k[0] for k in keys} == {"data", "index"} and all(len(k[1]) == 4 + 12 + 32 + 16 for k in keys)
    # the application reads them in clear
    me = (await api.client.get("/api/v1/users/profile", headers=h)).json()
    assert me["cpf"] == CPF and me["phone"] == PHONE
    listed = (await api.client.get("/api/v1/users/addresses", headers=h)).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert items[0]["address_line1"] == STREET and items[0]["postal_code"] == CEP
    # the export too
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        user = await uow.session.get(User, uuid.UUID(profile["id"]))
        assert user is not None and user.cpf == CPF


async def test_a_ciphertext_moved_to_another_column_does_not_decrypt(api: PrivacyApi, container: Container) -> None:
    await _customer(api)
    async with container.db.system_session() as s:
        await s.execute(text("UPDATE users SET phone = cpf WHERE cpf IS NOT NULL"))
        await s.commit()
    with pytest.raises(crypto.CryptoError):
        async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
            await uow.session.scalars(select(User.phone).where(User.cpf_index.isnot(None)))


async def test_lookup_by_cpf_goes_through_the_blind_index(api: PrivacyApi, container: Container) -> None:
    profile, _ = await _customer(api)
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        found = await users_repo.get_users_by_cpf(uow, CPF)
        assert [u.id for u in found] == [uuid.UUID(profile["id"])]
        assert await users_repo.get_users_by_cpf(uow, "11144477735") == []
    # another tenant: another index value, and no match
    other = await make_tenant(container, "loja-outra")
    async with container.uow(other, read_only=True) as uow:
        assert await users_repo.get_users_by_cpf(uow, CPF) == []
        assert users_repo.cpf_index(uow, CPF) != found[0].cpf_index
    # the admin finds the customer by CPF
    await api.make_admin(profile["email"])
    admin = api.auth(await api.login(profile["email"]))
    r = await api.client.get("/api/v1/admin/users", params={"q": "529.982.247-25"}, headers=admin)
    assert r.status_code == 200, r.text
    assert [u["id"] for u in r.json()["items"]] == [profile["id"]]


async def test_a_second_account_with_the_same_cpf_is_refused(api: PrivacyApi) -> None:
    await _customer(api)
    _, tokens = await api.user()
    r = await api.client.put("/api/v1/users/profile", json={"cpf": "529.982.247-25"}, headers=api.auth(tokens))
    assert r.status_code == 409 and r.json()["code"] == "cpf_taken"


async def _key_ids(container: Container) -> set[int | None]:
    rows = await _raw(container, "SELECT cpf, phone FROM users WHERE cpf IS NOT NULL")
    rows += await _raw(container, "SELECT address_line1, postal_code FROM user_addresses")
    return {crypto.key_id_of(v) for row in rows for v in row}


async def test_rotation_reencrypts_and_old_keys_decrypt_until_retired(api: PrivacyApi, container: Container) -> None:
    profile, h = await _customer(api)
    (old,) = await _key_ids(container)
    # not due: nothing changes
    report = await rotate(container)
    assert not report.new_key and report.current == old and report.remaining == 0
    # a new key, no row re-encrypted yet: old rows still decrypt, new writes use the new key
    report = await rotate(container, force_new_key=True, max_batches=0)
    new = report.current
    assert report.new_key and new != old and report.remaining >= 6
    assert (await api.client.get("/api/v1/users/profile", headers=h)).json()["cpf"] == CPF
    r = await api.client.put("/api/v1/users/profile", json={"phone": "+5511911112222"}, headers=h)
    assert r.status_code == 200
    assert crypto.key_id_of((await _raw(container, "SELECT phone FROM users WHERE cpf IS NOT NULL"))[0][0]) == new
    # the job finishes: every row under the new key; the old one is kept through the grace period...
    report = await rotate(container)
    assert report.remaining == 0 and report.retired == [] and await _key_ids(container) == {new}
    # ...then retired, its material erased
    report = await rotate(container, retire_grace=timedelta(0))
    assert report.retired == [old]
    retired = await _raw(container, f"SELECT status, wrapped FROM crypto_keys WHERE id = {old}")
    assert retired == [("retired", None)]
    me = (await api.client.get("/api/v1/users/profile", headers=h)).json()
    assert me["cpf"] == CPF and me["phone"] == "+5511911112222"
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        assert [u.id for u in await users_repo.get_users_by_cpf(uow, CPF)] == [uuid.UUID(profile["id"])]


async def test_rotation_runs_in_resumable_batches_every_90_days(api: PrivacyApi, container: Container) -> None:
    for n in range(3):
        await _customer(api, cpf=_valid_cpf(f"12345678{n}"))
    (old,) = await _key_ids(container)
    later = container.now() + timedelta(days=91)
    container.clock = lambda: later
    first = await rotate(container, batch=1, max_batches=2)  # stopped half-way
    assert first.new_key and first.reencrypted > 0 and first.remaining > 0
    assert await _key_ids(container) == {old, first.current}
    status = {r["id"]: r for r in await _status(container)}
    assert status[first.current]["remaining"] == first.remaining
    second = await rotate(container, batch=2)  # resumes where it stopped, same key
    assert not second.new_key and second.current == first.current and second.remaining == 0
    mine = ("users.", "user_addresses.")
    ours = [n for r in (first, second) for col, n in r.by_column.items() if col.startswith(mine)]
    assert sum(ours) == 3 * 2 + 3 * 4  # users: cpf, phone; addresses: 4 columns (messages to them rotate too)
    assert await _key_ids(container) == {first.current}


async def _status(container: Container) -> list[dict]:
    from ecovarejo.privacy.keys import status

    return await status(container)


async def test_rows_written_before_encryption_are_encrypted_by_the_job(api: PrivacyApi, container: Container) -> None:
    profile, h = await _customer(api)
    async with container.db.system_session() as s:  # as the columns were before the migration
        await s.execute(text(f"UPDATE users SET cpf = '{CPF}', phone = '{PHONE}', cpf_index = NULL"))
        await s.execute(text(f"UPDATE user_addresses SET address_line1 = '{STREET}'"))
        await s.commit()
    assert (await api.client.get("/api/v1/users/profile", headers=h)).json()["cpf"] == CPF
    report = await rotate(container)
    assert report.reencrypted == 3 and report.remaining == 0
    assert None not in await _key_ids(container)
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        assert [u.id for u in await users_repo.get_users_by_cpf(uow, CPF)] == [uuid.UUID(profile["id"])]


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def test_key_encryption_key_rotation_rewraps(api: PrivacyApi, container: Container, settings: Settings) -> None:
    profile, _ = await _customer(api)
    old_kek = crypto.Keks.from_settings("", settings.load_secret_key())
    new_kek = os.urandom(32)
    both = settings.model_copy(update={"data_kek": f"{_b64(new_kek)},{_b64(old_kek.keys[old_kek.current])}"})
    c2 = build_container(both, run_relay=False, run_consumers=False)
    try:
        report = await rotate(c2)
        assert report.rewrapped == 2 and not report.new_key
    finally:
        await c2.stop()
    only_new = settings.model_copy(update={"data_kek": _b64(new_kek)})
    c3 = build_container(only_new, run_relay=False, run_consumers=False)
    try:
        async with c3.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
            user = await uow.session.get(User, uuid.UUID(profile["id"]))
            assert user is not None and user.cpf == CPF
            assert [a.address_line1 for a in (await uow.session.scalars(select(Address))).all()] == [STREET]
    finally:
        await c3.stop()


async def test_the_migration_encrypts_existing_rows(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(db_url, tmp_path)
    monkeypatch.setenv("ECOVAREJO_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    try:
        migrate.downgrade(settings, "users_0001")
        c = build_container(settings, run_relay=False, run_consumers=False)
        uid = uuid.uuid4()
        try:
            async with c.db.system_session() as s:
                await s.execute(
                    text(
                        "INSERT INTO users (id, tenant_id, email, password_hash, first_name, last_name, phone, "
                        "user_type, is_active, email_verified, sustainability_score, locale, cpf, is_company_admin, "
                        "permissions, marketing_opt_in, mfa_enabled, created_at, updated_at) VALUES (:id, :t, "
                        "'old@example.com', 'x', 'Old', 'Row', :phone, 'customer', true, true, 0, 'pt-BR', :cpf, "
                        "false, '[]', false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": uid if c.db.is_postgres else uid.hex, "t": DEFAULT_TENANT_ID if c.db.is_postgres
                     else DEFAULT_TENANT_ID.hex, "phone": PHONE, "cpf": CPF},
                )  # fmt: skip
                await s.commit()
        finally:
            await c.stop()
        migrate.upgrade(settings)
        c = build_container(settings, run_relay=False, run_consumers=False)
        try:
            rows = await _raw(c, "SELECT cpf, phone, cpf_index FROM users")
            assert rows[0][0].startswith(crypto.PREFIX) and rows[0][1].startswith(crypto.PREFIX) and rows[0][2]
            async with c.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
                (user,) = await users_repo.get_users_by_cpf(uow, CPF)
                assert user.id == uid and user.phone == PHONE
        finally:
            await c.stop()
    finally:
        get_settings.cache_clear()
