"""``Idempotency-Key``: run an operation with money or stock effects at most once per (tenant, scope,
key), whatever the transport (REST, GraphQL, web forms, webhooks). The HTTP adapter is
:class:`ecovarejo.payments.idempotency.IdempotencyStore`.

The first request with a key inserts a row (``in_progress``) in its own short transaction; concurrent
requests with the same key then hit the unique constraint and get 409 (still running) or, once the
first one finished, the stored outcome (replayed). The same key with another body is refused with 422.
Keys are scoped per tenant and caller and kept :data:`RETENTION`. A request that ends in a 5xx (a bug)
frees its key so that the client can retry; a key whose request died (crash) is taken over by a retry
after :data:`STALE_AFTER`. The operation itself must make such a retry *resume* (the checkout finds
what it already did by the key), not start over.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .db import utcnow
from .errors import Conflict, DomainError, InvalidInput
from .faults import ProcessCrash
from .models import IdempotencyRecord
from .uow import UnitOfWork

RETENTION = timedelta(hours=48)
#: An ``in_progress`` key older than this belongs to a crashed request; a retry may take it over.
STALE_AFTER = timedelta(minutes=5)

#: What an operation answers: (status, body, headers).
Outcome = tuple[int, Any, dict[str, str]]


class UnitOfWorkFactory(Protocol):
    def uow(self, tenant_id: uuid.UUID | None, *, actor: str | None = None, read_only: bool = False) -> UnitOfWork: ...


@dataclass(frozen=True)
class Result:
    status: int
    body: Any
    headers: dict[str, str]
    replayed: bool


def fingerprint(path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


def check_key(key: str | None) -> str:
    if not key:
        raise InvalidInput("the Idempotency-Key header is required", code="idempotency_key_required")
    key = key.strip()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput("Idempotency-Key must be 1-255 printable characters", code="invalid_idempotency_key")
    return key


def problem_of(exc: DomainError) -> dict[str, Any]:
    return {
        "type": f"https://errors.ecovarejo.dev/{exc.code}",
        "title": exc.title,
        "status": exc.status,
        "code": exc.code,
        "detail": exc.detail,
        **exc.extra,
    }


class Idempotency:
    """The store of keys, over the container's units of work."""

    def __init__(self, container: UnitOfWorkFactory) -> None:
        self.container = container

    async def _begin(self, tenant_id: uuid.UUID, scope: str, key: str, request_hash: str) -> tuple[int, Any] | None:
        """``None`` when this request owns the key now; else the stored (status, body) to replay."""
        now = utcnow()
        async with self.container.uow(tenant_id) as uow:
            uow.session.add(
                IdempotencyRecord(
                    scope=scope,
                    key=key,
                    request_hash=request_hash,
                    status="in_progress",
                    created_at=now,
                    locked_at=now,
                    expires_at=now + RETENTION,
                )
            )
            try:
                await uow.commit()
                return None
            except IntegrityError:
                await uow.rollback()
        async with self.container.uow(tenant_id) as uow:
            rec = await uow.session.scalar(
                select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            )
            if rec is None:  # deleted meanwhile (a 5xx freed it): let the client retry
                raise Conflict("a request with this Idempotency-Key is in progress", code="idempotency_in_progress")
            if rec.request_hash != request_hash:
                raise InvalidInput(
                    "this Idempotency-Key was used with a different request", code="idempotency_key_reused"
                )
            if rec.status == "done":
                return rec.response_status or 200, rec.response_body
            if rec.locked_at < now - STALE_AFTER:
                took = await uow.session.execute(
                    update(IdempotencyRecord)
                    .where(IdempotencyRecord.id == rec.id, IdempotencyRecord.locked_at == rec.locked_at)
                    .values(locked_at=now)
                )
                await uow.commit()
                if took.rowcount:  # type: ignore[attr-defined]
                    return None
            raise Conflict(
                "a request with this Idempotency-Key is in progress",
                code="idempotency_in_progress",
                headers={"Retry-After": "1"},
            )

    async def _finish(self, tenant_id: uuid.UUID, scope: str, key: str, status: int, body: Any) -> None:
        async with self.container.uow(tenant_id) as uow:
            q = IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            if status >= 500:
                await uow.session.execute(delete(IdempotencyRecord).where(*q))
            else:
                await uow.session.execute(
                    update(IdempotencyRecord)
                    .where(*q)
                    .values(status="done", response_status=status, response_body=body)
                )
            await uow.commit()

    async def run(
        self,
        *,
        tenant_id: uuid.UUID,
        scope: str,
        key: str | None,
        request_hash: str,
        handler: Callable[[], Awaitable[Outcome]],
    ) -> Result:
        """Run ``handler`` at most once per (tenant, scope, key); domain errors are stored and replayed
        too (and raised again the first time)."""
        key = check_key(key)
        existing = await self._begin(tenant_id, scope, key, request_hash)
        if existing is not None:
            status, stored = existing
            return Result(status, stored, {}, replayed=True)
        try:
            status, body, headers = await handler()
        except DomainError as exc:
            await self._finish(tenant_id, scope, key, exc.status, problem_of(exc))
            raise
        except ProcessCrash:  # a dead process frees nothing: the key waits for STALE_AFTER
            raise
        except BaseException:
            await self._finish(tenant_id, scope, key, 500, None)
            raise
        await self._finish(tenant_id, scope, key, status, body)
        return Result(status, body, headers, replayed=False)


async def purge_expired(container: UnitOfWorkFactory) -> int:
    """Job: forget keys past their retention (all tenants)."""
    async with container.uow(None) as uow:
        res = await uow.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < utcnow()))
        await uow.commit()
        return int(res.rowcount or 0)  # type: ignore[attr-defined]
