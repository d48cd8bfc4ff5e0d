"""Idempotent event consumers: the inbox makes a redelivered event a no-op; failures go to dead letters."""

from __future__ import annotations

import contextlib
import enum
import traceback
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .events import Event
from .models import DeadLetter, InboxEntry
from .uow import UnitOfWork

log = structlog.get_logger("ecovarejo.consumers")

Handler = Callable[[UnitOfWork, Event], Awaitable[None]]


@dataclass
class Consumer:
    """A named handler of some event types on some topics. The name is its identity in the inbox."""

    name: str
    topics: tuple[str, ...]
    handler: Handler
    #: Short event types (``order.placed``); empty means every type on the topics.
    types: frozenset[str] = field(default_factory=frozenset)

    def wants(self, event: Event) -> bool:
        return event.topic in self.topics and (not self.types or event.type in self.types)


#: Wraps each delivery; tracing installs one that opens a span joining the producer's trace (``traceparent``).
delivery_span: Callable[[Consumer, Event], AbstractContextManager[object]] = lambda consumer, event: (  # noqa: E731
    contextlib.nullcontext()
)


class Outcome(enum.Enum):
    DONE = "done"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    RETRY = "retry"
    DEAD = "dead"


def backoff(attempt: int, base: float, cap: float = 60.0) -> float:
    """Delay before attempt ``attempt + 1``: exponential, capped."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


async def deliver(
    db: Database,
    consumer: Consumer,
    event: Event,
    *,
    attempt: int,
    max_attempts: int,
    on_commit: Callable[[], None] | None = None,
) -> Outcome:
    """Run ``consumer`` on ``event`` once, in one unit of work together with its inbox row."""
    if not consumer.wants(event):
        return Outcome.SKIPPED
    with delivery_span(consumer, event):
        return await _deliver(db, consumer, event, attempt=attempt, max_attempts=max_attempts, on_commit=on_commit)


async def _deliver(
    db: Database,
    consumer: Consumer,
    event: Event,
    *,
    attempt: int,
    max_attempts: int,
    on_commit: Callable[[], None] | None,
) -> Outcome:
    try:
        async with UnitOfWork(db, event.tenant_id, actor=f"consumer:{consumer.name}", on_commit=on_commit) as uow:
            seen = await uow.session.scalar(
                select(InboxEntry.event_id).where(InboxEntry.consumer == consumer.name, InboxEntry.event_id == event.id)
            )
            if seen is not None:
                return Outcome.DUPLICATE
            uow.session.add(InboxEntry(consumer=consumer.name, event_id=event.id))
            await uow.flush()
            await consumer.handler(uow, event)
            await uow.commit()
            return Outcome.DONE
    except IntegrityError:
        # A concurrent delivery of the same event won the inbox row: it has the effect, we have none.
        async with db.system_session() as s:
            seen = await s.scalar(
                select(InboxEntry.event_id).where(InboxEntry.consumer == consumer.name, InboxEntry.event_id == event.id)
            )
        if seen is not None:
            return Outcome.DUPLICATE
        error = traceback.format_exc()
    except Exception:
        error = traceback.format_exc()
    log.warning("consumer_failed", consumer=consumer.name, event_id=str(event.id), attempt=attempt, error=error[-500:])
    if attempt < max_attempts:
        return Outcome.RETRY
    async with db.system_session() as s:
        s.add(
            DeadLetter(
                consumer=consumer.name,
                event_id=event.id,
                tenant_id=event.tenant_id,
                topic=event.topic,
                type=event.type,
                envelope=event.envelope(),
                error=error[-4000:],
                attempts=attempt,
            )
        )
        await s.commit()
    log.error("dead_letter", consumer=consumer.name, event_id=str(event.id), attempts=attempt)
    return Outcome.DEAD
