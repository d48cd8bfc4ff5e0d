"""The cookie banner's choices (analytics, marketing cookies) of visitors who are not signed in.

The storefront's banner writes a signed-in customer's choice to the users context's consent ledger,
under the account; a visitor's goes here, under the pseudonymous visitor id the analytics context uses
(``analytics.public.visitor_pseudonym``), with the tenant's privacy-policy version. Entries are never
changed: the latest entry per purpose is the answer, and no entry means no consent (LGPD: opt-in).
"""

from __future__ import annotations

from datetime import UTC, datetime

from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .models import VisitorConsent

#: What the banner asks. ``marketing_cookies`` is not the e-mail marketing consent of an account.
PURPOSES = ("analytics", "marketing_cookies")


async def record_visitor_choice(
    uow: UnitOfWork, visitor: str, choices: dict[str, bool], *, policy_version: str, channel: str = "cookie_banner"
) -> None:
    """One ledger entry per purpose of the banner (``choices`` keys outside :data:`PURPOSES` are refused)."""
    unknown = set(choices) - set(PURPOSES)
    if unknown or not visitor:
        raise ValueError(f"unknown consent purposes {sorted(unknown)}" if unknown else "no visitor id")
    now = datetime.now(UTC)
    rows = [
        VisitorConsent(
            visitor=visitor,
            purpose=purpose,
            granted=bool(choices.get(purpose, False)),
            policy_version=policy_version[:30],
            channel=channel[:30],
            recorded_at=now,
        )
        for purpose in PURPOSES
    ]
    await repo.add_visitor_consents(uow, rows)


async def visitor_choices(uow: UnitOfWork, visitor: str, *, at: datetime | None = None) -> dict[str, bool]:
    """The visitor's answer per purpose now, or in force at ``at`` (the latest entry wins); empty when they
    had not chosen."""
    current: dict[str, bool] = {}
    for entry in await repo.visitor_consents(uow, visitor):
        recorded = entry.recorded_at if entry.recorded_at.tzinfo else entry.recorded_at.replace(tzinfo=UTC)
        if at is not None and recorded > at:
            break
        current[entry.purpose] = entry.granted
    return current


async def visitor_has_consent(uow: UnitOfWork, visitor: str, purpose: str, *, at: datetime | None = None) -> bool:
    return (await visitor_choices(uow, visitor, at=at)).get(purpose, False)
