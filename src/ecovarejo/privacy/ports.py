"""What the privacy context needs from the accounts: a port the composition root plugs the users
context's adapter into (both sit on one layer and do not import each other)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork


@runtime_checkable
class DataSubjects(Protocol):
    async def exists(self, uow: UnitOfWork, user_id: uuid.UUID) -> bool:
        """An active account of the unit of work's tenant."""
        ...

    async def identifying_values(self, uow: UnitOfWork, user_id: uuid.UUID) -> list[str]:
        """The person's e-mail, names, CPF, phone, street and CEP as stored (to scrub copies by value)."""
        ...

    async def verify_password(self, uow: UnitOfWork, user_id: uuid.UUID, password: str) -> bool:
        """Re-verify the person's identity before handing data out or erasing."""
        ...

    async def erase(self, uow: UnitOfWork, user_id: uuid.UUID) -> bool:
        """Anonymise the account, revoke its sessions and tokens, emit ``user.erased``."""
        ...

    async def last_active(self, uow: UnitOfWork, user_id: uuid.UUID) -> datetime | None:
        """The account's last sign-in (or its sign-up); ``None`` when there is no active account."""
        ...

    async def inactive_accounts(self, uow: UnitOfWork, before: datetime, limit: int) -> Sequence[uuid.UUID]:
        """Active customer accounts with no sign-in since ``before``."""
        ...

    async def forget_ips(self, uow: UnitOfWork, before: datetime) -> dict[str, int]:
        """Remove the IP addresses of sessions and consent entries recorded before ``before``; counts by kind."""
        ...

    async def purge_expired_tokens(self, uow: UnitOfWork, now: datetime) -> dict[str, int]:
        """Delete expired one-time tokens and finished e-mail-change rows; counts by kind."""
        ...


@runtime_checkable
class NotificationBodies(Protocol):
    """The notifications context's sent messages (subject and bodies greet the person), purged at the
    tenant's period by the retention job (the composition root plugs the notifications context in)."""

    async def purge_sent(self, uow: UnitOfWork, before: datetime) -> int:
        """Delete the unit of work's tenant's finished messages older than ``before``; how many."""
        ...


def subjects_of(container: Container) -> DataSubjects:
    """The accounts (the composition root plugs the users context's adapter in)."""
    return container.ports.get(DataSubjects)
