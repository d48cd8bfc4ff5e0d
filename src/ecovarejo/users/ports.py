"""What the users context's services need from the running platform, built once by ``plugin.install``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ecovarejo.core.db import utcnow

from .mfa import SecretBox
from .throttle import LoginThrottle
from .tokens import TokenService

REFRESH_TOKEN_TTL = timedelta(days=30)
EMAIL_VERIFICATION_TTL = timedelta(hours=24)
PASSWORD_RESET_TTL = timedelta(hours=1)
MFA_CHALLENGE_TTL = 5 * 60
AUTHORIZATION_CODE_TTL = timedelta(minutes=5)


@dataclass
class UsersPorts:
    tokens: TokenService
    throttle: LoginThrottle
    box: SecretBox
    public_url: str
    secret_key: str
    clock: Callable[[], datetime] = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()
