"""The dispatcher: sends recorded messages after their transaction committed, retries with backoff, and
ends a message that keeps failing as ``dead`` (the dead-letter list of the admin API).

Messages are claimed with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several workers share
the work and a crashed one's claims are taken over when the lease lapses. ``kick()`` (called after a
commit) runs a pass now; a timer runs the next one when a retry falls due; workers also run
:meth:`Dispatcher.run_once` as a periodic job.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta
from typing import Protocol

import structlog

from ecovarejo.core.consumers import backoff
from ecovarejo.core.db import Database, utcnow
from ecovarejo.core.tasks import TaskRegistry
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .channels import Channels, DeliveryError, OutgoingMessage
from .channels.outbox import OutboxFolderChannel
from .models import NotificationMessage
from .settings import NotificationSettings

log = structlog.get_logger("ecovarejo.notifications")


class RateLimiter(Protocol):
    async def hit(self, tenant_id: uuid.UUID, channel: str, address: str) -> bool: ...


#: How long a stop waits for the pass in flight to finish before cancelling it.
STOP_GRACE_SECONDS = 3.0


class Dispatcher:
    def __init__(
        self,
        db: Database,
        channels: Channels,
        limiter: RateLimiter,
        config: NotificationSettings,
        tasks: TaskRegistry | None = None,
    ) -> None:
        self.db = db
        self.channels = channels
        self.limiter = limiter
        self.config = config
        self.tasks = tasks if tasks is not None else TaskRegistry("notifications")
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    # -- scheduling ------------------------------------------------------------------------------

    def kick(self) -> None:
        """Run a dispatch pass soon (in this process's event loop)."""
        if self._closed:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        with contextlib.suppress(RuntimeError):  # the container is stopping: the worker job sends it later
            self._task = self.tasks.spawn(self._loop(), name="notifications-dispatch")

    async def _loop(self) -> None:
        try:
            while True:
                self._again = False
                n = await self.run_once()
                if not n and not self._again:
                    break
            await self._schedule_next()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("dispatch_failed")

    async def _schedule_next(self) -> None:
        async with UnitOfWork(self.db, None, read_only=True) as uow:  # across tenants
            due = await repo.next_due_at(uow)
        if due is None or self._closed:
            return
        delay = max(0.0, (due - utcnow()).total_seconds())
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self.kick)

    async def idle(self) -> None:
        """Wait for the current pass (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    async def aclose(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        task, self._task = self._task, None
        if task is not None:
            # the messages in hand are finished first (a send cut mid-way would be sent again, and a pass
            # cancelled inside its database write left a connection closing after the stop); only a pass
            # still running after the grace period is cancelled
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
            if not done:
                task.cancel()
                await asyncio.wait({task})

    # -- one pass --------------------------------------------------------------------------------

    async def run_once(self, limit: int = 50) -> int:
        """Claim due messages, send each, record the outcome; returns how many were handled."""
        now = utcnow()
        async with UnitOfWork(self.db, None) as uow:  # across tenants
            claimed = await repo.claim_due(
                uow, now, limit=limit, lease_until=now + timedelta(seconds=self.config.notify_lease_seconds)
            )
            work = [(m.id, m.tenant_id, m.attempts, _outgoing(m), capped(m.category, m.template)) for m in claimed]
            await uow.commit()
        gate = asyncio.Semaphore(max(1, self.config.notify_concurrency))

        async def one(msg_id: uuid.UUID, tenant_id: uuid.UUID, attempts: int, out: OutgoingMessage, cap: bool) -> None:
            async with gate:
                await self._deliver(msg_id, tenant_id, attempts, out, capped=cap)

        await asyncio.gather(*(one(*w) for w in work))
        return len(work)

    async def _deliver(
        self, msg_id: uuid.UUID, tenant_id: uuid.UUID, attempts: int, out: OutgoingMessage, *, capped: bool = True
    ) -> None:
        status, error, provider_id, gone = "sent", None, None, False
        adapter = self.channels.get(out.channel)
        if adapter is None:
            status, error = "suppressed", "channel_not_configured"
        elif capped and attempts == 1 and not await self.limiter.hit(tenant_id, out.channel, out.to):
            status, error = "rate_limited", "recipient_rate_cap"
        else:
            try:
                provider_id = await adapter.send(out)
            except DeliveryError as exc:
                error, gone = str(exc), exc.gone
                status = "dead" if exc.permanent or attempts >= self.config.notify_max_attempts else "retrying"
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                status = "dead" if attempts >= self.config.notify_max_attempts else "retrying"
        async with UnitOfWork(self.db, None) as uow:
            msg = await repo.get_message(uow, msg_id)
            if msg is None:
                # the recipient's data was erased while this message was in flight (LGPD): the erasure
                # already forgot the copies it could see, so the one written now goes too
                if status == "sent" and isinstance(adapter, OutboxFolderChannel):
                    adapter.forget(tenant_id, {str(msg_id)})
                return
            msg.status, msg.last_error, msg.lease_until = status, error, None
            if status == "sent":
                msg.sent_at, msg.provider_id = utcnow(), (provider_id or "")[:300] or None
            elif status == "retrying":
                delay = backoff(attempts, self.config.notify_backoff_base, self.config.notify_backoff_cap)
                msg.next_attempt_at = utcnow() + timedelta(seconds=delay)
            if gone:
                await repo.delete_push_subscription(uow, out.to, tenant_id=tenant_id)
            await uow.commit()
        if status in ("retrying", "dead"):
            log.warning("notification_failed", message_id=str(msg_id), channel=out.channel, status=status, error=error)


#: Transactional messages anyone can make us send to any address (no sign-in needed to ask): still
#: capped per recipient, so the form cannot be used to flood a stranger's inbox.
CAPPED_TRANSACTIONAL = frozenset({"email_verification", "password_reset"})


def capped(category: str, template: str) -> bool:
    """Is a message subject to the per-recipient rate cap? Marketing is; mail that matters (orders,
    payments, shipping, security alerts, privacy) never is, whatever the volume (issue #13)."""
    return category == "marketing" or template in CAPPED_TRANSACTIONAL


def _outgoing(m: NotificationMessage) -> OutgoingMessage:
    return OutgoingMessage(
        id=m.id,
        tenant_id=m.tenant_id,
        channel=m.channel,
        to=m.to_address,
        subject=m.subject,
        text=m.body_text,
        html=m.body_html,
        locale=m.locale,
        category=m.category,
        headers=dict(m.headers or {}),
    )
