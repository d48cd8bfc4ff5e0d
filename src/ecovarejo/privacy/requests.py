"""Data subjects' requests (LGPD art. 18): filed by the person for themselves only, rate-limited,
identity re-verified before data leaves or is erased, answered by the DPO within 15 days (art. 19 II)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, TooManyRequests
from ecovarejo.core.uow import UnitOfWork

from . import audit, erasure, export
from . import repository as repo
from .models import SubjectRequest
from .ports import DataSubjects
from .registry import Registry

KINDS = ("access", "portability", "correction", "erasure", "consent_revocation", "sharing_info")
#: Kinds whose answer hands data out or destroys it: the password is asked again when filing.
VERIFIED_AT_FILING = frozenset({"portability", "erasure"})
OPEN = ("received", "identity_verified")
DEADLINE = timedelta(days=15)
MAX_PER_DAY = 5
EXPORT_TTL = timedelta(minutes=15)
IDENTITY_METHODS = ("password", "email_code", "document", "in_person")


class Gone(DomainError):
    status = 410
    code = "gone"
    title = "Gone"


@dataclass(frozen=True)
class RequestView:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    status: str
    details: dict[str, Any]
    created_at: datetime
    due_at: datetime
    identity_verified_at: datetime | None
    identity_method: str | None
    answered_at: datetime | None
    answer: str | None
    handled_by: str | None

    @property
    def overdue(self) -> bool:
        return self.status in OPEN and utcnow() > self.due_at

    @property
    def days_left(self) -> int:
        return (self.due_at - utcnow()).days


def view(r: SubjectRequest) -> RequestView:
    return RequestView(
        r.id,
        r.user_id,
        r.kind,
        r.status,
        dict(r.details),
        r.created_at,
        r.due_at,
        r.identity_verified_at,
        r.identity_method,
        r.answered_at,
        r.answer,
        r.handled_by,
    )


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _reverify(uow: UnitOfWork, subjects: DataSubjects, user_id: uuid.UUID, password: str | None) -> None:
    if not password or not await subjects.verify_password(uow, user_id, password):
        await audit.record(uow, "identity.failed", actor=f"user:{user_id}", subject_id=user_id)
        raise Forbidden("confirm your password to continue", code="identity_not_verified")


async def file(
    uow: UnitOfWork,
    subjects: DataSubjects,
    user_id: uuid.UUID,
    kind: str,
    *,
    details: dict[str, Any] | None = None,
    password: str | None = None,
) -> RequestView:
    """The signed-in person files a request about themselves (the subject is always the caller)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", code="invalid_request_kind")
    if not await subjects.exists(uow, user_id):
        raise Forbidden("only an active account can file requests", code="subject_not_found")
    now = utcnow()
    if await repo.count_since(uow, user_id, now - timedelta(days=1)) >= MAX_PER_DAY:
        raise TooManyRequests(
            f"at most {MAX_PER_DAY} requests a day", code="too_many_requests", headers={"Retry-After": "3600"}
        )
    if await repo.open_request(uow, user_id, kind) is not None:
        raise Conflict("a request of this kind is already open", code="request_already_open")
    req = SubjectRequest(user_id=user_id, kind=kind, status="received", details=details or {}, due_at=now + DEADLINE)
    if kind in VERIFIED_AT_FILING:
        await _reverify(uow, subjects, user_id, password)
        req.status, req.identity_verified_at, req.identity_method = "identity_verified", now, "password"
    await repo.add_request(uow, req)
    await audit.record(
        uow,
        "request.filed",
        actor=f"user:{user_id}",
        subject_id=user_id,
        details={"kind": kind, "request_id": str(req.id)},
    )
    return view(req)


async def mine(uow: UnitOfWork, user_id: uuid.UUID) -> list[RequestView]:
    return [view(r) for r in await repo.requests_of(uow, user_id)]


