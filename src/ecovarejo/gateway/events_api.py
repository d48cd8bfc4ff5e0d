"""Operators' API over the event dead letters of their tenant: list, replay through the consumer's normal
path (its inbox keeps the effect once-only), discard. Administrators with MFA only; every replay and
discard is written to the tenant's audit log (the privacy context's hash-chained log) with its actor.

The same operations are ``ecovarejo events dead-letters list|replay|discard`` (every tenant) and the
admin's "Eventos com falha" page (which calls this API)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ecovarejo.core import deadletters
from ecovarejo.core.auth import Principal, require_role
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.core.http import get_container, get_tenant
from ecovarejo.core.tenancy import TenantInfo
from ecovarejo.privacy import public as privacy

router = APIRouter(prefix="/api/v1/admin/events", tags=["events"])
Admin = Annotated[Principal, Depends(require_role("admin"))]
Tenant = Annotated[TenantInfo, Depends(get_tenant)]
Platform = Annotated[Container, Depends(get_container)]


class DeadLetterOut(BaseModel):
    id: uuid.UUID
    consumer: str
    event_id: uuid.UUID
    topic: str
    type: str
    attempts: int
    error: str
    created_at: datetime
    resolved_at: datetime | None
    #: A message that was not an event (its raw payload is kept): it can only be discarded.
    replayable: bool


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None


class DeadLetterAction(BaseModel):
    id: uuid.UUID
    action: Literal["replay", "discard"]
    outcome: str
    resolved: bool


def _out(d: deadletters.DeadLetterView) -> DeadLetterOut:
    return DeadLetterOut(
        id=d.id,
        consumer=d.consumer,
        event_id=d.event_id,
        topic=d.topic,
        type=d.type,
        attempts=d.attempts,
        error=d.error,
        created_at=d.created_at,
        resolved_at=d.resolved_at,
        replayable=d.type != "malformed",
    )


async def _audit(
    container: Container, tenant: TenantInfo, admin: Principal, action: str, details: dict[str, str]
) -> None:
    async with container.uow(tenant.id, actor=f"user:{admin.user_id}") as uow:
        await privacy.audit(uow, action, actor=f"user:{admin.user_id}", purpose="event operations", details=details)
        await uow.commit()


@router.get("/dead-letters", response_model=DeadLetterPage)
async def list_dead_letters(
    admin: Admin,
    tenant: Tenant,
    container: Platform,
    include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> DeadLetterPage:
    """This tenant's dead letters, newest first (open ones only unless ``include_resolved``)."""
    try:
        after = uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise InvalidInput("bad cursor", code="invalid_cursor") from exc
    rows = await deadletters.list_dead_letters(
        container, tenant_id=tenant.id, include_resolved=include_resolved, limit=limit, after=after
    )
    return DeadLetterPage(items=[_out(d) for d in rows], next_cursor=str(rows[-1].id) if len(rows) == limit else None)


@router.get("/dead-letters/{letter_id}", response_model=DeadLetterOut)
async def get_dead_letter(letter_id: uuid.UUID, admin: Admin, tenant: Tenant, container: Platform) -> DeadLetterOut:
    return _out(await deadletters.get_dead_letter(container, letter_id, tenant_id=tenant.id))


@router.post("/dead-letters/{letter_id}/replay", response_model=DeadLetterAction)
async def replay(letter_id: uuid.UUID, admin: Admin, tenant: Tenant, container: Platform) -> DeadLetterAction:
    """Hand the event to its consumer again. ``done`` (or ``duplicate``: handled meanwhile) resolves the
    letter; a failure answers 409 ``dead_letter_replay_failed`` and leaves it open."""
    letter = await deadletters.get_dead_letter(container, letter_id, tenant_id=tenant.id)
    outcome = await deadletters.replay(container, letter_id, actor=f"user:{admin.user_id}", tenant_id=tenant.id)
    details = {"dead_letter": str(letter_id), "consumer": letter.consumer, "event_id": str(letter.event_id)}
    await _audit(container, tenant, admin, "events.dead_letter_replayed", {**details, "outcome": outcome})
    if outcome not in ("done", "duplicate"):
        raise Conflict(
            "the consumer failed again; the dead letter stays open",
            code="dead_letter_replay_failed",
            extra={"outcome": outcome},
        )
    return DeadLetterAction(id=letter_id, action="replay", outcome=outcome, resolved=True)


@router.post("/dead-letters/{letter_id}/discard", response_model=DeadLetterAction)
async def discard(letter_id: uuid.UUID, admin: Admin, tenant: Tenant, container: Platform) -> DeadLetterAction:
    """Give the event up for good (its effect will never happen): resolved."""
    letter = await deadletters.get_dead_letter(container, letter_id, tenant_id=tenant.id)
    await deadletters.discard(container, letter_id, actor=f"user:{admin.user_id}", tenant_id=tenant.id)
    details = {"dead_letter": str(letter_id), "consumer": letter.consumer, "event_id": str(letter.event_id)}
    await _audit(container, tenant, admin, "events.dead_letter_discarded", details)
    return DeadLetterAction(id=letter_id, action="discard", outcome="discarded", resolved=True)
