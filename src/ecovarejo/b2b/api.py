"""B2B HTTP API for company members: roles and spending limits, purchase approvals."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.http import get_container, get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import approval_mail, pricelists, service
from .schemas import (
    ApprovalIn,
    ApprovalList,
    ApprovalOut,
    DecisionIn,
    ImportedOut,
    MemberIn,
    MemberList,
    MemberOut,
    MembershipOut,
    PriceListIn,
    PriceListList,
    PriceListOut,
)

router = APIRouter(prefix="/api/v1/b2b", tags=["b2b"])


def _json(view: Any) -> dict[str, Any]:
    out = asdict(view)
    for k, v in out.items():
        if v is not None and not isinstance(v, (str, int, bool, dict, list)):
            out[k] = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return out


@router.get("/me", response_model=MembershipOut, response_model_exclude_unset=True)
async def me(principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)) -> Any:
    """The caller's role in their company and spending limit (null: no limit)."""
    view = await service.membership(uow, principal.user_id)
    return _json(view) if view is not None else {"role": None, "company_id": None, "spending_limit": None}


@router.get("/members", response_model=MemberList)
async def members(
    principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return {"items": [_json(m) for m in await service.members(uow, principal)]}


@router.put("/members/{user_id}", response_model=MemberOut)
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


@router.post("/approvals", status_code=201, response_model=ApprovalOut)
async def request_approval(
    body: ApprovalIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Ask the company's approvers for a purchase above one's limit (these lines, up to ``amount``); they
    are e-mailed in the same transaction."""
    view = await service.request_approval(uow, principal, body.lines, body.amount, body.note)
    await approval_mail.tell_approvers(container, uow, view)
    await uow.commit()
    return _json(view)


@router.get("/approvals", response_model=ApprovalList)
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


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalOut)
async def approve(
    approval_id: uuid.UUID,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    return await _decide(approval_id, body, principal, uow, container, True)


@router.post("/approvals/{approval_id}/reject", response_model=ApprovalOut)
async def reject(
    approval_id: uuid.UUID,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    return await _decide(approval_id, body, principal, uow, container, False)


# -- staff: price lists ------------------------------------------------------------------------------

admin = APIRouter(prefix="/api/v1/admin/b2b", tags=["b2b"])
staff = require_permission("manage_orders")


def _list_json(pl: Any, rules: list[Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(pl.id), "name": pl.name, "company_id": str(pl.company_id) if pl.company_id else None,
        "group_id": str(pl.group_id) if pl.group_id else None,
        "valid_from": pl.valid_from.isoformat() if pl.valid_from else None,
        "valid_until": pl.valid_until.isoformat() if pl.valid_until else None, "is_active": pl.is_active,
    }  # fmt: skip
    if rules is not None:
        out["rules"] = [
            {"sku": r.sku, "kind": r.kind, "value": f"{r.value:.2f}", "min_qty": r.min_qty, "max_qty": r.max_qty,
             "moq": r.moq, "multiple": r.multiple}
            for r in sorted(rules, key=lambda r: (r.sku, r.min_qty))
        ]  # fmt: skip
    return out


@admin.post("/price-lists", status_code=201, response_model=PriceListOut, response_model_exclude_unset=True)
async def create_price_list(
    body: PriceListIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """A price list for one company (``company_id``), one customer group (``group_id``) or every company
    account, with its rules (tiers
    of one SKU may not overlap: ``422 overlapping_tiers``, nothing saved)."""
    rules = pricelists.parse_rules([r.model_dump() for r in body.rules])
    pl = await pricelists.create(uow, name=body.name, company_id=body.company_id, valid_from=body.valid_from,
                                 valid_until=body.valid_until, rules=rules, group_id=body.group_id)  # fmt: skip
    await uow.commit()
    saved = (await pricelists.get(uow, pl.id))[1]
    return _list_json(pl, saved)


@admin.get("/price-lists", response_model=PriceListList, response_model_exclude_unset=True)
async def price_lists(_: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)) -> dict[str, Any]:
    return {"items": [_list_json(pl) for pl in await pricelists.all_lists(uow)]}


@admin.get("/price-lists/{list_id}", response_model=PriceListOut, response_model_exclude_unset=True)
async def price_list(
    list_id: uuid.UUID, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    pl, rules = await pricelists.get(uow, list_id)
    return _list_json(pl, rules)


@admin.get("/price-lists/{list_id}/rules.csv")
async def export_rules(
    list_id: uuid.UUID, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> Response:
    rules = (await pricelists.get(uow, list_id))[1]
    return Response(pricelists.to_csv(rules), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="price-list-{list_id}.csv"'})  # fmt: skip


@admin.put("/price-lists/{list_id}/rules.csv", response_model=ImportedOut)
async def import_rules(
    list_id: uuid.UUID, request: Request, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """Replace the list's rules with a CSV (``sku,kind,value,min_qty,max_qty,moq,multiple``): all or nothing."""
    raw = await request.body()
    if len(raw) > 2_000_000:
        raise InvalidInput("the CSV is larger than 2 MB", code="csv_too_large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV must be UTF-8", code="invalid_csv") from None
    count = await pricelists.replace_rules(uow, list_id, pricelists.parse_csv(text))
    await uow.commit()
    return {"imported": count}
