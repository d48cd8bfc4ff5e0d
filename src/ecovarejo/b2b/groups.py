"""Customer groups (e.g. ``atacado``): companies belong to groups, and a price list may be for a group.

A company buyer's lines are priced from every list in force for its company, for any group it belongs to,
and for every company account: the lowest unit price at the line's quantity wins; on equal prices the most
specific list names the rule (the company's, then a group's, then the one for everyone).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select

from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.users import public as users

from .models import CustomerGroup, GroupMember

MAX_COMPANIES = 10_000


async def create(uow: UnitOfWork, code: str, name: str) -> CustomerGroup:
    code = code.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        raise InvalidInput("code: lower-case letters, digits, - and _ (40 at most)", code="invalid_group")
    if not name.strip():
        raise InvalidInput("name the group", code="invalid_group")
    if await uow.session.scalar(select(CustomerGroup.id).where(CustomerGroup.code == code)) is not None:
        raise Conflict(f"a group {code!r} exists already", code="group_exists")
    group = CustomerGroup(code=code, name=name.strip()[:120])
    uow.session.add(group)
    await uow.flush()
    return group


async def get(uow: UnitOfWork, group_id: uuid.UUID) -> CustomerGroup:
    group = await uow.session.scalar(select(CustomerGroup).where(CustomerGroup.id == group_id))
    if group is None:
        raise NotFound("no such customer group", code="group_not_found")
    return group


async def all_groups(uow: UnitOfWork) -> list[tuple[CustomerGroup, list[uuid.UUID]]]:
    """Every group with its companies (two reads)."""
    groups = list((await uow.session.scalars(select(CustomerGroup).order_by(CustomerGroup.code))).all())
    members: dict[uuid.UUID, list[uuid.UUID]] = {g.id: [] for g in groups}
    for m in (await uow.session.scalars(select(GroupMember))).all():
        members.setdefault(m.group_id, []).append(m.company_id)
    return [(g, sorted(members.get(g.id, []), key=str)) for g in groups]


async def companies_of(uow: UnitOfWork, group_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await uow.session.scalars(select(GroupMember.company_id).where(GroupMember.group_id == group_id))
    return sorted(rows.all(), key=str)


async def set_companies(uow: UnitOfWork, group_id: uuid.UUID, company_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The group's companies, all at once (the old membership replaced in the same transaction)."""
    await get(uow, group_id)
    wanted = sorted(set(company_ids), key=str)
    if len(wanted) > MAX_COMPANIES:
        raise InvalidInput(f"at most {MAX_COMPANIES} companies per group", code="too_many_companies")
    await uow.session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    for company_id in wanted:
        uow.session.add(GroupMember(group_id=group_id, company_id=company_id))
    await uow.flush()
    return wanted


async def add_company(uow: UnitOfWork, group_id: uuid.UUID, cnpj: str) -> uuid.UUID:
    """A company joins the group by its CNPJ (``invalid_cnpj``, ``404 company_not_found``); again: no-op."""
    await get(uow, group_id)
    found = await users.company_by_cnpj(uow, cnpj)
    if found is None:
        raise NotFound("no company account has this CNPJ", code="company_not_found")
    if found.id not in await companies_of(uow, group_id):
        uow.session.add(GroupMember(group_id=group_id, company_id=found.id))
        await uow.flush()
    return found.id


async def remove_company(uow: UnitOfWork, group_id: uuid.UUID, company_id: uuid.UUID) -> None:
    await get(uow, group_id)
    await uow.session.execute(
        delete(GroupMember).where(GroupMember.group_id == group_id, GroupMember.company_id == company_id)
    )


async def described(uow: UnitOfWork, company_ids: Iterable[uuid.UUID]) -> list[dict[str, str]]:
    """``[{id, cnpj, legal_name}]`` of the companies (the users context's; one read each, for staff pages)."""
    out = []
    for company_id in company_ids:
        c = await users.company(uow, company_id)
        out.append({"id": str(company_id), "cnpj": c.cnpj if c else "", "legal_name": c.legal_name if c else ""})
    return out
