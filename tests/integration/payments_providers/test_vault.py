"""The vault on SQLite and PostgreSQL: it keeps providers' tokens (never card numbers) under random
tokens of its own, keyed fingerprints, envelope encryption with key versions, rotation, tenant binding,
audited detokenization."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from sqlalchemy import select, update

from ecovarejo.core.errors import InvalidInput
from ecovarejo.payments import ext_repository
from ecovarejo.payments.ext_models import VaultKey, VaultToken
from ecovarejo.payments.providers.base import CardInfo
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.vault import MasterKeys, ProviderToken, Vault, VaultError, rewrap_all, version_of
from tests.support import make_tenant

OWNER = uuid.uuid4()


def card(token: str, fingerprint: str, last4: str = "1111", brand: str = "visa", exp: tuple[int, int] = (12, 2030)):
    """What a provider says of one of its tokens (Stripe's PaymentMethod ``card``)."""
    return CardInfo("stripe", token, brand, last4, exp[0], exp[1], fingerprint)


VISA = card("pm_visa_1", "fpVISA")
MASTER = card("pm_master_1", "fpMASTER", "4444", "mastercard", (1, 2031))


async def test_tokenize_detokenize_and_duplicates(container) -> None:
    tid = await make_tenant(container)
    vault = Vault(MasterKeys.single(os.urandom(32)))
    async with container.uow(tid) as uow:
        stored = await vault.store(uow, owner_id=OWNER, card=VISA)
        # the same card tokenized again by the provider's form: a new provider token, the same fingerprint
        again = await vault.store(uow, owner_id=OWNER, card=card("pm_visa_2", "fpVISA"))
        other = await vault.store(uow, owner_id=OWNER, card=MASTER)
        await uow.commit()
    assert stored == again and other.token != stored.token
    assert (stored.last4, stored.brand, stored.exp_month, stored.exp_year) == ("1111", "visa", 12, 2030)
    assert stored.token.startswith("vtok_") and "pm_" not in stored.token
    async with container.uow(tid) as uow:
        row = await ext_repository.token(uow, stored.token)
        assert row is not None
        assert b"pm_visa" not in row.ciphertext and "fpVISA" not in row.fingerprint
        data = await vault.detokenize(uow, stored.token, owner_id=OWNER, purpose="authorize order 1", actor="test")
        await uow.commit()
    assert data == ProviderToken("stripe", "pm_visa_2") and "pm_visa" not in repr(data)  # the newest token
    async with container.uow(tid, read_only=True) as uow:
        audit = [(a.purpose, a.actor) for a in await ext_repository.accesses(uow, stored.token)]
    assert audit == [("authorize order 1", "test")]
    with pytest.raises(InvalidInput):
        async with container.uow(tid) as uow:
            await vault.store(uow, owner_id=OWNER, card=card("pm_x", "fpX", exp=(13, 2030)))


async def test_rotation_keeps_old_cards_readable_and_master_rewrap(container) -> None:
    tid = await make_tenant(container)
    first = MasterKeys.single(os.urandom(32))
    vault = Vault(first)
    async with container.uow(tid) as uow:
        old = await vault.store(uow, owner_id=OWNER, card=VISA)
        assert await vault.rotate_data_key(uow) == 2
        new = await vault.store(uow, owner_id=OWNER, card=MASTER)
        await uow.commit()
    async with container.uow(tid, read_only=True) as uow:
        rows = {r.token: version_of(r.ciphertext) for r in (await uow.session.scalars(select(VaultToken))).all()}
    assert (rows[old.token], rows[new.token]) == (1, 2)
    # a new master key: every data key re-wrapped, both cards still decrypt; the old master alone no longer works
    new_key = os.urandom(32)
    second = MasterKeys.of(new_key)
    async with container.uow(None) as uow:
        assert await rewrap_all(uow, first, second) >= 2
        await uow.commit()
    only_new = Vault(MasterKeys.single(new_key))
    async with container.uow(tid) as uow:
        keys = await ext_repository.vault_keys(uow)
        assert {k.master_version for k in keys} == {second.current} != {first.current}
        for token, provider_token in ((old.token, "pm_visa_1"), (new.token, "pm_master_1")):
            found = await only_new.detokenize(uow, token, owner_id=OWNER, purpose="t", actor=None)
            assert found.token == provider_token
        await uow.commit()
    with pytest.raises(VaultError):
        async with container.uow(tid) as uow:
            await Vault(first).detokenize(uow, old.token, owner_id=OWNER, purpose="t", actor=None)


async def test_ciphertext_is_bound_to_its_tenant(container) -> None:
    a, b = await make_tenant(container), await make_tenant(container)
    master = MasterKeys.single(os.urandom(32))
    vault = Vault(master)
    async with container.uow(a) as uow:
        card_a = await vault.store(uow, owner_id=OWNER, card=VISA)
        await uow.commit()
    async with container.uow(a, read_only=True) as uow:
        row_a = await ext_repository.token(uow, card_a.token)
        key_a = (await ext_repository.vault_keys(uow))[0]
        stolen_ct, stolen_key = row_a.ciphertext, key_a.wrapped_key  # type: ignore[union-attr]
    async with container.uow(b) as uow:
        card_b = await vault.store(uow, owner_id=OWNER, card=MASTER)
        # copy tenant A's ciphertext and wrapped key into tenant B's rows: the associated data refuses them
        await uow.session.execute(
            update(VaultToken).where(VaultToken.token == card_b.token).values(ciphertext=stolen_ct)
        )
        await uow.commit()
    with pytest.raises(VaultError):
        async with container.uow(b) as uow:
            await vault.detokenize(uow, card_b.token, owner_id=OWNER, purpose="t", actor=None)
    async with container.uow(b) as uow:
        await uow.session.execute(update(VaultKey).where(VaultKey.tenant_id == b).values(wrapped_key=stolen_key))
        await uow.commit()
    with pytest.raises(VaultError):
        async with container.uow(b) as uow:
            await vault.card(uow, card_b.token, owner_id=OWNER)
            await vault.detokenize(uow, card_b.token, owner_id=OWNER, purpose="t", actor=None)


def test_master_key_file_is_generated_once(tmp_path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    f = tmp_path / "mk"
    f.write_text(key)
    assert PaymentsSettings(master_key_file=f).load_master_key(tmp_path / "unused") == base64.b64decode(key)
    k1 = PaymentsSettings().load_master_key(tmp_path / "data")
    k2 = PaymentsSettings().load_master_key(tmp_path / "data")
    assert k1 == k2 and len(k1) == 32
    assert oct((tmp_path / "data" / "payments-master.key").stat().st_mode & 0o777) == "0o600"


async def test_embedded_mode_keeps_its_master_key_in_the_data_dir(container, client, settings) -> None:
    from tests.support import bearer, token_for

    from .browser import sandbox_token

    tid = await make_tenant(container)
    r = await client.post(
        "/api/v1/payments/cards",
        json={"provider_token": await sandbox_token(client, "4111 1111 1111 1111", exp_month=1)},
        headers={"X-Tenant-ID": str(tid), **bearer(token_for(container, tid))},
    )
    assert r.status_code == 201 and r.json()["last4"] == "1111" and r.json()["exp_month"] == 1, r.text
    key_file = settings.data_dir / "payments-master.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"


async def test_rotation_from_the_cli(container, settings, tmp_path) -> None:
    import asyncio

    from typer.testing import CliRunner

    from ecovarejo.cli import app
    from ecovarejo.core import settings as core_settings

    tid = await make_tenant(container)
    old_key, new_key = os.urandom(32), os.urandom(32)
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    old_file.write_text(base64.b64encode(old_key).decode())
    new_file.write_text(base64.b64encode(new_key).decode())
    async with container.uow(tid) as uow:
        old_vault = Vault(MasterKeys.single(old_key))
        stored = await old_vault.store(uow, owner_id=OWNER, card=VISA)
        await uow.commit()
    env = {"ECOVAREJO_DATABASE_URL": settings.database_url, "ECOVAREJO_DATA_DIR": str(settings.data_dir),
           "ECOVAREJO_LOG_LEVEL": "WARNING", "ECOVAREJO_PAYMENTS_MASTER_KEY_FILE": str(old_file)}  # fmt: skip

    def cli(*args: str):
        core_settings.get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, ["payments", *args], env=env)
        finally:
            core_settings.get_settings.cache_clear()

    r = await asyncio.to_thread(cli, "rotate-data-key", "--tenant", str(tid))
    assert r.exit_code == 0 and "data key version 2" in r.output, r.output
    r = await asyncio.to_thread(cli, "rewrap-keys", "--old-key-file", str(old_file), "--new-key-file", str(new_file))
    assert r.exit_code == 0 and "data key(s) re-wrapped" in r.output, r.output
    r = await asyncio.to_thread(cli, "rewrap-keys", "--old-key-file", str(old_file), "--new-key-file", str(old_file))
    assert r.exit_code == 2
    async with container.uow(tid) as uow:
        new_vault = Vault(MasterKeys.single(new_key))
        data = await new_vault.detokenize(uow, stored.token, owner_id=OWNER, purpose="t", actor=None)
        assert data.token == "pm_visa_1"
        assert [k.version for k in await ext_repository.vault_keys(uow)] == [1, 2]
        await uow.commit()
