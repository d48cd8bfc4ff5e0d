"""The audit log of personal-data processing: append-only and hash-chained per tenant.

Each entry carries the previous entry's hash, and its own hash covers that and its content, so an
entry changed, removed or inserted afterwards breaks the chain from that point on; the head row keeps
the last hash, so cutting entries off the end is caught too. Entries are written in the caller's
transaction: the audited effect and its entry commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecovarejo.core.db import utcnow
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .models import AuditEntry

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    subject_id: uuid.UUID | None
    purpose: str
    consent_id: str | None
    details: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    #: The first entry whose hash or link does not verify (None when intact).
    broken_at: int | None = None
    reason: str = ""


def entry_hash(
    prev_hash: str,
    *,
    tenant_id: uuid.UUID,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_id: uuid.UUID | None,
    purpose: str,
    consent_id: str | None,
    details: dict[str, Any],
) -> str:
    content = {
        "tenant": str(tenant_id),
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": str(subject_id) if subject_id else None,
        "purpose": purpose,
        "consent": consent_id,
        "details": details,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def _record(e: AuditEntry) -> AuditRecord:
    return AuditRecord(e.seq, e.at, e.actor, e.action, e.subject_id, e.purpose, e.consent_id, dict(e.details), e.hash)


async def record(
    uow: UnitOfWork,
    action: str,
    *,
    actor: str | None = None,
    subject_id: uuid.UUID | None = None,
    purpose: str = "",
    consent_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append an entry to the tenant's chain in ``uow``'s transaction. Never put e-mails or names in ``details``."""
    tenant_id = uow.tenant_id
    if tenant_id is None:
        raise ValueError("audit entries belong to a tenant")
    head = await repo.lock_head(uow, tenant_id, GENESIS)
    at = utcnow()
    clean = json.loads(json.dumps(details or {}, default=str))
    seq = head.seq + 1
    who = actor or uow.actor or "system"
    digest = entry_hash(
        head.hash,
        tenant_id=tenant_id,
        seq=seq,
        at=at,
        actor=who,
        action=action,
        subject_id=subject_id,
        purpose=purpose,
        consent_id=consent_id,
        details=clean,
    )
    entry = AuditEntry(
        tenant_id=tenant_id,
        seq=seq,
        at=at,
        actor=who,
        action=action,
        subject_id=subject_id,
        purpose=purpose,
        consent_id=consent_id,
        details=clean,
        prev_hash=head.hash,
        hash=digest,
    )
    uow.session.add(entry)
    head.seq = seq
    head.hash = digest
    await uow.flush()
    return _record(entry)


async def verify(uow: UnitOfWork) -> ChainReport:
    """Walk the tenant's chain from the start, recomputing every hash and link, and compare with the head."""
    tenant_id = uow.tenant_id
    if tenant_id is None:
        raise ValueError("a chain belongs to a tenant")
    prev = GENESIS
    count = 0
    expected_seq = 1
    async for e in repo.entries(uow, tenant_id):
        if e.seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing")
        if e.prev_hash != prev:
            return ChainReport(False, count, e.seq, "does not link to the previous entry")
        digest = entry_hash(
            prev,
            tenant_id=tenant_id,
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            subject_id=e.subject_id,
            purpose=e.purpose,
            consent_id=e.consent_id,
            details=dict(e.details),
        )
        if digest != e.hash:
            return ChainReport(False, count, e.seq, "content does not match its hash")
        prev = e.hash
        count += 1
        expected_seq += 1
    head = await repo.head(uow, tenant_id)
    if head is not None and (head.seq != count or head.hash != prev):
        return ChainReport(False, count, count + 1, "entries after the last one present were removed")
    return ChainReport(True, count)


async def recent(uow: UnitOfWork, *, subject_id: uuid.UUID | None = None, limit: int = 50) -> list[AuditRecord]:
    assert uow.tenant_id is not None
    return [_record(e) for e in await repo.recent(uow, uow.tenant_id, subject_id=subject_id, limit=limit)]
