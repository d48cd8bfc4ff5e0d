"""The buyer's contact as the order snapshotted it at checkout (encrypted at rest), for messages about an
order whose buyer the users context does not know (history imported from another shop, an account that
lives elsewhere). Order events carry only ids; the notifications context resolves the address at send
time: the account's first (users context), this snapshot otherwise. A guest checkout creates a
passwordless account, so a guest resolves like any account. Erasure empties the snapshot, and the users
context answers "erased" first, so nothing reaches an erased person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ecovarejo.core.uow import UnitOfWork

from . import repository as repo


@dataclass(frozen=True)
class OrderContact:
    order_id: uuid.UUID
    email: str | None
    phone: str | None
    first_name: str | None
    locale: str | None
    erased: bool = False


async def order_contact(uow: UnitOfWork, order_id: uuid.UUID) -> OrderContact | None:
    """The buyer's e-mail, first name, phone (of the shipping address) and locale of an order of this tenant."""
    order = await repo.get_order(uow, order_id)
    if order is None or (uow.tenant_id is not None and order.tenant_id != uow.tenant_id):
        return None
    phone = (order.shipping_address or {}).get("phone")
    return OrderContact(order.id, order.email, str(phone) if phone else None, order.first_name, order.locale)


class OrdersContactBook:
    """The notifications context's ``OrderContacts`` port."""

    async def order_contact(self, uow: UnitOfWork, order_id: uuid.UUID) -> OrderContact | None:
        return await order_contact(uow, order_id)
