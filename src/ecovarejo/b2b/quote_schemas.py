"""Quote (RFQ) API shapes: money as Decimal strings, dates ISO 8601."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class QuoteLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(strict=True, ge=1, le=100_000)


class QuoteRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[QuoteLineIn] = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=2000)


class QuoteNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class NegotiateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(max_length=2000)
    #: New desired quantities of lines already in the quote.
    lines: list[QuoteLineIn] | None = Field(default=None, max_length=50)


class StaffLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    #: Reais, e.g. "79.90".
    unit_price: str | None = Field(default=None, max_length=20)
    quantity: int | None = Field(default=None, strict=True, ge=1, le=100_000)


class QuoteEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[StaffLineIn] = Field(default_factory=list, max_length=50)
    payment_terms: str | None = Field(default=None, max_length=60)
    #: With its offset (e.g. "2026-12-31T23:59:59-03:00").
    valid_until: AwareDatetime | None = None
    terms_note: str | None = Field(default=None, max_length=1000)


class QuoteLineOut(BaseModel):
    sku: str
    title: str
    quantity: int
    catalog_price: str | None
    unit_price: str | None
    line_total: str | None


class RevisionOut(BaseModel):
    revision: int
    lines: list[QuoteLineOut]
    total: str | None
    payment_terms: str | None
    valid_until: datetime | None
    terms_note: str | None
    sent_at: datetime | None
    created_at: datetime


class MessageOut(BaseModel):
    revision: int
    author_kind: str
    action: str
    body: str | None
    created_at: datetime


class QuoteOut(BaseModel):
    id: uuid.UUID
    number: str
    company_id: uuid.UUID
    requester_id: uuid.UUID
    status: str
    revision: int
    valid_until: datetime | None
    accepted_at: datetime | None
    order_id: uuid.UUID | None
    created_at: datetime
    current: RevisionOut
    revisions: list[RevisionOut]
    messages: list[MessageOut]


class QuoteSummaryOut(BaseModel):
    id: uuid.UUID
    number: str
    company_id: uuid.UUID
    status: str
    revision: int
    valid_until: datetime | None
    order_id: uuid.UUID | None
    created_at: datetime


class QuoteListOut(BaseModel):
    items: list[QuoteSummaryOut]
