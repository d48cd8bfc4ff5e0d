"""The notifications context's public surface: what other contexts (privacy, logistics, analytics...),
web and the CLI may call to ask for a message. Messages come back as frozen :class:`MessageView`
values, never ORM rows. Most contexts need none of this: they emit an event and this context reacts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import service
from .models import NotificationMessage
from .ports import CompanyJoinRequests, Contact, ContactBook, OrderContacts, SignInDevices
from .service import Request

__all__ = [
    "CompanyJoinRequests",
    "Contact",
    "ContactBook",
    "MessageView",
    "NotificationRetention",
    "OrderContacts",
    "Request",
    "SignInDevices",
    "request_notification",
]


class NotificationRetention:
    """The privacy context's ``NotificationBodies`` port: the tenant's finished messages (subject and
    bodies greet the person by name) purged at the tenant's period by the ``privacy.retention`` job."""

    async def purge_sent(self, uow: UnitOfWork, before: datetime) -> int:
        from . import repository

        return await repository.purge_messages(uow, before)


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    user_id: uuid.UUID | None
    channel: str
    category: str
    template: str
    locale: str
    to_address: str
    subject: str
    #: pending | sent | failed | suppressed ...
    status: str
    created_at: datetime

    @classmethod
    def of(cls, m: NotificationMessage) -> MessageView:
        return cls(
            id=m.id,
            user_id=m.user_id,
            channel=m.channel,
            category=m.category,
            template=m.template,
            locale=m.locale,
            to_address=m.to_address,
            subject=m.subject,
            status=m.status,
            created_at=m.created_at,
        )


async def request_notification(container: Container, uow: UnitOfWork, req: Request) -> list[MessageView]:
    """Record the messages for ``req`` in ``uow`` (pending, or suppressed with the reason); they are sent
    after the unit of work commits, never for a rolled-back one."""
    created = await service.request_notification(uow, service.runtime(container), req)
    return [MessageView.of(m) for m in created]
