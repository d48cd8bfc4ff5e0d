"""Inactive accounts (LGPD art. 15 I and 16: data is kept while its purpose lasts). An active customer
account with no sign-in for ``inactive_account_years`` (default 5) is told by e-mail that it will be erased;
if its owner has still not signed in ``inactive_grace_days`` (default 30) later, the account is erased like
an erasure request (every context consumes ``user.erased``). Signing in again cancels the notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ecovarejo.core.uow import UnitOfWork

from . import erasure
from . import repository as repo
from .models import InactivityNotice
from .ports import DataSubjects
from .registry import Registry

ACTOR = "job:privacy.retention"
BATCH = 500


@dataclass(frozen=True)
class InactivityCounts:
    notified: int
    erased: int
    returned: int


async def run(
    uow: UnitOfWork,
    subjects: DataSubjects,
    registry: Registry,
    *,
    now: datetime,
    years: float,
    grace_days: float,
    base_url: str,
) -> InactivityCounts:
    erased = returned = 0
    for notice in await repo.notices_before(uow, now - timedelta(days=grace_days)):
        last = await subjects.last_active(uow, notice.user_id)
        if last is not None and last <= notice.notified_at:
            await erasure.erase(
                uow, subjects, registry, notice.user_id, actor=ACTOR, request_id=None, purpose="LGPD art. 16"
            )
            erased += 1
        else:
            returned += last is not None
        await repo.delete_notice(uow, notice)
    for notice in await repo.notices_before(uow, now):  # notified, not due yet: back since?
        last = await subjects.last_active(uow, notice.user_id)
        if last is None or last > notice.notified_at:
            await repo.delete_notice(uow, notice)
            returned += last is not None
    candidates = list(await subjects.inactive_accounts(uow, now - timedelta(days=365 * years), BATCH))
    known = await repo.notified_users(uow, candidates) if candidates else set()
    notified = 0
    for user_id in candidates:
        if user_id in known:
            continue
        await repo.add_notice(uow, InactivityNotice(user_id=user_id, notified_at=now))
        uow.emit(
            "notification",
            "notification.requested",
            {
                "template": "inactive_account",
                "to_user_id": str(user_id),
                "channel": "email",
                "context": {
                    "erase_on": (now + timedelta(days=grace_days)).isoformat(),
                    "years": int(years) if float(years).is_integer() else years,
                    "login_url": f"{base_url.rstrip('/')}/conta/entrar",
                },
            },
            subject=f"user/{user_id}",
        )
        notified += 1
    return InactivityCounts(notified=notified, erased=erased, returned=returned)
