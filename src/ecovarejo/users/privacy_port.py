"""The accounts as the privacy context needs them (its ``DataSubjects`` port, matched structurally)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from ecovarejo.core.uow import UnitOfWork

from . import lgpd
from . import repository as repo
from .passwords import dummy_hash, verify_password


class UsersDataSubjects:
    async def exists(self, uow: UnitOfWork, user_id: uuid.UUID) -> bool:
        user = await repo.get_user(uow, user_id)
        return user is not None and user.is_active

    async def identifying_values(self, uow: UnitOfWork, user_id: uuid.UUID) -> list[str]:
        user = await repo.get_user(uow, user_id)
        if user is None:
            return []
        values = [
            user.email,
            user.first_name,
            user.last_name,
            f"{user.first_name} {user.last_name}",
            user.phone,
            user.cpf,
        ]
        for a in await repo.list_addresses(uow, user_id):
            values += [a.recipient_name, a.address_line1, a.address_line2, a.postal_code]
        return [v for v in dict.fromkeys(values) if v and len(v.strip()) >= 3]

    async def verify_password(self, uow: UnitOfWork, user_id: uuid.UUID, password: str) -> bool:
        user = await repo.get_user(uow, user_id)
        if user is None:
            verify_password(dummy_hash(), password)  # same time either way
            return False
        return verify_password(user.password_hash, password)

    async def erase(self, uow: UnitOfWork, user_id: uuid.UUID) -> bool:
        return await lgpd.erase_personal_data(uow, user_id)

    async def last_active(self, uow: UnitOfWork, user_id: uuid.UUID) -> datetime | None:
        """The last sign-in (or the sign-up); ``None`` for no active account."""
        user = await repo.get_user(uow, user_id)
        if user is None or not user.is_active:
            return None
        return user.last_login_at or user.created_at

    async def inactive_accounts(self, uow: UnitOfWork, before: datetime, limit: int) -> Sequence[uuid.UUID]:
        return await repo.inactive_customers(uow, before, limit)

    async def forget_ips(self, uow: UnitOfWork, before: datetime) -> dict[str, int]:
        return await repo.forget_ips(uow, before)

    async def purge_expired_tokens(self, uow: UnitOfWork, now: datetime) -> dict[str, int]:
        from .email_change import REPORT_TTL

        return await repo.purge_expired_tokens(uow, now, REPORT_TTL)
