"""The users context's public service: what other contexts may call (never ``models``/``repository``).

- ``await get_user(uow, user_id) -> UserView | None`` — a small public view of an account of the
  unit of work's tenant: ``id, email, first_name, last_name, user_type, company_id, locale, is_active``.
- ``await is_b2b(uow, user_id) -> bool`` — whether the account buys for a company (has a CNPJ-backed
  company); False for unknown users.
- ``await earn_order_points(uow, user_id, order_id, total, sustainability_score=None)`` — the eco-loyalty
  earning rule, also run by the ``order.delivered`` consumer (idempotent per order).

Authentication for other contexts is ``ecovarejo.core.auth`` (the authenticator port this context
installs); tests use ``tests.support.token_for``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ecovarejo.core.uow import UnitOfWork

from . import accounts
from . import repository as repo


@dataclass(frozen=True)
class UserView:
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    user_type: str
    company_id: uuid.UUID | None
    locale: str
    is_active: bool


async def get_user(uow: UnitOfWork, user_id: uuid.UUID) -> UserView | None:
    user = await repo.get_user(uow.session, user_id)
    if user is None:
        return None
    return UserView(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        user_type=user.user_type,
        company_id=user.company_id,
        locale=user.locale,
        is_active=user.is_active,
    )


async def is_b2b(uow: UnitOfWork, user_id: uuid.UUID) -> bool:
    user = await repo.get_user(uow.session, user_id)
    return user is not None and user.company_id is not None


async def earn_order_points(
    uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID, total: str, sustainability_score: Any = None
) -> int:
    """Points credited for this order now (0 when already credited or the user is unknown)."""
    entry = await accounts.earn_for_order(uow, user_id, order_id, total, sustainability_score)
    return entry.points if entry else 0
