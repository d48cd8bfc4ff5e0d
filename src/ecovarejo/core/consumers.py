"""Idempotent event consumers: the inbox makes a redelivered event a no-op; failures go to dead letters.

Failure model (docs/events.md): a handler error (a bug, bad data) is retried ``max_attempts`` times
with backoff, then the event goes to the dead letters. A *transient* error (the database or the broker
unreachable, a lock or serialization conflict) is retried for a budget measured in minutes
(``retry_budget`` seconds of backoff, jittered) before it is dead-lettered. Writing the dead letter is
itself retried: an event is never acknowledged before its effect or its dead letter is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import random
import sqlite3
import traceback
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .events import TOPICS, Event
from .models import DeadLetter, InboxEntry
from .uow import UnitOfWork

log = structlog.get_logger("ecovarejo.consumers")

Handler = Callable[[UnitOfWork, Event], Awaitable[None]]
#: Handles several events of one tenant in one unit of work (their inbox rows are written with it).
BatchHandler = Callable[[UnitOfWork, list[Event]], Awaitable[None]]


@dataclass
class Consumer:
    """A named handler of some event types on some topics. The name is its identity in the inbox."""

    name: str
    topics: tuple[str, ...]
    handler: Handler
    #: Short event types (``order.placed``); empty means every type on the topics.
    types: frozenset[str] = field(default_factory=frozenset)
    #: Optional: the same effect for many events at once, in one unit of work with one inbox row per event.
    #: Buses that fetch several messages (NATS) hand it their batch through :func:`deliver_batch`;
    #: ``handler`` still handles one event (the in-process bus, retries, dead-letter replays).
    batch_handler: BatchHandler | None = None
    #: Events per unit of work for ``batch_handler``.
    max_batch: int = 50

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


@dataclass(frozen=True)
class RetryPolicy:
    """How long a consumer keeps trying one event (see the module docstring)."""

    #: Attempts for a handler error (not transient) before the dead letter.
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: Seconds of (nominal) backoff a transient error may use before the dead letter: 15 minutes.
    retry_budget: float = 900.0

    def delay(self, attempt: int) -> float:
        """Jittered delay before attempt ``attempt + 1`` (between half and all of the nominal backoff), so
        consumers that failed together during an outage do not all come back in the same instant."""
        return backoff(attempt, self.backoff_base, self.backoff_cap) * random.uniform(0.5, 1.0)  # jitter

    def budget_spent(self, attempt: int) -> float:
        """Nominal seconds of backoff used before attempt ``attempt`` (deterministic, unlike the jitter)."""
        total, k = 0.0, 1
        while k < attempt and total < self.retry_budget:
            total += backoff(k, self.backoff_base, self.backoff_cap)
            k += 1
        return total

    def should_retry(self, attempt: int, *, transient: bool) -> bool:
        if transient:
            return self.budget_spent(attempt + 1) <= self.retry_budget
        return attempt < self.max_attempts


#: SQLSTATE classes of errors that go away by themselves: connection (08), lock/serialization (40, 55P03),
#: insufficient resources (53), operator intervention (57: shutdown, terminated), and a database that
#: does not accept connections now (55000, ``ALLOW_CONNECTIONS false``).
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "53", "57", "55000", "55P03")


_TRANSIENT_SQLITE_WORDS = ("locked", "busy", "unable to open", "disk i/o")


def is_transient(exc: BaseException) -> bool:
    """Is ``exc`` an infrastructure failure (retry for minutes) rather than a handler's error?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, IntegrityError):
            return False
        if isinstance(current, sqlite3.Error):  # SQLite says OperationalError for a missing table too
            return isinstance(current, sqlite3.OperationalError) and any(
                w in str(current).lower() for w in _TRANSIENT_SQLITE_WORDS
            )
        if isinstance(current, sa_exc.DBAPIError) and isinstance(current.orig, sqlite3.Error):
            current = current.orig
            continue
        if isinstance(
            current,
            sa_exc.OperationalError
            | sa_exc.InterfaceError
            | sa_exc.DisconnectionError
            | sa_exc.TimeoutError
            | ConnectionError
            | TimeoutError
            | OSError,
        ):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and state.startswith(_TRANSIENT_SQLSTATE_PREFIXES):
            return True
        nxt = getattr(current, "orig", None)
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
    return False


async def database_reachable(db: Database, timeout: float = 3.0) -> bool:  # noqa: ASYNC109
    try:
        async with asyncio.timeout(timeout):
            await db.ping()
        return True
    except Exception:
        return False


