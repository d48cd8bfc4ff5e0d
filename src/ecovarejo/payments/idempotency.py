"""``Idempotency-Key`` for POSTs with money or stock effects (checkout, refunds), reusable by any context.

The first request with a key inserts a row (``in_progress``) in its own short transaction; concurrent
requests with the same key then hit the unique constraint and get 409 (still running) or, once the
first one finished, the stored response with ``Idempotent-Replayed: true``. The same key with another
body is refused with 422. Keys are scoped per tenant and caller and kept :data:`RETENTION`.
A request that ends in a 5xx (a bug) frees its key so that the client can retry.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, DomainError, InvalidInput
from ecovarejo.core.http import PROBLEM

from .models import IdempotencyRecord

RETENTION = timedelta(hours=48)
#: An ``in_progress`` key older than this belongs to a crashed request; a retry may take it over.
STALE_AFTER = timedelta(minutes=5)
REPLAY_HEADER = "Idempotent-Replayed"

Outcome = tuple[int, Any, dict[str, str]]


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


class IdempotencyStore:
    def __init__(self, container: Any) -> None:
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
                if took.rowcount:
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
    ) -> JSONResponse:
        """Run ``handler`` at most once per (tenant, scope, key); domain errors are stored and replayed too."""
        key = check_key(key)
        existing = await self._begin(tenant_id, scope, key, request_hash)
        if existing is not None:
            status, stored = existing
            return JSONResponse(
                stored,
                status_code=status,
                media_type=PROBLEM if status >= 400 else None,
                headers={REPLAY_HEADER: "true"},
            )
        try:
            status, body, headers = await handler()
        except DomainError as exc:
            problem = {
                "type": f"https://errors.ecovarejo.dev/{exc.code}",
                "title": exc.title,
                "status": exc.status,
                "code": exc.code,
                "detail": exc.detail,
                **exc.extra,
            }
            await self._finish(tenant_id, scope, key, exc.status, problem)
            raise
        except BaseException:
            await self._finish(tenant_id, scope, key, 500, None)
            raise
        await self._finish(tenant_id, scope, key, status, body)
        return JSONResponse(body, status_code=status, headers={**headers, REPLAY_HEADER: "false"})


async def purge_expired(container: Any) -> int:
    """Worker job: forget keys past their retention (all tenants)."""
    async with container.uow(None) as uow:
        res = await uow.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < utcnow()))
        await uow.commit()
        return int(res.rowcount or 0)
