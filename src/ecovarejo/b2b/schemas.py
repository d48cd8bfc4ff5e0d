"""B2B API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(max_length=20)
    #: Reais; null: no limit.
    spending_limit: str | None = Field(default=None, max_length=20)


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: dict[str, int]
    amount: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=500)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class PriceRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(max_length=64)
    kind: str = Field(max_length=10)
    value: str = Field(max_length=20)
    min_qty: int = Field(default=1, strict=True)
    max_qty: int | None = Field(default=None, strict=True)
    moq: int = Field(default=1, strict=True)
    multiple: int = Field(default=1, strict=True)


class PriceListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120)
    #: One company; or ``group_id``: one customer group; neither: every company account.
    company_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    rules: list[PriceRuleIn] = Field(default_factory=list, max_length=5000)


# -- what the routes answer (amounts are decimal strings: money is never a float) ---------------------


class MemberOut(BaseModel):
    user_id: str
    company_id: str
    role: str
    spending_limit: str | None = Field(description="null: no limit")


class MembershipOut(BaseModel):
    """The caller's membership; every field null when the caller belongs to no company."""

    user_id: str | None = None
    company_id: str | None
    role: str | None
    spending_limit: str | None


class MemberList(BaseModel):
    items: list[MemberOut]


class ApprovalOut(BaseModel):
    id: str
    company_id: str
    requester_id: str
    lines: dict[str, int] = Field(description="SKU → quantity")
    amount: str
    status: str
    note: str | None
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None
    created_at: str


class ApprovalList(BaseModel):
    items: list[ApprovalOut]


class PriceRuleOut(BaseModel):
    sku: str
    kind: str
    value: str
    min_qty: int
    max_qty: int | None
    moq: int
    multiple: int


class PriceListOut(BaseModel):
    id: str
    name: str
    company_id: str | None
    group_id: str | None = None
    valid_from: str | None
    valid_until: str | None
    is_active: bool
    rules: list[PriceRuleOut] | None = Field(default=None, description="With one list; absent in the listing")


class PriceListList(BaseModel):
    items: list[PriceListOut]


class ImportedOut(BaseModel):
    imported: int
