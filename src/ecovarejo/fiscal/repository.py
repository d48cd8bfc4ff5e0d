"""All SQL of the fiscal context."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select, update

from ecovarejo.core.uow import UnitOfWork

from .models import Nfe, ProductFiscal, TaxSettings


async def settings(uow: UnitOfWork) -> TaxSettings | None:
    return await uow.session.scalar(select(TaxSettings))


async def products(uow: UnitOfWork, skus: Iterable[str]) -> list[ProductFiscal]:
    wanted = sorted(set(skus))
    if not wanted:
        return []
    return list((await uow.session.scalars(select(ProductFiscal).where(ProductFiscal.sku.in_(wanted)))).all())


async def product(uow: UnitOfWork, sku: str) -> ProductFiscal | None:
    return await uow.session.scalar(select(ProductFiscal).where(ProductFiscal.sku == sku))


async def list_products(uow: UnitOfWork, limit: int, after: str | None) -> list[ProductFiscal]:
    q = select(ProductFiscal).order_by(ProductFiscal.sku).limit(limit)
    if after:
        q = q.where(ProductFiscal.sku > after)
    return list((await uow.session.scalars(q)).all())


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def delete(uow: UnitOfWork, obj: object) -> None:
    await uow.session.delete(obj)


# -- NF-e -------------------------------------------------------------------------------------------


async def nfe_of_order(uow: UnitOfWork, order_id: UUID, *, lock: bool = False) -> Nfe | None:
    q = select(Nfe).where(Nfe.order_id == order_id)
    if lock:
        q = q.with_for_update()
    return await uow.session.scalar(q)


async def nfe(uow: UnitOfWork, nfe_id: UUID, *, lock: bool = False) -> Nfe | None:
    q = select(Nfe).where(Nfe.id == nfe_id)
    if lock:
        q = q.with_for_update()
    return await uow.session.scalar(q)


async def due_nfes(uow: UnitOfWork, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
    """(tenant, note) of the notes with work due, across tenants (a platform unit of work)."""
    q = (
        select(Nfe.tenant_id, Nfe.id)
        .where(Nfe.next_attempt_at.is_not(None), Nfe.next_attempt_at <= now)
        .order_by(Nfe.next_attempt_at)
        .limit(limit)
    )
    return [(t, i) for t, i in (await uow.session.execute(q)).all()]


async def claim_nfe(uow: UnitOfWork, nfe_id: UUID, now: datetime, until: datetime) -> bool:
    """Take the note's due work for this worker until ``until`` (compare-and-set: one worker wins)."""
    result = await uow.session.execute(
        update(Nfe)
        .where(Nfe.id == nfe_id, Nfe.next_attempt_at.is_not(None), Nfe.next_attempt_at <= now)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def list_nfes(
    uow: UnitOfWork, statuses: list[str] | None, limit: int, before: datetime | None, flagged: bool = False
) -> list[Nfe]:
    q = select(Nfe).order_by(Nfe.created_at.desc(), Nfe.id.desc()).limit(limit)
    if statuses:
        q = q.where(Nfe.status.in_(statuses))
    if flagged:
        q = q.where(or_(Nfe.status.in_(("rejected", "failed", "denied")), Nfe.error_code.is_not(None)))
    if before is not None:
        q = q.where(Nfe.created_at < before)
    return list((await uow.session.scalars(q)).all())
