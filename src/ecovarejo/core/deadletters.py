"""Dead letters an operator can act on: list them, replay one through its consumer's normal path (the
inbox keeps it once-only), or discard it. Every replay and discard is logged with its actor (audit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import or_, select

from .consumers import Outcome, RetryPolicy, deliver, parse_envelope
from .container import Container
from .db import utcnow
from .errors import Conflict, NotFound
from .models import DeadLetter

log = structlog.get_logger("ecovarejo.deadletters")


@dataclass(frozen=True)
class DeadLetterView:
    id: uuid.UUID
    consumer: str
    event_id: uuid.UUID
    tenant_id: uuid.UUID | None
    topic: str
    type: str
    attempts: int
    error: str
    created_at: datetime
    resolved_at: datetime | None


def _view(d: DeadLetter) -> DeadLetterView:
    return DeadLetterView(
        d.id, d.consumer, d.event_id, d.tenant_id, d.topic, d.type, d.attempts, d.error, d.created_at, d.resolved_at
    )


async def list_dead_letters(
    container: Container,
    *,
    tenant_id: uuid.UUID | None = None,
    include_resolved: bool = False,
    limit: int = 200,
    after: uuid.UUID | None = None,
) -> list[DeadLetterView]:
    """Newest first; ``after`` (a letter's id) continues a listing after that letter."""
    async with container.db.system_session() as s:
        q = select(DeadLetter).order_by(DeadLetter.created_at.desc(), DeadLetter.id.desc()).limit(limit)
        if tenant_id is not None:
            q = q.where(DeadLetter.tenant_id == tenant_id)
        if not include_resolved:
            q = q.where(DeadLetter.resolved_at.is_(None))
        if after is not None:
            last = await s.get(DeadLetter, after)
            if last is None:
                raise NotFound("no such dead letter", code="dead_letter_not_found")
            q = q.where(
                or_(
                    DeadLetter.created_at < last.created_at,
                    (DeadLetter.created_at == last.created_at) & (DeadLetter.id < last.id),
                )
            )
        return [_view(d) for d in (await s.scalars(q)).all()]


async def get_dead_letter(
    container: Container, letter_id: uuid.UUID, *, tenant_id: uuid.UUID | None = None
) -> DeadLetterView:
    async with container.db.system_session() as s:
        d = await s.get(DeadLetter, letter_id)
    if d is None or (tenant_id is not None and d.tenant_id != tenant_id):
        raise NotFound("no such dead letter", code="dead_letter_not_found")
    return _view(d)


async def _open(container: Container, letter_id: uuid.UUID, tenant_id: uuid.UUID | None) -> DeadLetter:
    async with container.db.system_session() as s:
        d = await s.get(DeadLetter, letter_id)
    if d is None or (tenant_id is not None and d.tenant_id != tenant_id):
        raise NotFound("no such dead letter", code="dead_letter_not_found")
    if d.resolved_at is not None:
        raise Conflict("this dead letter was already replayed or discarded", code="dead_letter_resolved")
    return d


async def _resolve(container: Container, letter_id: uuid.UUID) -> None:
    async with container.db.system_session() as s:
        d = await s.get(DeadLetter, letter_id)
        if d is not None and d.resolved_at is None:
            d.resolved_at = utcnow()
            await s.commit()


async def replay(container: Container, letter_id: uuid.UUID, *, actor: str, tenant_id: uuid.UUID | None = None) -> str:
    """Hand the event to its consumer again, as the bus would: ``done`` (or ``duplicate``: it had been
    handled meanwhile) resolves the dead letter; a failure leaves it open with the new error."""
    d = await _open(container, letter_id, tenant_id)
    if d.type == "malformed":
        raise Conflict("a malformed message cannot be replayed; discard it", code="dead_letter_malformed")
    consumer = next((c for c in container.consumers if c.name == d.consumer), None)
    if consumer is None:
        raise Conflict(f"no consumer {d.consumer!r} runs in this process", code="dead_letter_consumer_unknown")
    event = parse_envelope(d.envelope, d.topic)
    # one attempt, no dead letter of its own: the open one stands for it if this fails again
    outcome = await deliver(container.db, consumer, event, attempt=1, policy=RetryPolicy(max_attempts=2))
    log.warning(
        "dead_letter_replayed", dead_letter=str(letter_id), consumer=d.consumer, actor=actor, outcome=outcome.value
    )
    if outcome in (Outcome.DONE, Outcome.DUPLICATE):
        await _resolve(container, letter_id)
    return outcome.value


async def discard(
    container: Container, letter_id: uuid.UUID, *, actor: str, tenant_id: uuid.UUID | None = None
) -> None:
    """Give the event up for good (its effect will never happen): resolved, with an audit log line."""
    d = await _open(container, letter_id, tenant_id)
    await _resolve(container, letter_id)
    log.warning("dead_letter_discarded", dead_letter=str(letter_id), consumer=d.consumer, actor=actor)
