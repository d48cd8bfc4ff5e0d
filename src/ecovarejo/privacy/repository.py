"""All of the privacy context's SQL. Every function takes the unit of work first (the platform's jobs pass
``container.uow(None)``, whose session is the owner's, like the relay's)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecovarejo.core.db import new_id
from ecovarejo.core.models import DeadLetter, OutboxEvent, Tenant
from ecovarejo.core.uow import UnitOfWork

from .models import AuditEntry, AuditHead, InactivityNotice, Incident, SubjectRequest, VisitorConsent


async def lock_head(uow: UnitOfWork, tenant_id: uuid.UUID, genesis: str) -> AuditHead:
    """The tenant's chain head, locked for this transaction (created at the first entry)."""
    query = select(AuditHead).where(AuditHead.tenant_id == tenant_id).with_for_update()
    head = await uow.session.scalar(query.execution_options(populate_existing=True))
    if head is None:
        insert = pg_insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await uow.session.execute(
            insert(AuditHead)
            .values(id=new_id(), tenant_id=tenant_id, seq=0, hash=genesis)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        head = await uow.session.scalar(query.execution_options(populate_existing=True))
        assert head is not None
    return head


async def entries(uow: UnitOfWork, tenant_id: uuid.UUID, *, batch: int = 500) -> AsyncIterator[AuditEntry]:
    """The tenant's chain in order, fetched in batches."""
    after = 0
    while True:
        rows = (
            await uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.tenant_id == tenant_id, AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        ).all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].seq


async def head(uow: UnitOfWork, tenant_id: uuid.UUID) -> AuditHead | None:
    return await uow.session.scalar(select(AuditHead).where(AuditHead.tenant_id == tenant_id))


async def recent(
    uow: UnitOfWork, tenant_id: uuid.UUID, *, subject_id: uuid.UUID | None = None, limit: int = 50
) -> list[AuditEntry]:
    q = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if subject_id is not None:
        q = q.where(AuditEntry.subject_id == subject_id)
    return list((await uow.session.scalars(q.order_by(AuditEntry.seq.desc()).limit(limit))).all())


# -- scrubbing copies of the subject's values in the kernel's event tables ------------------------------


async def events_mentioning(uow: UnitOfWork, tenant_id: uuid.UUID, needles: list[str]) -> list[Any]:
    """Outbox rows and dead letters of the tenant whose envelope mentions one of ``needles`` (ASCII ids, e-mail)."""
    out: list[Any] = []
    for model in (OutboxEvent, DeadLetter):
        text_of = cast(model.envelope, Text)
        q = select(model).where(model.tenant_id == tenant_id, or_(*(text_of.contains(n) for n in needles)))
        out += list((await uow.session.scalars(q)).all())
    return out


# -- data subjects' requests -----------------------------------------------------------------------------


async def add_request(uow: UnitOfWork, req: SubjectRequest) -> SubjectRequest:
    uow.session.add(req)
    await uow.session.flush()
    return req


async def get_request(uow: UnitOfWork, request_id: uuid.UUID, *, for_update: bool = False) -> SubjectRequest | None:
    q = select(SubjectRequest).where(SubjectRequest.id == request_id)
    return await uow.session.scalar(q.with_for_update() if for_update else q)


async def requests_of(uow: UnitOfWork, user_id: uuid.UUID) -> list[SubjectRequest]:
    q = select(SubjectRequest).where(SubjectRequest.user_id == user_id).order_by(SubjectRequest.created_at.desc())
    return list((await uow.session.scalars(q)).all())


async def count_since(uow: UnitOfWork, user_id: uuid.UUID, since: datetime) -> int:
    q = select(func.count()).where(SubjectRequest.user_id == user_id, SubjectRequest.created_at >= since)
    return int(await uow.session.scalar(q) or 0)


async def open_request(uow: UnitOfWork, user_id: uuid.UUID, kind: str) -> SubjectRequest | None:
    q = select(SubjectRequest).where(
        SubjectRequest.user_id == user_id,
        SubjectRequest.kind == kind,
        SubjectRequest.status.in_(("received", "identity_verified")),
    )
    return await uow.session.scalar(q.limit(1))


async def queue(uow: UnitOfWork, statuses: tuple[str, ...], limit: int) -> list[SubjectRequest]:
    q = select(SubjectRequest).where(SubjectRequest.status.in_(statuses)).order_by(SubjectRequest.due_at).limit(limit)
    return list((await uow.session.scalars(q)).all())


