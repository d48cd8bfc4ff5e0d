"""The unit of work: one transaction per request or job, with its events written to the outbox.

Services receive the unit of work, change rows through their repositories and ``flush()``; the
entrypoint (an API handler, a consumer, a CLI command) calls :meth:`UnitOfWork.commit`. Events
emitted during the unit are outbox rows of the same transaction: rolled back with it, published
only once it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from .db import Database
from .events import Event, validate_topic
from .models import OutboxEvent

#: Called with the trace context to put into new events (set by observability when tracing is on).
traceparent_provider: Callable[[], str | None] = lambda: None  # noqa: E731


class UnitOfWork:
    def __init__(
        self,
        db: Database,
        tenant_id: uuid.UUID | None,
        *,
        actor: str | None = None,
        read_only: bool = False,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self.actor = actor
        self.read_only = read_only
        self._on_commit = on_commit
        self._session: AsyncSession | None = None
        self.events: list[Event] = []
        self.committed = False
        self._after_commit: list[Callable[[], Any]] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.db.session(self.tenant_id, read_only=self.read_only)
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def emit(
        self,
        topic: str,
        type: str,
        data: dict[str, Any],
        *,
        subject: str | None = None,
        source: str = "/ecovarejo",
        tenant_id: uuid.UUID | None = None,
    ) -> Event:
        """Record an event; it becomes an outbox row in this transaction."""
        if self.read_only:
            raise RuntimeError("read-only unit of work cannot emit events")
        ev = Event(
            topic=validate_topic(topic),
            type=type,
            data=data,
            tenant_id=tenant_id or self.tenant_id,
            subject=subject,
            source=source,
            traceparent=traceparent_provider(),
        )
        self.session.add(
            OutboxEvent(
                id=ev.id,
                tenant_id=ev.tenant_id,
                topic=ev.topic,
                type=ev.type,
                envelope=ev.envelope(),
                created_at=ev.time,
            )
        )
        self.events.append(ev)
        return ev

    def after_commit(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` once the transaction has committed (cache purges, wake-ups). Never on rollback."""
        self._after_commit.append(fn)

    async def flush(self) -> None:
        await self.session.flush()

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.commit()
        self.committed = True
        if self.events and self._on_commit:
            self._on_commit()
        for fn in self._after_commit:
            res = fn()
            if hasattr(res, "__await__"):
                await res
        self._after_commit.clear()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
        self.events.clear()
        self._after_commit.clear()

    async def close(self) -> None:
        if self._session is not None:
            # A read-only unit has nothing to undo: closing ends its transaction and detaches the
            # objects it read with their values, so callers may still use them after the block.
            if not self.committed and not self.read_only:
                await self._session.rollback()
            await self._session.close()
            self._session = None
