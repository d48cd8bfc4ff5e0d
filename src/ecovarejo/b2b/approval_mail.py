"""E-mails to a company's approvers when a buyer asks for an approval (its approvers and administrators
set in b2b, and the company's administrators; never the requester)."""

from __future__ import annotations

import uuid

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.notifications import public as notifications
from ecovarejo.users import public as users

from . import repository as repo
from .service import ApprovalView


async def approvers_of(uow: UnitOfWork, company_id: uuid.UUID) -> set[uuid.UUID]:
    """Who decides the company's requests: members set as approver or admin, and the company's
    administrators (admins by default) unless set to another role."""
    members = {m.user_id: m.role for m in await repo.members(uow, company_id)}
    chosen = {uid for uid, role in members.items() if role in ("approver", "admin")}
    admins = {c.user_id for c in await users.company_contacts(uow, company_id) if c.is_admin}
    return chosen | {uid for uid in admins if members.get(uid, "admin") == "admin"}


async def tell_approvers(container: Container, uow: UnitOfWork, view: ApprovalView) -> int:
    """Record one e-mail per approver in the request's transaction (sent after it commits)."""
    told = 0
    for user_id in sorted(await approvers_of(uow, view.company_id) - {view.requester_id}):
        await notifications.request_notification(container, uow, notifications.Request(
            template="approval_requested", user_id=user_id, cause=f"approval_requested:{view.id}:{user_id}",
            context={"amount": str(view.amount), "lines": sum(view.lines.values()), "note": view.note or "",
                     "approval_id": str(view.id)},
        ))  # fmt: skip
        told += 1
    return told
