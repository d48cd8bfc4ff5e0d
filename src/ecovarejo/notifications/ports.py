"""What this context needs from the contexts that own a person's contact data (LGPD art. 6 III).

Events name people by id only; the address, phone and first name a message needs are resolved when the
message is recorded, through these ports, from the context that owns them: the users context for an
account (plugged by the composition root, same layer), the orders context for the snapshot taken at
checkout (provided by the orders context, a higher layer) when the users context does not know the buyer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from ecovarejo.core.ports import Ports
from ecovarejo.core.uow import UnitOfWork


class Contact(Protocol):
    """How to reach a person, as of now. ``erased``: their data was erased (LGPD): reach them never."""

    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def locale(self) -> str | None: ...
    @property
    def erased(self) -> bool: ...


class ContactBook(Protocol):
    """An account's contact, in the unit of work's tenant; None when the account is unknown."""

    async def contact(self, uow: UnitOfWork, user_id: uuid.UUID) -> Contact | None: ...


class SignInDevices(Protocol):
    """The device of a sign-in (IP address, user agent) the new-device alert shows: the ``user.signed_in``
    event carries only the session's id; the users context, which keeps the session, answers. None when the
    session is unknown (ended, erased)."""

    async def sign_in_device(
        self, uow: UnitOfWork, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> tuple[str | None, str | None] | None: ...


class CompanyJoinRequests(Protocol):
    """The address of someone without an account who asked to register a company that already has one: the
    ``user.company_registration_attempted`` event carries the request's id; the users context, which keeps
    the request (30 days), answers. None when unknown or purged."""

    async def requester_email(self, uow: UnitOfWork, request_id: uuid.UUID) -> str | None: ...


class OrderContacts(Protocol):
    """The buyer's contact snapshot of an order of the unit of work's tenant; None when unknown."""

    async def order_contact(self, uow: UnitOfWork, order_id: uuid.UUID) -> Contact | None: ...


@dataclass(frozen=True)
class Resolved:
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    locale: str | None = None
    erased: bool = False
    #: Whether an owning context answered (False: only what the directory or an old envelope holds).
    known: bool = False


async def resolve(ports: Ports, uow: UnitOfWork, user_id: uuid.UUID | None, order_id: uuid.UUID | None) -> Resolved:
    """The person's contact at send time: the account's when the users context knows it (an erased
    account answers ``erased``), else the order's snapshot, else nothing known."""
    found: Contact | None = None
    book = ports.find(ContactBook)
    if user_id is not None and book is not None:
        found = await book.contact(uow, user_id)
    if found is None and order_id is not None:
        orders = ports.find(OrderContacts)
        if orders is not None:
            found = await orders.order_contact(uow, order_id)
    if found is None:
        return Resolved()
    if found.erased:
        return Resolved(erased=True, known=True)
    return Resolved(found.email, found.phone, found.first_name, found.locale, known=True)
