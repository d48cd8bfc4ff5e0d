"""What the users context's services need from the running platform, built once by ``plugin.install``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecovarejo.core.db import utcnow

from .mfa import SecretBox
from .throttle import LoginThrottle
from .tokens import TokenService

REFRESH_TOKEN_TTL = timedelta(days=30)
EMAIL_VERIFICATION_TTL = timedelta(hours=24)
PASSWORD_RESET_TTL = timedelta(hours=1)
MFA_CHALLENGE_TTL = 5 * 60
AUTHORIZATION_CODE_TTL = timedelta(minutes=5)
EMAIL_CHANGE_TTL = timedelta(hours=24)

#: ``audit(uow, action, subject_id=, purpose=, consent_id=, details=)``: an entry in the privacy context's
#: hash-chained audit log, in the caller's transaction. The privacy context (same layer: no import) is
#: plugged in by the composition root; without it nothing is recorded.
AuditHook = Callable[..., Awaitable[Any]]


async def no_audit(*_args: Any, **_kwargs: Any) -> None:
    return None


@dataclass
class UsersPorts:
    tokens: TokenService
    throttle: LoginThrottle
    box: SecretBox
    public_url: str
    secret_key: str
    clock: Callable[[], datetime] = field(default=utcnow)
    audit: AuditHook = field(default=no_audit)

    def now(self) -> datetime:
        return self.clock()
