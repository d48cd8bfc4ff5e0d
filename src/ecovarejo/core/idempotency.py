"""``Idempotency-Key``: run an operation with money or stock effects at most once per (tenant, scope,
key), whatever the transport (REST, GraphQL, web forms, webhooks). The HTTP adapter is
:class:`ecovarejo.payments.idempotency.IdempotencyStore`.

The first request with a key inserts a row (``in_progress``) in its own short transaction; concurrent
requests with the same key then hit the unique constraint and get 409 (still running) or, once the
first one finished, the stored outcome (replayed). The same key with another body is refused with 422.
Keys are scoped per tenant and caller and kept :data:`RETENTION`. A request that ends in a 5xx (a bug)
frees its key so that the client can retry.

A request whose process died (a crash, ``kill -9``) leaves its key ``in_progress``. The row names its
owner (``host/pid/instance/request``) and the owner renews ``locked_at`` every third of :data:`LEASE`
while it runs, so a retry takes the key over — and the operation *resumes* (the checkout finds what it
already did by the key) — as soon as the owner is known dead:

- the owner was a request of this very process that is no longer running (it died mid-way);
- the owner was a process of this host whose pid is gone (or whose pid is now this process's: a
  restarted container);
- the owner's lease lapsed (it stopped renewing: a process of another machine that died).

Only a retry racing an owner that is alive (or may be) gets 409 ``idempotency_in_progress`` with
``Retry-After``; never a 5xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .db import utcnow
from .errors import Conflict, DomainError, InvalidInput
from .faults import ProcessCrash
from .models import IdempotencyRecord
from .uow import UnitOfWork

log = structlog.get_logger("ecovarejo.idempotency")

RETENTION = timedelta(hours=48)
#: An in-flight key's lease: its owner renews it every third of this while it runs; a key not renewed for
#: this long belongs to a dead process and a retry takes it over.
LEASE = timedelta(seconds=30)
#: The former name of :data:`LEASE`.
STALE_AFTER = LEASE

_instance: tuple[int, str] | None = None
#: Request tokens of this process's operations running now (see :func:`owner_is_dead`).
_running: set[str] = set()


def process_owner() -> str:
    """``host/pid/instance`` of this process (a new instance after a fork)."""
    global _instance
    pid = os.getpid()
    if _instance is None or _instance[0] != pid:
        _instance = (pid, uuid.uuid4().hex[:12])
    return f"{socket.gethostname()}/{pid}/{_instance[1]}"


def owner_is_dead(owner: str | None) -> bool:
    """Is the request ``owner`` (``host/pid/instance/request``) known to have died? ``False`` when it may be
    alive (another machine's, or a live pid of this one): then only its lease can tell."""
    if not owner:
        return False
    host, pid_text, instance, token = [*owner.split("/"), "", "", ""][:4]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    mine = process_owner()
    if f"{host}/{pid_text}/{instance}" == mine:
        return token not in _running  # a request of this process that is over without finishing
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # same pid, another instance: the process this one replaced
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False  # alive, or its pid reused: the lease decides


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

    async def _begin(
        self, tenant_id: uuid.UUID, scope: str, key: str, request_hash: str, owner: str
    ) -> tuple[int, Any] | None:
        """``None`` when this request (``owner``) owns the key now; else the stored (status, body) to replay."""
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
                    owner=owner,
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
                raise Conflict(
                    "a request with this Idempotency-Key is in progress",
                    code="idempotency_in_progress",
                    headers={"Retry-After": "1"},
                )
            if rec.request_hash != request_hash:
                raise InvalidInput(
                    "this Idempotency-Key was used with a different request", code="idempotency_key_reused"
                )
            if rec.status == "done":
                return rec.response_status or 200, rec.response_body
            dead = owner_is_dead(rec.owner)
            if dead or rec.locked_at < now - LEASE:
                same_owner = (
                    IdempotencyRecord.owner.is_(None) if rec.owner is None else IdempotencyRecord.owner == rec.owner
                )
                took = await uow.session.execute(
                    update(IdempotencyRecord)
                    .where(IdempotencyRecord.id == rec.id, IdempotencyRecord.locked_at == rec.locked_at, same_owner)
                    .values(locked_at=now, owner=owner)
                )
                await uow.commit()
                if took.rowcount:  # type: ignore[attr-defined]
                    log.warning(
                        "idempotency_key_taken_over",
                        scope=scope,
                        previous_owner=rec.owner,
                        reason="owner dead" if dead else "lease lapsed",
                    )
                    return None
                wait = 1
            else:
                wait = max(1, math.ceil((rec.locked_at + LEASE - now).total_seconds()))
            raise Conflict(
                "a request with this Idempotency-Key is in progress",
                code="idempotency_in_progress",
                headers={"Retry-After": str(min(wait, 5))},
            )

    async def _finish(self, tenant_id: uuid.UUID, scope: str, key: str, owner: str, status: int, body: Any) -> None:
        """Store the outcome (or free the key after a 5xx) unless another request took the key over."""
        async with self.container.uow(tenant_id) as uow:
            q = IdempotencyRecord.scope == scope, IdempotencyRecord.key == key, IdempotencyRecord.owner == owner
            if status >= 500:
                await uow.session.execute(delete(IdempotencyRecord).where(*q))
            else:
                await uow.session.execute(
                    update(IdempotencyRecord)
                    .where(*q)
                    .values(status="done", response_status=status, response_body=body, owner=None)
                )
            await uow.commit()

    async def _renew(self, tenant_id: uuid.UUID, scope: str, key: str, owner: str) -> None:
        """The owner's lease, renewed while its operation runs (a failed renewal is tried again next time)."""
        every = LEASE.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                async with self.container.uow(tenant_id) as uow:
                    await uow.session.execute(
                        update(IdempotencyRecord)
                        .where(
                            IdempotencyRecord.scope == scope,
                            IdempotencyRecord.key == key,
                            IdempotencyRecord.owner == owner,
                        )
                        .values(locked_at=utcnow())
                    )
                    await uow.commit()
            except Exception as exc:
                log.warning("idempotency_lease_renewal_failed", error=f"{type(exc).__name__}: {exc}")

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
        token = uuid.uuid4().hex[:12]
        owner = f"{process_owner()}/{token}"
        _running.add(token)
        try:
            existing = await self._begin(tenant_id, scope, key, request_hash, owner)
            if existing is not None:
                status, stored = existing
                return Result(status, stored, {}, replayed=True)
            renewal = asyncio.create_task(self._renew(tenant_id, scope, key, owner), name="idempotency-lease")
            try:
                status, body, headers = await handler()
            except DomainError as exc:
                await self._finish(tenant_id, scope, key, owner, exc.status, problem_of(exc))
                raise
            except ProcessCrash:  # a dead process frees nothing: its key waits for a retry to take it over
                raise
            except BaseException:
                await self._finish(tenant_id, scope, key, owner, 500, None)
                raise
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
            await self._finish(tenant_id, scope, key, owner, status, body)
            return Result(status, body, headers, replayed=False)
        finally:
            _running.discard(token)


async def purge_expired(container: UnitOfWorkFactory) -> int:
    """Job: forget keys past their retention (all tenants)."""
    async with container.uow(None) as uow:
        res = await uow.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < utcnow()))
        await uow.commit()
        return int(res.rowcount or 0)  # type: ignore[attr-defined]
