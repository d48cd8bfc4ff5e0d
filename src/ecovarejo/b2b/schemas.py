"""B2B API shapes."""

from __future__ import annotations

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
