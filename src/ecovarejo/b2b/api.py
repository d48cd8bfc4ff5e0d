"""B2B HTTP API for company members: roles and spending limits, purchase approvals."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query

from ecovarejo.core.auth import Principal, current_principal
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container, get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import service
from .schemas import ApprovalIn, DecisionIn, MemberIn

router = APIRouter(prefix="/api/v1/b2b", tags=["b2b"])


def _json(view: Any) -> dict[str, Any]:
    out = asdict(view)
    for k, v in out.items():
        if v is not None and not isinstance(v, (str, int, bool, dict, list)):
            out[k] = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return out


@router.get("/me")
async def me(principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)) -> Any:
    """The caller's role in their company and spending limit (null: no limit)."""
    view = await service.membership(uow, principal.user_id)
    return _json(view) if view is not None else {"role": None, "company_id": None, "spending_limit": None}


@router.get("/members")
async def members(
    principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return {"items": [_json(m) for m in await service.members(uow, principal)]}


@router.put("/members/{user_id}")
async def put_member(
    user_id: uuid.UUID,
    body: MemberIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """A company administrator sets a member's role (buyer, approver, admin) and spending limit."""
    view = await service.set_member(uow, principal, user_id, body.role, body.spending_limit)
    await uow.commit()
    return _json(view)


@router.post("/approvals", status_code=201)
async def request_approval(
    body: ApprovalIn, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """Ask the company's approvers for a purchase above one's limit (these lines, up to ``amount``)."""
    view = await service.request_approval(uow, principal, body.lines, body.amount, body.note)
    await uow.commit()
    return _json(view)


@router.get("/approvals")
async def approvals(
    status: str | None = Query(None, max_length=20),
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    return {"items": [_json(a) for a in await service.list_approvals(uow, principal, status)]}


async def _decide(
    approval_id: uuid.UUID, body: DecisionIn, principal: Principal, uow: UnitOfWork, container: Container, ok: bool
) -> dict[str, Any]:
    view = await service.decide(uow, principal, approval_id, approve=ok, note=body.note, now=container.now())
    await uow.commit()
    return _json(view)


@router.post("/approvals/{approval_id}/approve")
async def approve(
    approval_id: uuid.UUID,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    return await _decide(approval_id, body, principal, uow, container, True)


@router.post("/approvals/{approval_id}/reject")
async def reject(
    approval_id: uuid.UUID,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    return await _decide(approval_id, body, principal, uow, container, False)
