"""All of the privacy context's SQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ecovarejo.core.db import new_id

from .models import AuditEntry, AuditHead


async def lock_head(session: AsyncSession, tenant_id: uuid.UUID, genesis: str) -> AuditHead:
    """The tenant's chain head, locked for this transaction (created at the first entry)."""
    query = select(AuditHead).where(AuditHead.tenant_id == tenant_id).with_for_update()
    head = await session.scalar(query.execution_options(populate_existing=True))
    if head is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(AuditHead)
            .values(id=new_id(), tenant_id=tenant_id, seq=0, hash=genesis)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        head = await session.scalar(query.execution_options(populate_existing=True))
        assert head is not None
    return head


async def entries(session: AsyncSession, tenant_id: uuid.UUID, *, batch: int = 500) -> AsyncIterator[AuditEntry]:
    """The tenant's chain in order, fetched in batches."""
    after = 0
    while True:
        rows = (
            await session.scalars(
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


async def head(session: AsyncSession, tenant_id: uuid.UUID) -> AuditHead | None:
    return await session.scalar(select(AuditHead).where(AuditHead.tenant_id == tenant_id))


async def recent(
    session: AsyncSession, tenant_id: uuid.UUID, *, subject_id: uuid.UUID | None = None, limit: int = 50
) -> list[AuditEntry]:
    q = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if subject_id is not None:
        q = q.where(AuditEntry.subject_id == subject_id)
    return list((await session.scalars(q.order_by(AuditEntry.seq.desc()).limit(limit))).all())
