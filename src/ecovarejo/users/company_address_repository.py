"""All SQL of company addresses."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ecovarejo.core.uow import UnitOfWork

from .models import CompanyAddress


async def of_company(uow: UnitOfWork, company_id: uuid.UUID) -> list[CompanyAddress]:
    q = select(CompanyAddress).where(CompanyAddress.company_id == company_id).order_by(CompanyAddress.created_at)
    return list((await uow.session.scalars(q)).all())


async def get(uow: UnitOfWork, company_id: uuid.UUID, address_id: uuid.UUID) -> CompanyAddress | None:
    q = select(CompanyAddress).where(CompanyAddress.id == address_id, CompanyAddress.company_id == company_id)
    return await uow.session.scalar(q)


async def count(uow: UnitOfWork, company_id: uuid.UUID) -> int:
    q = select(func.count()).select_from(CompanyAddress).where(CompanyAddress.company_id == company_id)
    return int(await uow.session.scalar(q) or 0)
