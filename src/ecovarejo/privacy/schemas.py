"""The privacy API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject_id: uuid.UUID | None
    purpose: str
    consent_id: str | None
    details: dict[str, Any]
    hash: str


class ChainOut(BaseModel):
    ok: bool
    entries: int
    broken_at: int | None
    reason: str


class RopaFieldOut(BaseModel):
    column: str
    category: str
    legal_basis: str
    retention: str
    exported: bool
    erasure: str
    law: str | None
    purpose: str


class RopaTableOut(BaseModel):
    context: str
    table: str
    description: str
    fields: list[RopaFieldOut]


class RopaOut(BaseModel):
    """Record of processing operations (LGPD art. 37)."""

    controller: str
    generated_at: datetime
    operations: list[RopaTableOut]
    shared_with: dict[str, str]


class RequestIn(Strict):
    kind: str
    details: dict[str, Any] = {}
    #: Asked again for portability and erasure (identity re-verified).
    password: str | None = None


class RequestOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    details: dict[str, Any]
    created_at: datetime
    due_at: datetime
    days_left: int
    overdue: bool
    identity_verified_at: datetime | None
    identity_method: str | None
    answered_at: datetime | None
    answer: str | None


class QueueItemOut(RequestOut):
    user_id: uuid.UUID
    handled_by: str | None


class PasswordIn(Strict):
    password: str


class ExportLinkOut(BaseModel):
    url: str
    expires_at: datetime


class IdentityIn(Strict):
    method: str


class AnswerIn(Strict):
    answer: str
    reject: bool = Field(default=False, strict=True)


class TableSummaryOut(BaseModel):
    context: str
    table: str
    description: str
    rows: int
    categories: list[str]
    legal_bases: list[str]
    retention: list[str]


class SummaryOut(BaseModel):
    """Access (LGPD art. 18 I-II, art. 19 I): what we hold, why, for how long, and with whom it is shared."""

    subject_id: uuid.UUID
    tables: list[TableSummaryOut]
    shared_with: dict[str, str]
    requests: list[RequestOut]


class IncidentIn(Strict):
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=20000)
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    categories: list[str] = []
    affected_subjects: int = Field(default=0, ge=0, strict=True)
    risk: str = "medium"
    measures: str = Field(default="", max_length=20000)


class IncidentPatch(Strict):
    description: str | None = Field(default=None, max_length=20000)
    affected_subjects: int | None = Field(default=None, ge=0, strict=True)
    risk: str | None = None
    measures: str | None = Field(default=None, max_length=20000)
    anpd_notified_at: datetime | None = None
    subjects_notified_at: datetime | None = None
    status: str | None = None


class IncidentOut(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    occurred_at: datetime | None
    detected_at: datetime
    categories: list[str]
    affected_subjects: int
    risk: str
    measures: str
    anpd_notified_at: datetime | None
    subjects_notified_at: datetime | None
    status: str
    created_by: str
    notice_due_at: datetime
    notice_overdue: bool


class RetentionIn(Strict):
    """The tenant's retention periods (the DPO's choice; the job reads them at each run)."""

    outbox_days: float = Field(ge=0.5, le=90)
    dead_letter_days: float = Field(ge=1, le=365)
    ip_days: float = Field(ge=1, le=3650)
    inactive_account_years: float = Field(ge=1, le=20)
    inactive_grace_days: float = Field(ge=7, le=365)
    #: Sent notification messages (their subject and bodies greet the person).
    notification_days: float = Field(default=90, ge=1, le=730)
    #: An untouched cart's life (1 = 24 hours; at least one hour).
    cart_days: float = Field(default=1, ge=0.05, le=90)
    #: The cookie banner's visitor ledger (a visitor's choice older than this is deleted; the banner asks again).
    visitor_consent_days: float = Field(default=365, ge=30, le=1825)


class RetentionOut(RetentionIn):
    pass