async def issue_export_link(
    uow: UnitOfWork, subjects: DataSubjects, user_id: uuid.UUID, request_id: uuid.UUID, password: str | None
) -> tuple[str, datetime]:
    """A single-use download token for the person's archive, after their password is confirmed again."""
    req = await repo.get_request(uow, request_id, for_update=True)
    if req is None or req.user_id != user_id:
        raise NotFound("no such request", code="request_not_found")
    if req.kind not in ("access", "portability"):
        raise Conflict("only access and portability requests have an archive", code="no_archive")
    await _reverify(uow, subjects, user_id, password)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    req.export_token_hash, req.export_expires_at, req.export_used_at = _sha(token), now + EXPORT_TTL, None
    if req.identity_verified_at is None:
        req.identity_verified_at, req.identity_method, req.status = now, "password", "identity_verified"
    await uow.flush()
    await audit.record(
        uow, "export.link_issued", actor=f"user:{user_id}", subject_id=user_id, details={"request_id": str(req.id)}
    )
    return token, req.export_expires_at


async def download(uow: UnitOfWork, registry: Registry, user_id: uuid.UUID, token: str) -> bytes:
    """The archive, once: the link is burnt by the first download and dies after :data:`EXPORT_TTL`."""
    req = await repo.request_by_export_token(uow, _sha(token))
    if req is None or req.user_id != user_id:
        raise NotFound("no such export link", code="export_not_found")
    now = utcnow()
    if req.export_used_at is not None:
        raise Gone("this link was already used; ask for a new one", code="export_link_used")
    if req.export_expires_at is None or now > req.export_expires_at:
        raise Gone("this link has expired; ask for a new one", code="export_link_expired")
    data = await export.collect(uow, registry, user_id)
    body = export.archive(data, subject_id=user_id, shared_with=registry.shared_with())
    req.export_used_at = now
    req.status, req.answered_at, req.handled_by = "answered", now, "self-service"
    req.answer = "archive delivered"
    await uow.flush()
    await audit.record(
        uow, "export", actor=f"user:{user_id}", subject_id=user_id, purpose="LGPD art. 18 V",
        details={"request_id": str(req.id), "tables": len(data)},
    )  # fmt: skip
    return body


# -- the DPO's side ---------------------------------------------------------------------------------------


async def queue(uow: UnitOfWork, *, include_closed: bool = False, limit: int = 200) -> list[RequestView]:
    statuses = (*OPEN, "answered", "rejected") if include_closed else OPEN
    return [view(r) for r in await repo.queue(uow, statuses, limit)]


async def _for_dpo(uow: UnitOfWork, request_id: uuid.UUID) -> SubjectRequest:
    req = await repo.get_request(uow, request_id, for_update=True)
    if req is None:
        raise NotFound("no such request", code="request_not_found")
    if req.status not in OPEN:
        raise Conflict("the request is already closed", code="request_closed")
    return req


async def verify_identity(uow: UnitOfWork, request_id: uuid.UUID, *, dpo: str, method: str) -> RequestView:
    if method not in IDENTITY_METHODS:
        raise InvalidInput(f"method must be one of {', '.join(IDENTITY_METHODS)}", code="invalid_identity_method")
    req = await _for_dpo(uow, request_id)
    req.status, req.identity_verified_at, req.identity_method, req.handled_by = (
        "identity_verified",
        utcnow(),
        method,
        dpo,
    )
    await uow.flush()
    await audit.record(
        uow,
        "request.identity_verified",
        actor=dpo,
        subject_id=req.user_id,
        details={"request_id": str(req.id), "method": method},
    )
    return view(req)


async def answer(
    uow: UnitOfWork,
    subjects: DataSubjects,
    registry: Registry,
    request_id: uuid.UUID,
    *,
    dpo: str,
    text: str,
    reject: bool = False,
) -> RequestView:
    """Close the request with the answer sent to the person; an erasure is carried out here."""
    req = await _for_dpo(uow, request_id)
    if not text.strip():
        raise InvalidInput("write the answer sent to the person", code="answer_required")
    if not reject and req.identity_verified_at is None:
        raise Conflict("verify the person's identity first", code="identity_not_verified")
    if not reject and req.kind == "erasure":
        await erasure.erase(uow, subjects, registry, req.user_id, actor=dpo, request_id=req.id)
    req.status = "rejected" if reject else "answered"
    req.answered_at, req.answer, req.handled_by = utcnow(), text.strip()[:5000], dpo
    await uow.flush()
    await audit.record(
        uow,
        f"request.{req.status}",
        actor=dpo,
        subject_id=req.user_id,
        details={"request_id": str(req.id), "kind": req.kind},
    )
    return view(req)
