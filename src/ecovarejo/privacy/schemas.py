"""The privacy API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


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