DEFAULT_POLICY = RetryPolicy()


async def deliver(
    db: Database,
    consumer: Consumer,
    event: Event,
    *,
    attempt: int,
    max_attempts: int | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    on_commit: Callable[[], None] | None = None,
) -> Outcome:
    """Run ``consumer`` on ``event`` once, in one unit of work together with its inbox row.

    Never raises (but for cancellation): the outcome says what the bus does with the message."""
    if not consumer.wants(event):
        return Outcome.SKIPPED
    if max_attempts is not None:
        policy = RetryPolicy(max_attempts, policy.backoff_base, policy.backoff_cap, policy.retry_budget)
    with delivery_span(consumer, event):
        return await _deliver(db, consumer, event, attempt=attempt, policy=policy, on_commit=on_commit)


async def _deliver(
    db: Database,
    consumer: Consumer,
    event: Event,
    *,
    attempt: int,
    policy: RetryPolicy,
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
    except IntegrityError as exc:
        # A concurrent delivery of the same event won the inbox row: it has the effect, we have none.
        failure: Exception = exc
        try:
            async with db.system_session() as s:
                seen = await s.scalar(
                    select(InboxEntry.event_id).where(
                        InboxEntry.consumer == consumer.name, InboxEntry.event_id == event.id
                    )
                )
            if seen is not None:
                return Outcome.DUPLICATE
        except Exception as again:
            failure = again
        error = traceback.format_exc()
    except Exception as exc:
        failure = exc
        error = traceback.format_exc()
    transient = is_transient(failure) or not await database_reachable(db)
    log.warning(
        "consumer_failed",
        consumer=consumer.name,
        event_id=str(event.id),
        attempt=attempt,
        transient=transient,
        error=error[-500:],
    )
    if policy.should_retry(attempt, transient=transient):
        return Outcome.RETRY
    return await write_dead_letter(db, consumer.name, event, error, attempt)


async def deliver_batch(
    db: Database,
    consumer: Consumer,
    events: Sequence[Event],
    *,
    attempts: Sequence[int] | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    on_commit: Callable[[], None] | None = None,
) -> list[Outcome]:
    """Deliver ``events`` to ``consumer``: one outcome per event, in order. Never raises (but for cancellation).

    With a ``batch_handler``, the events wanted are handled per tenant in units of work of ``max_batch``
    events: the inbox is read once for them, an event already there (or twice in the batch) is a
    DUPLICATE, the others get their inbox rows and go to the handler together, committed together. If
    that unit of work fails, its events are delivered one by one (:func:`deliver`, with its retries and
    dead letters), so one bad event never holds back or dead-letters the others."""
    tries = list(attempts) if attempts is not None else [1] * len(events)
    out: list[Outcome] = [Outcome.SKIPPED] * len(events)
    wanted = [i for i, e in enumerate(events) if consumer.wants(e)]
    handler = consumer.batch_handler
    if handler is None:
        for i in wanted:
            out[i] = await deliver(db, consumer, events[i], attempt=tries[i], policy=policy, on_commit=on_commit)
        return out
    by_tenant: dict[uuid.UUID | None, list[int]] = {}
    for i in wanted:
        by_tenant.setdefault(events[i].tenant_id, []).append(i)
    size = max(1, consumer.max_batch)
    for tenant, idx in by_tenant.items():
        for k in range(0, len(idx), size):
            chunk = idx[k : k + size]
            try:
                await _deliver_chunk(db, consumer, handler, tenant, events, chunk, out, on_commit)
            except Exception as exc:
                log.warning(
                    "consumer_batch_failed", consumer=consumer.name, events=len(chunk), error=f"{type(exc).__name__}"
                )
                for i in chunk:
                    out[i] = await deliver(
                        db, consumer, events[i], attempt=tries[i], policy=policy, on_commit=on_commit
                    )
    return out


async def _deliver_chunk(
    db: Database,
    consumer: Consumer,
    handler: BatchHandler,
    tenant: uuid.UUID | None,
    events: Sequence[Event],
    chunk: list[int],
    out: list[Outcome],
    on_commit: Callable[[], None] | None,
) -> None:
    async with UnitOfWork(db, tenant, actor=f"consumer:{consumer.name}", on_commit=on_commit) as uow:
        ids = list({events[i].id for i in chunk})
        seen = set(
            await uow.session.scalars(
                select(InboxEntry.event_id).where(InboxEntry.consumer == consumer.name, InboxEntry.event_id.in_(ids))
            )
        )
        fresh: list[int] = []
        for i in chunk:
            if events[i].id in seen:
                out[i] = Outcome.DUPLICATE
            else:
                seen.add(events[i].id)
                fresh.append(i)
        if not fresh:
            return
        uow.session.add_all([InboxEntry(consumer=consumer.name, event_id=events[i].id) for i in fresh])
        await uow.flush()
        await handler(uow, [events[i] for i in fresh])
        await uow.commit()
    for i in fresh:
        out[i] = Outcome.DONE


async def write_dead_letter(db: Database, consumer: str, event: Event, error: str, attempts: int) -> Outcome:
    """Record ``event`` as dead for ``consumer``: DEAD once committed, RETRY if the write failed (the bus
    then redelivers the event; it is never dropped without a trace)."""
    try:
        async with db.system_session() as s:
            s.add(
                DeadLetter(
                    consumer=consumer,
                    event_id=event.id,
                    tenant_id=event.tenant_id,
                    topic=event.topic,
                    type=event.type,
                    envelope=event.envelope(),
                    error=error[-4000:],
                    attempts=attempts,
                )
            )
            await s.commit()
    except Exception as exc:
        log.error("dead_letter_write_failed", consumer=consumer, event_id=str(event.id), error=f"{type(exc).__name__}")
        return Outcome.RETRY
    log.error("dead_letter", consumer=consumer, event_id=str(event.id), attempts=attempts)
    return Outcome.DEAD


#: Bytes of a malformed message's raw payload kept in its dead letter.
RAW_PAYLOAD_CAP = 16 * 1024


class MalformedMessage(ValueError):
    """A message that is not an event envelope this platform can route; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_message(data: bytes, topic: str | None) -> Event:
    """Bytes from the broker to an event; ``topic`` (from the subject) fills a missing ``topic``."""
    try:
        env = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedMessage(f"not JSON: {exc}") from None
    return parse_envelope(env, topic)


def parse_envelope(env: Any, topic: str | None) -> Event:
    if not isinstance(env, dict):
        raise MalformedMessage(f"not an event envelope: a JSON {type(env).__name__}")
    missing = [k for k in ("id", "type", "time") if not env.get(k)]
    if missing:
        raise MalformedMessage(f"envelope without {', '.join(missing)}")
    if not isinstance(env.get("data", {}), dict | None):
        raise MalformedMessage("envelope data is not an object")
    own = env.get("topic")
    if own is not None and own not in TOPICS:
        raise MalformedMessage(f"unknown topic {own!r}")
    if not own:
        if topic not in TOPICS:
            raise MalformedMessage(f"envelope without topic, and none can be derived from {topic!r}")
        env = {**env, "topic": topic}
    try:
        return Event.from_envelope(env)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedMessage(f"bad envelope field: {type(exc).__name__}: {exc}") from None


def _raw_text(raw: bytes | str) -> tuple[str, int]:
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    return data[:RAW_PAYLOAD_CAP].decode("utf-8", "replace"), len(data)


async def dead_letter_raw(
    db: Database,
    consumer: str,
    raw: bytes | str,
    reason: str,
    *,
    subject: str | None = None,
    msg_id: str | None = None,
) -> Outcome:
    """Record a message that could not be parsed or routed, with its raw payload (capped) and the reason.
    DEAD once committed; RETRY if the write failed (the broker redelivers it: nothing vanishes)."""
    text_, size = _raw_text(raw)
    try:
        event_id = uuid.UUID(str(msg_id)) if msg_id else uuid.uuid4()
    except ValueError:
        event_id = uuid.uuid4()
    envelope = {"raw": text_, "raw_bytes": size, "truncated": size > RAW_PAYLOAD_CAP, "subject": subject}
    try:
        async with db.system_session() as s:
            s.add(
                DeadLetter(
                    consumer=consumer,
                    event_id=event_id,
                    tenant_id=None,
                    topic=(subject or "")[:100],
                    type="malformed",
                    envelope=envelope,
                    error=f"malformed message: {reason}"[:4000],
                    attempts=1,
                )
            )
            await s.commit()
    except Exception as exc:
        log.error("dead_letter_write_failed", consumer=consumer, subject=subject, error=f"{type(exc).__name__}")
        return Outcome.RETRY
    log.error("malformed_message", consumer=consumer, subject=subject, reason=reason, raw_bytes=size)
    return Outcome.DEAD
