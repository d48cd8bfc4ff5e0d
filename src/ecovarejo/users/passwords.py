"""Password hashing (Argon2id, OWASP parameters) and the password policy.

Policy (NIST SP 800-63B): at least 8 characters, up to 256 accepted and hashed whole (Argon2 has no
truncation), not one of the most common passwords, not the account's email. No composition rules.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ecovarejo.core.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256

#: OWASP Password Storage Cheat Sheet, Argon2id minimum: m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("ecovarejo.users").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_policy(password: str, *, email: str | None = None) -> None:
    """Raise :class:`InvalidInput` (``weak_password``) when ``password`` breaks the policy."""
    pw = _normalise(password)
    if len(pw) < MIN_LENGTH:
        raise InvalidInput(f"the password needs at least {MIN_LENGTH} characters", code="weak_password")
    if len(pw) > MAX_LENGTH:
        raise InvalidInput(f"the password may have at most {MAX_LENGTH} characters", code="weak_password")
    if pw.lower() in common_passwords():
        raise InvalidInput("this password is too common; choose another", code="weak_password")
    if email and pw.lower() in {email.lower(), email.split("@", 1)[0].lower()}:
        raise InvalidInput("the password must not be your email", code="weak_password")


def hash_password(password: str) -> str:
    return HASHER.hash(_normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, _normalise(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


#: A valid hash of a random password: verifying against it when the email is unknown spends the same
#: work as for a real account, so timing does not reveal which emails exist.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    import secrets

    return hash_password(secrets.token_urlsafe(16))
