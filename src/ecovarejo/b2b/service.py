"""Company buying: members' roles and spending limits, approvals of purchases above a buyer's limit,
and the check checkout runs for company buyers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.users import public as users

from . import repository as repo
from .models import ROLES, ApprovalRequest, Member

MAX_LINES = 50
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class MemberView:
    user_id: uuid.UUID
    company_id: uuid.UUID
    role: str
    spending_limit: Decimal | None


@dataclass(frozen=True)
class ApprovalView:
    id: uuid.UUID
    company_id: uuid.UUID
    requester_id: uuid.UUID
    lines: dict[str, int]
    amount: Decimal
    status: str
    note: str | None
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_note: str | None
    created_at: datetime


def _approval_view(a: ApprovalRequest) -> ApprovalView:
    return ApprovalView(
        id=a.id, company_id=a.company_id, requester_id=a.requester_id,
        lines={str(k): int(v) for k, v in a.lines.items()}, amount=a.amount, status=a.status, note=a.note,
        decided_by=a.decided_by, decided_at=a.decided_at, decision_note=a.decision_note, created_at=a.created_at,
    )  # fmt: skip


async def membership(uow: UnitOfWork, user_id: uuid.UUID) -> MemberView | None:
    """The user's role in their company: their own row, or by default ``admin`` for the company's
    administrator (users context) and ``buyer`` without a limit for the others; None outside a company."""
    buyer = await users.get_buyer(uow, user_id)
    if buyer is None or buyer.user.company_id is None:
        return None
    row = await repo.member(uow, user_id)
    if row is not None and row.company_id == buyer.user.company_id:
        return MemberView(user_id, row.company_id, row.role, row.spending_limit)
    return MemberView(user_id, buyer.user.company_id, "admin" if buyer.user.is_company_admin else "buyer", None)


async def _member_of_company(uow: UnitOfWork, principal: Principal) -> MemberView:
    me = await membership(uow, principal.user_id)
    if me is None:
        raise Forbidden("only a company's members can do this", code="company_required")
    return me


def _limit(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput("the spending limit is an amount in reais", code="invalid_spending_limit") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("100000000"):
        raise InvalidInput("the spending limit is an amount from 0 to 100,000,000", code="invalid_spending_limit")
    return quantize(amount)


async def set_member(
    uow: UnitOfWork, principal: Principal, user_id: uuid.UUID, role: str, spending_limit: Any
) -> MemberView:
    """A company administrator sets a member's role and limit (a member of the same company only)."""
    me = await _member_of_company(uow, principal)
    if me.role != "admin":
        raise Forbidden("only the company's administrators manage its members", code="company_admin_required")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    limit = _limit(spending_limit)
    target = await users.get_buyer(uow, user_id)
    if target is None or target.user.company_id != me.company_id:
        raise NotFound("no such member in your company", code="member_not_found")
    if user_id == principal.user_id and role != "admin":
        raise Conflict("administrators cannot demote themselves", code="cannot_demote_self")
    row = await repo.member(uow, user_id)
    if row is None:
        row = Member(company_id=me.company_id, user_id=user_id, role=role, spending_limit=limit)
        repo.add(uow, row)
    else:
        row.company_id, row.role, row.spending_limit = me.company_id, role, limit
    await uow.flush()
    return MemberView(user_id, me.company_id, role, limit)


async def members(uow: UnitOfWork, principal: Principal) -> list[MemberView]:
    me = await _member_of_company(uow, principal)
    return [
        MemberView(m.user_id, m.company_id, m.role, m.spending_limit) for m in await repo.members(uow, me.company_id)
    ]


def _lines(lines: Mapping[str, Any]) -> dict[str, int]:
    if not lines:
        raise InvalidInput("say which items to buy", code="no_items")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines", code="too_many_lines")
    out: dict[str, int] = {}
    for sku, qty in lines.items():
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QUANTITY or len(sku) > 64:
            raise InvalidInput(f"invalid quantity of {sku[:64]}", code="invalid_quantity")
        out[sku] = qty
    return dict(sorted(out.items()))


async def request_approval(
    uow: UnitOfWork, principal: Principal, lines: Mapping[str, Any], amount: Any, note: str | None
) -> ApprovalView:
    me = await _member_of_company(uow, principal)
    total = _limit(amount)
    if total is None or total <= 0:
        raise InvalidInput("the amount to approve must be positive", code="invalid_amount")
    row = ApprovalRequest(company_id=me.company_id, requester_id=principal.user_id, lines=_lines(lines),
                          amount=total, status="pending", note=(note or None) and note[:500])  # fmt: skip
    repo.add(uow, row)
    await uow.flush()
    return _approval_view(row)


async def list_approvals(uow: UnitOfWork, principal: Principal, status: str | None) -> list[ApprovalView]:
    """A buyer sees their own requests; approvers and administrators see the company's."""
    me = await _member_of_company(uow, principal)
    mine_only = principal.user_id if me.role == "buyer" else None
    rows = await repo.approvals(uow, me.company_id, requester_id=mine_only, status=status, limit=100)
    return [_approval_view(r) for r in rows]


async def decide(
    uow: UnitOfWork, principal: Principal, approval_id: uuid.UUID, *, approve: bool, note: str | None, now: datetime
) -> ApprovalView:
    me = await _member_of_company(uow, principal)
    if me.role not in ("approver", "admin"):
        raise Forbidden("only approvers decide purchase requests", code="approver_required")
    row = await repo.approval(uow, approval_id, lock=True)
    if row is None or row.company_id != me.company_id:
        raise NotFound("no such request", code="approval_not_found")
    if row.requester_id == principal.user_id:
        raise Forbidden("nobody approves their own purchase", code="self_approval")
    if row.status != "pending":
        raise Conflict(f"the request is already {row.status}", code="approval_not_pending")
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_note = principal.user_id, now, (note or None) and note[:500]
    await uow.flush()
    return _approval_view(row)


class ApprovalRequired(Forbidden):
    code = "approval_required"


async def authorize_spend(
    uow: UnitOfWork, user_id: uuid.UUID, lines: Mapping[str, int], total: Decimal
) -> uuid.UUID | None:
    """Checkout's check for a company buyer: within their limit, or covered by an approved request for
    these lines (then used up, in checkout's transaction); else :class:`ApprovalRequired` (403), nothing
    written. Returns the approval used, if any."""
    row = await repo.member(uow, user_id)
    if row is None or row.spending_limit is None or total <= row.spending_limit:
        return None
    wanted = dict(sorted((str(k), int(v)) for k, v in lines.items()))
    for approval in await repo.approved_for(uow, user_id):
        if approval.company_id == row.company_id and approval.lines == wanted and total <= approval.amount:
            approval.status = "used"
            await uow.flush()
            return approval.id
    raise ApprovalRequired(
        f"this order ({total}) is above your spending limit ({row.spending_limit}); ask an approver",
        code="approval_required",
        extra={"spending_limit": str(row.spending_limit), "total": str(total)},
    )