async def request_by_export_token(uow: UnitOfWork, token_hash: str) -> SubjectRequest | None:
    q = select(SubjectRequest).where(SubjectRequest.export_token_hash == token_hash).with_for_update()
    return await uow.session.scalar(q)


# -- retention of the kernel's event tables (run as the platform) ----------------------------------------


async def purge_published_events(uow: UnitOfWork, tenant_id: uuid.UUID | None, before: datetime) -> int:
    """Delete the tenant's outbox rows published before ``before`` (never an unpublished one)."""
    owner = OutboxEvent.tenant_id.is_(None) if tenant_id is None else OutboxEvent.tenant_id == tenant_id
    q = delete(OutboxEvent).where(owner, OutboxEvent.published_at.is_not(None), OutboxEvent.published_at < before)
    return (await uow.session.execute(q)).rowcount or 0  # type: ignore[attr-defined]


async def purge_dead_letters(uow: UnitOfWork, tenant_id: uuid.UUID | None, before: datetime) -> int:
    owner = DeadLetter.tenant_id.is_(None) if tenant_id is None else DeadLetter.tenant_id == tenant_id
    q = delete(DeadLetter).where(owner, DeadLetter.created_at < before)
    return (await uow.session.execute(q)).rowcount or 0  # type: ignore[attr-defined]


async def tenants(uow: UnitOfWork) -> list[Tenant]:
    return list((await uow.session.scalars(select(Tenant).order_by(Tenant.slug))).all())


async def incidents(uow: UnitOfWork, limit: int = 200) -> list[Incident]:
    q = select(Incident).order_by(Incident.detected_at.desc()).limit(limit)
    return list((await uow.session.scalars(q)).all())


async def get_incident(uow: UnitOfWork, incident_id: uuid.UUID) -> Incident | None:
    return await uow.session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())


async def tenant_settings(uow: UnitOfWork, tenant_id: uuid.UUID) -> dict[str, Any]:
    tenant = await uow.session.get(Tenant, tenant_id)
    return dict(tenant.settings or {}) if tenant is not None else {}


# -- inactive accounts ---------------------------------------------------------------------------------


async def notices_before(uow: UnitOfWork, before: datetime) -> list[InactivityNotice]:
    q = select(InactivityNotice).where(InactivityNotice.notified_at < before).order_by(InactivityNotice.notified_at)
    return list((await uow.session.scalars(q)).all())


async def notified_users(uow: UnitOfWork, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    q = select(InactivityNotice.user_id).where(InactivityNotice.user_id.in_(user_ids))
    return set((await uow.session.scalars(q)).all())


async def add_notice(uow: UnitOfWork, notice: InactivityNotice) -> None:
    uow.session.add(notice)
    await uow.session.flush()


async def delete_notice(uow: UnitOfWork, notice: InactivityNotice) -> None:
    await uow.session.delete(notice)
    await uow.session.flush()


async def set_tenant_settings(uow: UnitOfWork, tenant_id: uuid.UUID, settings: dict[str, Any]) -> None:
    tenant = await uow.session.get(Tenant, tenant_id, with_for_update=True)
    if tenant is not None:
        tenant.settings = settings
        await uow.session.flush()


# -- the cookie banner's choices of visitors ------------------------------------------------------------


async def add_visitor_consents(uow: UnitOfWork, rows: list[VisitorConsent]) -> None:
    uow.session.add_all(rows)
    await uow.session.flush()


async def purge_visitor_consents(uow: UnitOfWork, before: datetime) -> int:
    """Delete the tenant's banner entries recorded before ``before`` (the retention job; tenant-scoped)."""
    assert uow.tenant_id is not None
    q = delete(VisitorConsent).where(VisitorConsent.tenant_id == uow.tenant_id, VisitorConsent.recorded_at < before)
    return (await uow.session.execute(q)).rowcount or 0  # type: ignore[attr-defined]


async def visitor_consents(uow: UnitOfWork, visitor: str) -> list[VisitorConsent]:
    """A visitor's entries, oldest first (the tenant filter applies)."""
    q = (
        select(VisitorConsent)
        .where(VisitorConsent.visitor == visitor)
        .order_by(VisitorConsent.recorded_at, VisitorConsent.id)
    )
    return list((await uow.session.scalars(q)).all())
