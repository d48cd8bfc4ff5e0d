"""The audit of collection (LGPD art. 37, the seed's ``collect_personal_data``): what personal data the
account gave (field names, never values), for which purpose, under which consent (the ledger entry of the
privacy policy the person accepted), and staff reads of a customer. Entries go to the privacy context's
hash-chained log through :attr:`UsersPorts.audit`, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ecovarejo.core.auth import Principal
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .ports import UsersPorts

ACCOUNT = "account and orders (LGPD art. 7 V)"
DELIVERY = "delivery of orders (LGPD art. 7 V)"
SUPPORT = "customer support and fraud prevention (LGPD art. 7 IX)"
ADMINISTRATION = "customer administration (LGPD art. 7 IX)"
B2B = "purchasing on behalf of the buyer's company (LGPD art. 7 V)"


async def _consent_id(uow: UnitOfWork, user_id: uuid.UUID) -> str | None:
    """The ledger entry of the privacy policy the person accepted last (the consent the data rests on)."""
    current = None
    for entry in await repo.consent_history(uow, user_id):
        if entry.purpose == "privacy":
            current = entry if entry.granted else None
    return str(current.id) if current is not None else None


async def collected(
    uow: UnitOfWork, ports: UsersPorts, user_id: uuid.UUID, action: str, fields: Iterable[str], purpose: str
) -> None:
    """``action``: ``collection.registration``, ``collection.profile``, ``collection.address_added``..."""
    names = sorted(set(fields))
    if not names:
        return
    await ports.audit(
        uow,
        action,
        subject_id=user_id,
        purpose=purpose,
        consent_id=await _consent_id(uow, user_id),
        details={"data_types": names},
    )


async def staff_read(uow: UnitOfWork, ports: UsersPorts, staff: Principal, user_id: uuid.UUID) -> None:
    """A staff member opened a customer's record (admin page or API)."""
    await ports.audit(
        uow,
        "staff_read.customer",
        actor=f"user:{staff.user_id}",
        subject_id=user_id,
        purpose=SUPPORT,
        details={"staff_id": str(staff.user_id)},
    )


async def staff_search(
    uow: UnitOfWork, ports: UsersPorts, staff: Principal, user_ids: list[uuid.UUID], *, searched: bool
) -> None:
    """A staff member listed or searched customers (``GET /api/v1/admin/users?q=``): who, and whose records
    came back (ids; never the query, which may be an e-mail or a CPF)."""
    await ports.audit(
        uow,
        "staff_read.search",
        actor=f"user:{staff.user_id}",
        purpose=ADMINISTRATION,
        details={"staff_id": str(staff.user_id), "search": searched, "users": [str(u) for u in user_ids]},
    )


async def buyer_added(
    uow: UnitOfWork, ports: UsersPorts, admin_id: uuid.UUID, buyer_id: uuid.UUID, fields: Iterable[str]
) -> None:
    """A company's administrator gave a colleague's data to open their buyer account (B2B): the buyer is the
    subject, the administrator the actor; no consent of the buyer (the basis is the company's contract)."""
    await ports.audit(
        uow,
        "collection.b2b_buyer_added",
        actor=f"user:{admin_id}",
        subject_id=buyer_id,
        purpose=B2B,
        details={"data_types": sorted(set(fields)), "added_by": str(admin_id)},
    )
