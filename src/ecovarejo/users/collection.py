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
