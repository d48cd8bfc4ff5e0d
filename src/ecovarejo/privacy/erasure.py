"""Erasure (LGPD art. 18 IV/VI) and its side: copies of the person's values in the kernel's event tables.

The accounts context anonymises the account, kills its sessions and tokens, and emits ``user.erased``;
every context consumes that event and applies its own declaration (orders keep only fiscal fields,
notifications keep a tombstone so nothing more is sent). Here the erasure is audited and, once it has
committed, the outbox rows and dead letters that mention the person have the person's values replaced.
"""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.db import Database
from ecovarejo.core.errors import NotFound
from ecovarejo.core.personal_data import Category, export_subject
from ecovarejo.core.uow import UnitOfWork

from . import audit
from . import repository as repo
from .ports import DataSubjects
from .registry import Registry

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


async def scrub_events(uow: UnitOfWork, tenant_id: uuid.UUID, user_id: uuid.UUID, values: list[str]) -> int:
    """Replace the person's values in the tenant's outbox rows and dead letters that concern them.

    Runs as the platform (``uow`` without a tenant: the owner's session, like the relay): the application role
    may only add and read events, never change them.
    """
    needles = sorted({v for v in values if v}, key=len, reverse=True)
    anchors = [str(user_id), user_id.hex, *(v for v in needles if "@" in v)]
    changed = 0
    for row in await repo.events_mentioning(uow, tenant_id, anchors):
        clean = scrub(row.envelope, needles)
        if clean != row.envelope:
            row.envelope = clean
            changed += 1
    await uow.flush()
    return changed


async def _scrub_after_commit(
    db: Database, tenant_id: uuid.UUID, user_id: uuid.UUID, values: list[str], actor: str
) -> None:
    async with UnitOfWork(db, None, actor=actor) as platform:
        changed = await scrub_events(platform, tenant_id, user_id, values)
        await platform.commit()
    async with UnitOfWork(db, tenant_id, actor=actor) as uow:
        await audit.record(uow, "erasure.events_scrubbed", subject_id=user_id, details={"events": changed})
        await uow.commit()


#: Categories whose values identify the person wherever they are copied (events, stored responses).
IDENTIFYING = frozenset({Category.IDENTIFICATION, Category.CONTACT, Category.ADDRESS})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def identifying_values(
    uow: UnitOfWork, subjects: DataSubjects, registry: Registry, user_id: uuid.UUID
) -> list[str]:
    """What identifies the person as stored anywhere: the account's values and every identifying column
    the registry finds for them (an order's delivery address as typed at checkout, a shipment's recipient)."""
    values = list(await subjects.identifying_values(uow, user_id))
    for declaration in registry.declarations:
        kinds = {t.table: {f.column for f in t.fields if f.category in IDENTIFYING} for t in declaration.tables}
        for table, rows in (await export_subject(uow.session, declaration, user_id)).items():
            for row in rows:
                values += [s for c in kinds.get(table, ()) for s in _strings(row.get(c))]
    return [v for v in dict.fromkeys(v.strip() for v in values) if len(v) >= 4 and not v.startswith("erased-")]


async def erase(
    uow: UnitOfWork,
    subjects: DataSubjects,
    registry: Registry,
    user_id: uuid.UUID,
    *,
    actor: str,
    request_id: uuid.UUID | None,
    purpose: str = "LGPD art. 18 VI",
) -> None:
    """Erase the person; once committed, their values are scrubbed from the stored events."""
    assert uow.tenant_id is not None
    tenant_id = uow.tenant_id
    values = await identifying_values(uow, subjects, registry, user_id)
    if not await subjects.erase(uow, user_id):
        raise NotFound("no such account", code="subject_not_found")
    details: dict[str, Any] = {"request_id": str(request_id)} if request_id else {}
    await audit.record(uow, "erasure", actor=actor, subject_id=user_id, purpose=purpose, details=details)
    uow.after_commit(lambda: _scrub_after_commit(uow.db, tenant_id, user_id, values, actor))
