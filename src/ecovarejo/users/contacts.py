"""How to reach an account holder, resolved when a message is sent (events carry only the user's id).

The notifications context asks through its ``ContactBook`` port (matched structurally, plugged by the
composition root). Tenant-scoped like every query of the unit of work; an erased account answers
``erased`` and no contact data, so nothing is ever sent to an erased person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .models import User

#: The password hash an erased account gets (``lgpd.erase_personal_data``): no password verifies it.
ERASED_HASH = "!erased"


@dataclass(frozen=True)
class UserContact:
    user_id: uuid.UUID
    email: str | None
    phone: str | None
    first_name: str | None
    locale: str | None
    erased: bool = False


def is_erased(user: User) -> bool:
    return user.password_hash == ERASED_HASH


async def contact(uow: UnitOfWork, user_id: uuid.UUID) -> UserContact | None:
    """The account's e-mail, phone, first name and locale now; None for no such account in this tenant;
    no contact data (``erased``) for an erased one."""
    user = await repo.get_user(uow, user_id)
    if user is None:
        return None
    if is_erased(user):
        return UserContact(user.id, None, None, None, None, erased=True)
    return UserContact(user.id, user.email, user.phone, user.first_name, user.locale)


class UsersContactBook:
    """The notifications context's ``ContactBook`` port."""

    async def contact(self, uow: UnitOfWork, user_id: uuid.UUID) -> UserContact | None:
        return await contact(uow, user_id)


class UsersSignInDevices:
    """The notifications context's ``SignInDevices`` port: a session's IP address and user agent, kept by
    this context (``refresh_tokens``), so that the ``user.signed_in`` event carries only the session id."""

    async def sign_in_device(
        self, uow: UnitOfWork, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> tuple[str | None, str | None] | None:
        return await repo.session_device(uow, user_id, session_id)


class UsersCompanyJoinRequests:
    """The notifications context's ``CompanyJoinRequests`` port: the address of someone without an account
    who asked to register a company that already has one (``user.company_registration_attempted`` carries
    the request's id only). None once the request was purged (30 days)."""

    async def requester_email(self, uow: UnitOfWork, request_id: uuid.UUID) -> str | None:
        return await repo.company_join_request_email(uow, request_id)
