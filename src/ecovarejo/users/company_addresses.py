"""Company addresses: the company's administrators keep them; every member of the company lists them
and picks one at checkout (the storefront offers them beside the member's own addresses)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecovarejo.core.errors import Forbidden, InvalidInput, NotFound
from ecovarejo.core.http import get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import company_address_repository as repo
from .accounts import company_of
from .documents import normalize_cep
from .models import CompanyAddress, User
from .state_registration import UFS

#: A company keeps at most this many addresses (branches, warehouses).
MAX_ADDRESSES = 50


class CompanyAddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    label: str = Field(min_length=1, max_length=50)
    address_line1: str = Field(min_length=1, max_length=255)
    address_line2: str | None = Field(default=None, max_length=255)
    district: str | None = Field(default=None, max_length=100)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=2)
    postal_code: str = Field(min_length=8, max_length=10)

    @field_validator("state")
    @classmethod
    def _uf(cls, v: str) -> str:
        if v.upper() not in UFS:
            raise ValueError("a Brazilian state (UF), e.g. SP")
        return v.upper()


class CompanyAddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str
    address_line1: str
    address_line2: str | None
    district: str | None
    city: str
    state: str
    postal_code: str
    created_at: datetime


class CompanyAddressList(BaseModel):
    items: list[CompanyAddressOut]


async def _admin_company(uow: UnitOfWork, user: User) -> uuid.UUID:
    company = await company_of(uow, user)
    if not user.is_company_admin:
        raise Forbidden("only the company's administrators manage its addresses", code="company_admin_required")
    return company.id


async def list_addresses(uow: UnitOfWork, user: User) -> list[CompanyAddress]:
    return await repo.of_company(uow, (await company_of(uow, user)).id)


async def _get(uow: UnitOfWork, company_id: uuid.UUID, address_id: uuid.UUID) -> CompanyAddress:
    row = await repo.get(uow, company_id, address_id)
    if row is None:
        raise NotFound("no such company address", code="address_not_found")
    return row


def _fields(body: CompanyAddressIn) -> dict[str, Any]:
    return {**body.model_dump(), "postal_code": normalize_cep(body.postal_code)}


async def add_address(uow: UnitOfWork, user: User, body: CompanyAddressIn) -> CompanyAddress:
    company_id = await _admin_company(uow, user)
    if await repo.count(uow, company_id) >= MAX_ADDRESSES:
        raise InvalidInput(f"a company keeps at most {MAX_ADDRESSES} addresses", code="too_many_addresses")
    row = CompanyAddress(company_id=company_id, **_fields(body))
    uow.session.add(row)
    await uow.flush()
    return row


async def update_address(uow: UnitOfWork, user: User, address_id: uuid.UUID, body: CompanyAddressIn) -> CompanyAddress:
    row = await _get(uow, await _admin_company(uow, user), address_id)
    for k, v in _fields(body).items():
        setattr(row, k, v)
    await uow.flush()
    return row


async def delete_address(uow: UnitOfWork, user: User, address_id: uuid.UUID) -> None:
    row = await _get(uow, await _admin_company(uow, user), address_id)
    await uow.session.delete(row)
    await uow.flush()


# -- HTTP ---------------------------------------------------------------------------------------------
def install_routes(router: APIRouter, current_user: Callable[..., Awaitable[User]]) -> None:
    """The routes on the users API router (``/api/v1/users/company/addresses``)."""

    @router.get("/users/company/addresses", response_model=CompanyAddressList)
    async def company_addresses(
        user: User = Depends(current_user), uow: UnitOfWork = Depends(get_read_uow)
    ) -> dict[str, Any]:
        """The company's addresses (any member: buyers pick them at checkout)."""
        return {"items": [CompanyAddressOut.model_validate(a) for a in await list_addresses(uow, user)]}

    @router.post("/users/company/addresses", status_code=201, response_model=CompanyAddressOut)
    async def add_company_address(
        body: CompanyAddressIn, user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)
    ) -> CompanyAddressOut:
        """A company administrator adds an address (``422 invalid_cep``, ``too_many_addresses``)."""
        row = await add_address(uow, user, body)
        await uow.commit()
        return CompanyAddressOut.model_validate(row)

    @router.put("/users/company/addresses/{address_id}", response_model=CompanyAddressOut)
    async def update_company_address(
        address_id: uuid.UUID,
        body: CompanyAddressIn,
        user: User = Depends(current_user),
        uow: UnitOfWork = Depends(get_uow),
    ) -> CompanyAddressOut:
        row = await update_address(uow, user, address_id, body)
        await uow.commit()
        return CompanyAddressOut.model_validate(row)

    @router.delete("/users/company/addresses/{address_id}", status_code=204)
    async def delete_company_address(
        address_id: uuid.UUID, user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)
    ) -> None:
        await delete_address(uow, user, address_id)
        await uow.commit()
