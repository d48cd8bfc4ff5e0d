"""All SQL of the b2b context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select

from ecovarejo.core.uow import UnitOfWork

from .models import ApprovalRequest, GroupMember, Member, PriceList, PriceRule


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


async def delete(uow: UnitOfWork, obj: object) -> None:
    await uow.session.delete(obj)


async def price_list(uow: UnitOfWork, list_id: uuid.UUID) -> PriceList | None:
    return await uow.session.scalar(select(PriceList).where(PriceList.id == list_id))


async def price_rules(uow: UnitOfWork, list_id: uuid.UUID) -> list[PriceRule]:
    return list((await uow.session.scalars(select(PriceRule).where(PriceRule.price_list_id == list_id))).all())


async def price_lists(uow: UnitOfWork) -> list[PriceList]:
    return list((await uow.session.scalars(select(PriceList).order_by(PriceList.created_at))).all())


async def rules_in_force(
    uow: UnitOfWork, company_id: uuid.UUID, skus: Sequence[str], now: datetime
) -> list[tuple[PriceRule, str]]:
    """The rules for ``skus`` of the active lists valid at ``now`` for the company, for a customer group
    it belongs to, or for every company, with their list's name: one query."""
    q = (
        select(PriceRule, PriceList.name)
        .join(PriceList, PriceList.id == PriceRule.price_list_id)
        .where(
            PriceRule.sku.in_(list(skus)),
            PriceList.is_active.is_(True),
            or_(
                PriceList.company_id == company_id,
                PriceList.group_id.in_(select(GroupMember.group_id).where(GroupMember.company_id == company_id)),
                and_(PriceList.company_id.is_(None), PriceList.group_id.is_(None)),
            ),
            or_(PriceList.valid_from.is_(None), PriceList.valid_from <= now),
            or_(PriceList.valid_until.is_(None), PriceList.valid_until > now),
        )
        # most specific first: on equal prices the company's list names the rule, then a group's
        .order_by(PriceList.company_id.is_(None), PriceList.group_id.is_(None), PriceList.created_at)
    )
    return [(rule, str(name)) for rule, name in (await uow.session.execute(q)).all()]
