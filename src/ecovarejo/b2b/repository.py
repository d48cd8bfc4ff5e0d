"""All SQL of the b2b context."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ecovarejo.core.uow import UnitOfWork

from .models import ApprovalRequest, Member


async def member(uow: UnitOfWork, user_id: uuid.UUID) -> Member | None:
    return await uow.session.scalar(select(Member).where(Member.user_id == user_id))


async def members(uow: UnitOfWork, company_id: uuid.UUID) -> list[Member]:
    q = select(Member).where(Member.company_id == company_id).order_by(Member.created_at)
    return list((await uow.session.scalars(q)).all())


async def approval(uow: UnitOfWork, approval_id: uuid.UUID, *, lock: bool = False) -> ApprovalRequest | None:
    q = select(ApprovalRequest).where(ApprovalRequest.id == approval_id)
    if lock:
        q = q.with_for_update()
    return await uow.session.scalar(q)


async def approvals(
    uow: UnitOfWork, company_id: uuid.UUID, *, requester_id: uuid.UUID | None, status: str | None, limit: int
) -> list[ApprovalRequest]:
    q = select(ApprovalRequest).where(ApprovalRequest.company_id == company_id)
    if requester_id is not None:
        q = q.where(ApprovalRequest.requester_id == requester_id)
    if status:
        q = q.where(ApprovalRequest.status == status)
    q = q.order_by(ApprovalRequest.created_at.desc()).limit(limit)
    return list((await uow.session.scalars(q)).all())


async def approved_for(uow: UnitOfWork, requester_id: uuid.UUID) -> list[ApprovalRequest]:
    q = (
        select(ApprovalRequest)
        .where(ApprovalRequest.requester_id == requester_id, ApprovalRequest.status == "approved")
        .order_by(ApprovalRequest.created_at)
        .with_for_update()
    )
    return list((await uow.session.scalars(q)).all())


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)
