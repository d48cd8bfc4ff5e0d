"""TOTP (RFC 6238) second factor: secrets, ``otpauth://`` URIs, QR images, recovery codes.

A code is accepted for the current 30-second step or one step either side (clock drift), and only
for a step later than the last one accepted, so the same code never works twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

STEP = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_png_data_uri(uri: str) -> str:
    return str(segno.make(uri, error="m").png_data_uri(scale=5))


def matching_step(secret: str, code: str, *, last_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the drift window, after ``last_step``), else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(n)]


def hash_code(code: str) -> str:
    """Recovery codes carry 64 random bits, so a plain SHA-256 suffices (no dictionary to try)."""
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


class SecretBox:
    """Encrypts TOTP secrets at rest with a key derived from the platform secret."""

    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ecovarejo-users-mfa").derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("MFA secret cannot be decrypted (platform secret changed?)") from exc
