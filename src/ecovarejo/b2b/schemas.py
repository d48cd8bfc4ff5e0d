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
    #: None: every company account.
    company_id: uuid.UUID | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    rules: list[PriceRuleIn] = Field(default_factory=list, max_length=5000)
