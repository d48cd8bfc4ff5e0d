"""Erasure (LGPD art. 18 IV/VI) and its side: copies of the person's values in the kernel's event tables.

The accounts context anonymises the account, kills its sessions and tokens, and emits ``user.erased``;
every context consumes that event and applies its own declaration (orders keep only fiscal fields,
notifications keep a tombstone so nothing more is sent). Here, in the same transaction, the outbox and
dead letters that mention the person have the person's values replaced, and the erasure is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.errors import NotFound
from ecovarejo.core.uow import UnitOfWork

from . import audit
from . import repository as repo
from .ports import DataSubjects

ERASED = "[erased]"


def scrub(value: Any, needles: list[str]) -> Any:
    """``value`` with every occurrence of a needle (case-insensitive) replaced; JSON structure kept."""
    if isinstance(value, dict):
        return {k: scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, needles) for v in value]
    if isinstance(value, str):
        lowered = value.lower()
        for needle in needles:
            n = needle.lower()
            while n in lowered:
                i = lowered.index(n)
                value = value[:i] + ERASED + value[i + len(n) :]
                lowered = value.lower()
        return value
    return value


async def scrub_events(uow: UnitOfWork, user_id: uuid.UUID, values: list[str]) -> int:
    """Replace the person's values in the tenant's outbox rows and dead letters that concern them."""
    assert uow.tenant_id is not None
    needles = sorted({v for v in values if v}, key=len, reverse=True)
    anchors = [str(user_id), user_id.hex, *(v for v in needles if "@" in v)]
    changed = 0
    for row in await repo.events_mentioning(uow.session, uow.tenant_id, anchors):
        clean = scrub(row.envelope, needles)
        if clean != row.envelope:
            row.envelope = clean
            changed += 1
    await uow.flush()
    return changed


async def erase(
    uow: UnitOfWork, subjects: DataSubjects, user_id: uuid.UUID, *, actor: str, request_id: uuid.UUID | None
) -> int:
    """Erase the person; returns how many stored events had their values scrubbed."""
    values = await subjects.identifying_values(uow, user_id)
    if not await subjects.erase(uow, user_id):
        raise NotFound("no such account", code="subject_not_found")
    scrubbed = await scrub_events(uow, user_id, values)
    details: dict[str, Any] = {"events_scrubbed": scrubbed}
    if request_id is not None:
        details["request_id"] = str(request_id)
    await audit.record(uow, "erasure", actor=actor, subject_id=user_id, purpose="LGPD art. 18 VI", details=details)
    return scrubbed
