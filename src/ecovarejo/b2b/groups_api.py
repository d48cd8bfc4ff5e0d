"""Staff (``manage_orders``) keep customer groups under ``/api/v1/admin/b2b/groups``: a group's code and
name, and the companies in it (replaced all at once). A price list is for a group with ``group_id``."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ecovarejo.core.auth import Principal, require_permission
from ecovarejo.core.http import get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import groups

admin = APIRouter(prefix="/api/v1/admin/b2b/groups", tags=["b2b"])
staff = require_permission("manage_orders")


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description='e.g. "atacado"')
    name: str = Field(min_length=1, max_length=120)


class GroupCompaniesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_ids: list[uuid.UUID] = Field(max_length=groups.MAX_COMPANIES)


class GroupCompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cnpj: str = Field(min_length=14, max_length=20)


class GroupCompanyOut(BaseModel):
    id: str
    cnpj: str
    legal_name: str


class GroupOut(BaseModel):
    id: str
    code: str
    name: str
    company_ids: list[str]
    companies: list[GroupCompanyOut] | None = Field(default=None, description="In the listing: CNPJ and name")


class GroupList(BaseModel):
    items: list[GroupOut]


def _json(group: Any, companies: list[uuid.UUID]) -> dict[str, Any]:
    return {"id": str(group.id), "code": group.code, "name": group.name, "company_ids": [str(c) for c in companies]}


@admin.post("", status_code=201, response_model=GroupOut)
async def create_group(body: GroupIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)) -> Any:
    """A new group (``409 group_exists`` for a code in use)."""
    group = await groups.create(uow, body.code, body.name)
    await uow.commit()
    return _json(group, [])


@admin.get("", response_model=GroupList)
async def list_groups(_: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)) -> Any:
    """Every group with its companies (their CNPJ and legal name)."""
    return {"items": [{**_json(g, members), "companies": await groups.described(uow, members)}
                      for g, members in await groups.all_groups(uow)]}  # fmt: skip


@admin.post("/{group_id}/companies", response_model=GroupOut)
async def add_company(
    group_id: uuid.UUID, body: GroupCompanyIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    """A company joins the group by CNPJ (``404 company_not_found``); again: no change."""
    await groups.add_company(uow, group_id, body.cnpj)
    group, members = await groups.get(uow, group_id), await groups.companies_of(uow, group_id)
    await uow.commit()
    return _json(group, members)


@admin.delete("/{group_id}/companies/{company_id}", response_model=GroupOut)
async def remove_company(
    group_id: uuid.UUID, company_id: uuid.UUID, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    await groups.remove_company(uow, group_id, company_id)
    group, members = await groups.get(uow, group_id), await groups.companies_of(uow, group_id)
    await uow.commit()
    return _json(group, members)


@admin.put("/{group_id}/companies", response_model=GroupOut)
async def set_companies(
    group_id: uuid.UUID, body: GroupCompaniesIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    """The group's companies, replaced all at once (``404 group_not_found``)."""
    members = await groups.set_companies(uow, group_id, body.company_ids)
    group = await groups.get(uow, group_id)
    await uow.commit()
    return _json(group, members)
