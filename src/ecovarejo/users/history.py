"""Past customers written in bulk (the demo's year of history): accounts that cannot sign in (no usable
password) and, for B2B buyers, their company — so that the orders of the history have real buyers whose
channel (B2C/B2B) every reader of the users context sees the same way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert, select

from ecovarejo.core.db import utcnow
from ecovarejo.core.uow import UnitOfWork

from .documents import cnpj_check_digits
from .models import Company, User

#: Not an Argon2 hash: no password ever matches it.
NO_PASSWORD = "!history-import"


@dataclass(frozen=True)
class PastCustomer:
    user_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    #: The legal name of the buyer's company: a B2B buyer.
    company: str | None = None


def synthetic_cnpj(seed: uuid.UUID) -> str:
    """A well-formed CNPJ (valid check digits, branch 0001) derived from ``seed``."""
    base = f"{seed.int % 10**8:08d}0001"
    return base + cnpj_check_digits(base)


async def import_customers(uow: UnitOfWork, customers: list[PastCustomer]) -> int:
    """Write the customers not written yet (by id); returns how many were written."""
    tid = uow.tenant_id
    ids = [c.user_id for c in customers]
    known: set[uuid.UUID] = set()
    for i in range(0, len(ids), 500):
        q = select(User.id).where(User.id.in_(ids[i : i + 500]))
        known |= set((await uow.session.scalars(q)).all())
    now = utcnow()
    companies: list[dict[str, object]] = []
    users: list[dict[str, object]] = []
    for c in customers:
        if c.user_id in known:
            continue
        company_id = None
        if c.company:
            company_id = uuid.uuid5(c.user_id, "company")
            companies.append({"id": company_id, "tenant_id": tid, "cnpj": synthetic_cnpj(c.user_id),
                              "legal_name": c.company[:200], "trade_name": c.company[:200], "is_active": True,
                              "created_at": now, "updated_at": now})  # fmt: skip
        users.append({"id": c.user_id, "tenant_id": tid, "email": c.email, "password_hash": NO_PASSWORD,
                      "first_name": c.first_name[:100], "last_name": c.last_name[:100], "user_type": "customer",
                      "company_id": company_id, "is_company_admin": company_id is not None, "email_verified": True,
                      "created_at": now, "updated_at": now})  # fmt: skip
    if companies:
        await uow.session.execute(insert(cast(Table, Company.__table__)), companies)
    if users:
        await uow.session.execute(insert(cast(Table, User.__table__)), users)
    return len(users)
