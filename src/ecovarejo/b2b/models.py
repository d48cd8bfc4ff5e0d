"""B2B tables: company members' roles and limits, and approval requests for purchases above a limit."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id
from ecovarejo.core.money import MoneyCents

ROLES = ("buyer", "approver", "admin")


class Member(Base, TenantOwned, Timestamped):
    """A user's role in their company (users context) and, for buyers, the most one order may cost
    without an approver (None: no limit)."""

    __tablename__ = "b2b_members"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_b2b_members_tenant_user"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column()
    role: Mapped[str] = mapped_column(String(20), default="buyer")
    spending_limit: Mapped[Decimal | None] = mapped_column(MoneyCents, nullable=True)


class ApprovalRequest(Base, TenantOwned, Timestamped):
    """A buyer asks an approver of the company to allow one purchase (these lines, up to ``amount``)."""

    __tablename__ = "b2b_approvals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column(index=True)
    requester_id: Mapped[uuid.UUID] = mapped_column(index=True)
    lines: Mapped[dict[str, Any]] = mapped_column(JSON)
    amount: Mapped[Decimal] = mapped_column(MoneyCents)
    #: pending → approved | rejected; approved → used (by the checkout it allowed)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    note: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_note: Mapped[str | None] = mapped_column(String(500))


class CustomerGroup(Base, TenantOwned, Timestamped):
    """A customer group (e.g. ``atacado``): companies belong to it and price lists may be for it."""

    __tablename__ = "b2b_customer_groups"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_b2b_customer_groups_tenant_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))


class GroupMember(Base, TenantOwned):
    """A company in a customer group (a company may be in several)."""

    __tablename__ = "b2b_group_members"
    __table_args__ = (UniqueConstraint("group_id", "company_id", name="uq_b2b_group_members_group_company"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("b2b_customer_groups.id", ondelete="CASCADE"))
    company_id: Mapped[uuid.UUID] = mapped_column(index=True)


class PriceList(Base, TenantOwned, Timestamped):
    """Prices for one company (``company_id``), one customer group (``group_id``) or every company
    account (both None), valid in a window."""

    __tablename__ = "b2b_price_lists"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    company_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True, index=True)
    group_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True, index=True)
    valid_from: Mapped[datetime | None] = mapped_column(nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class PriceRule(Base, TenantOwned):
    """One quantity tier of a SKU in a list: ``fixed`` unit price or ``percent`` off the catalog price,
    from ``min_qty`` to ``max_qty`` (None: no upper bound); ``moq`` and ``multiple`` constrain the line."""

    __tablename__ = "b2b_price_rules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    price_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("b2b_price_lists.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    min_qty: Mapped[int] = mapped_column(Integer, default=1)
    max_qty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    moq: Mapped[int] = mapped_column(Integer, default=1)
    multiple: Mapped[int] = mapped_column(Integer, default=1)
