"""All SQL of the quotes (RFQ)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ecovarejo.core.uow import UnitOfWork

from .quote_models import Quote, QuoteMessage, QuoteRevision


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def quote(uow: UnitOfWork, quote_id: uuid.UUID, *, lock: bool = False, refresh: bool = False) -> Quote | None:
    q = select(Quote).where(Quote.id == quote_id)
    if lock:
        q = q.with_for_update()
    if refresh:
        q = q.execution_options(populate_existing=True)
    return await uow.session.scalar(q)


async def reload(uow: UnitOfWork, quote_id: uuid.UUID) -> Quote:
    """The row as it is now in the database (after a compare-and-set)."""
    q = await quote(uow, quote_id, refresh=True)
    if q is None:
        raise LookupError(quote_id)
    return q


async def quotes(uow: UnitOfWork, *, company_id: uuid.UUID | None, status: str | None, limit: int) -> list[Quote]:
    q = select(Quote)
    if company_id is not None:
        q = q.where(Quote.company_id == company_id)
    if status:
        q = q.where(Quote.status == status)
    q = q.order_by(Quote.created_at.desc(), Quote.id.desc()).limit(limit)
    return list((await uow.session.scalars(q)).all())


async def revisions(uow: UnitOfWork, quote_id: uuid.UUID) -> list[QuoteRevision]:
    q = select(QuoteRevision).where(QuoteRevision.quote_id == quote_id).order_by(QuoteRevision.revision)
    return list((await uow.session.scalars(q)).all())


async def revision(uow: UnitOfWork, quote_id: uuid.UUID, number: int) -> QuoteRevision | None:
    q = select(QuoteRevision).where(QuoteRevision.quote_id == quote_id, QuoteRevision.revision == number)
    return await uow.session.scalar(q)


async def messages(uow: UnitOfWork, quote_id: uuid.UUID) -> list[QuoteMessage]:
    q = select(QuoteMessage).where(QuoteMessage.quote_id == quote_id)
    return list((await uow.session.scalars(q.order_by(QuoteMessage.created_at, QuoteMessage.id))).all())


async def move(
    uow: UnitOfWork,
    quote_id: uuid.UUID,
    old: str,
    new: str,
    *,
    revision: int,
    next_revision: bool = False,
    **values: Any,
) -> bool:
    """Compare-and-set of the quote's status (and revision): ``False`` when another request moved it first."""
    changes: dict[str, Any] = {"status": new, **values}
    if next_revision:
        changes["revision"] = revision + 1
        changes["valid_until"] = None
    stmt = (
        update(Quote)
        .where(Quote.id == quote_id, Quote.status == old, Quote.revision == revision)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    result = await uow.session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def due(uow: UnitOfWork, now: datetime, *, limit: int) -> list[Quote]:
    q = select(Quote).where(Quote.status == "sent", Quote.valid_until <= now).order_by(Quote.valid_until).limit(limit)
    return list((await uow.session.scalars(q)).all())


async def tenants_with_due(uow: UnitOfWork, now: datetime) -> set[uuid.UUID]:
    """Tenants with a sent quote past its date (system unit of work)."""
    q = select(Quote.tenant_id).where(Quote.status == "sent", Quote.valid_until <= now).distinct()
    return set((await uow.session.scalars(q)).all())
