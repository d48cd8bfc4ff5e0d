"""Company lookups for other contexts (b2b's credit desk): a company by CNPJ or id, and who to tell about
its account (its administrators)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .documents import normalize_cnpj
from .models import Company
from .service import CompanyView


def _view(c: Company) -> CompanyView:
    return CompanyView(id=c.id, cnpj=c.cnpj, legal_name=c.legal_name, trade_name=c.trade_name,
                       state_registration=c.state_registration, is_active=c.is_active, state=c.state)  # fmt: skip


async def company_by_cnpj(uow: UnitOfWork, cnpj: str) -> CompanyView | None:
    """The company with this CNPJ (``InvalidInput`` ``invalid_cnpj`` for a malformed one)."""
    row = await repo.get_company_by_cnpj(uow, normalize_cnpj(cnpj))
    return _view(row) if row is not None else None


async def company(uow: UnitOfWork, company_id: uuid.UUID) -> CompanyView | None:
    row = await repo.get_company(uow, company_id)
    return _view(row) if row is not None else None


@dataclass(frozen=True)
class CompanyContact:
    user_id: uuid.UUID
    is_admin: bool


async def company_contacts(uow: UnitOfWork, company_id: uuid.UUID) -> list[CompanyContact]:
    """The company's active accounts (ids only: the notifications context resolves their contact)."""
    return [
        CompanyContact(u.id, bool(u.is_company_admin))
        for u in await repo.company_members(uow, company_id)
        if u.is_active
    ]
