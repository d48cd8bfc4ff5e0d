"""Password policy and hashing; TOTP windows and recovery codes; personal-data map."""

from __future__ import annotations

import time

import pyotp
import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.users import mfa, passwords
from ecovarejo.users.personal_data import TABLES


def test_common_password_list_is_shipped() -> None:
    common = passwords.common_passwords()
    assert len(common) > 4000 and {"password", "12345678", "senha123"} <= common


@pytest.mark.parametrize("pw", ["1234567", "password", "PASSWORD", "iloveyou", "senha123", "x" * 257])
def test_policy_refuses(pw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        passwords.check_policy(pw)
    assert info.value.code == "weak_password"


def test_policy_accepts_long_passphrases_and_unicode() -> None:
    passwords.check_policy("ação verde sustentável 2026")
    passwords.check_policy("p" * 64 + "!q")


def test_hash_parameters_and_no_truncation() -> None:
    pw = "a" * 100 + "Z"
    h = passwords.hash_password(pw)
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(h, pw)
    assert not passwords.verify_password(h, "a" * 100)
    assert not passwords.verify_password("not-a-hash", pw)
    assert not passwords.needs_rehash(h)


def test_totp_window_and_replay() -> None:
    secret = mfa.new_secret()
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = int(now // 30)
    assert mfa.matching_step(secret, totp.at(now), last_step=None, now=now) == step
    assert mfa.matching_step(secret, totp.at(now - 30), last_step=None, now=now) == step - 1
    assert mfa.matching_step(secret, totp.at(now + 30), last_step=None, now=now) == step + 1
    assert mfa.matching_step(secret, totp.at(now - 60), last_step=None, now=now) is None
    assert mfa.matching_step(secret, totp.at(now), last_step=step, now=now) is None  # replay
    assert mfa.matching_step(secret, "12a456", last_step=None, now=now) is None


def test_recovery_codes_and_secret_box() -> None:
    codes = mfa.new_recovery_codes()
    assert len(set(codes)) == 10 and all(len(c) == 17 for c in codes)
    assert mfa.hash_code(codes[0].upper()) == mfa.hash_code(codes[0])
    box = mfa.SecretBox("k1")
    sealed = box.seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed and box.open(sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(ValueError):
        mfa.SecretBox("k2").open(sealed)


def test_personal_data_map_names_real_columns() -> None:
    from ecovarejo.core.db import Base
    from ecovarejo.users import models  # noqa: F401  (registers the tables)

    for table, decl in TABLES.items():
        assert table in Base.metadata.tables, table
        cols = Base.metadata.tables[table].columns
        assert {f.column for f in decl.fields} <= set(cols.keys()), table
        assert decl.subject is None or decl.subject in cols
    assert TABLES["users"].field("cpf").category == "identification"  # type: ignore[union-attr]
    assert {"phone", "email", "first_name", "last_name"} <= {f.column for f in TABLES["users"].fields}
    assert {"address_line1", "postal_code", "city"} <= {f.column for f in TABLES["user_addresses"].fields}


def test_loyalty_rule() -> None:
    from decimal import Decimal

    from ecovarejo.users.accounts import points_for_order

    assert points_for_order(Decimal("259.90"), 80) == (259, 207)
    assert points_for_order(Decimal("0.99"), None) == (0, 0)
    assert points_for_order(Decimal("100"), 150) == (100, 100)  # score capped at 100
    with pytest.raises(InvalidInput):
        points_for_order(Decimal("-1"), None)


async def test_memory_counters_stay_bounded() -> None:
    from ecovarejo.users.throttle import MemoryCounters

    store = MemoryCounters(max_keys=100)
    for i in range(1000):
        await store.fail(f"k{i}", 1000.0 + i)
    assert len(store._data) <= 100
    assert (await store.get("k999", 2000.0))[0] == 1  # the newest are kept
