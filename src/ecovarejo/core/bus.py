"""The event bus port and its adapters: in-process (embedded default) and NATS JetStream.

The relay publishes outbox rows to a bus; the bus delivers them to the subscribed consumers through
:func:`~ecovarejo.core.consumers.deliver`, which makes each delivery idempotent. Retries and dead
letters are the bus's job: the in-process bus retries with backoff in tasks of this process; NATS
JetStream redelivers (``nak`` with a delay) from a durable consumer, so a crash loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Callable
from typing import Any, Protocol

import structlog

from .consumers import (
    Consumer,
    MalformedMessage,
    Outcome,
    RetryPolicy,
    dead_letter_raw,
    deliver,
    deliver_batch,
    parse_envelope,
    parse_message,
)
from .db import Database
from .events import Event
from .tasks import TaskRegistry

log = structlog.get_logger("ecovarejo.bus")

STREAM = "ECOVAREJO"
SUBJECT_PREFIX = "ecovarejo"


def _header(msg: Any, name: str) -> str | None:
    headers = getattr(msg, "headers", None) or {}
    value = headers.get(name)
    return str(value) if value is not None else None


class Bus(Protocol):
    def subscribe(self, consumer: Consumer) -> None: ...
    async def start(self) -> None: ...
    async def publish(self, topic: str, envelope: dict[str, Any]) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None: ...
    async def lag(self) -> dict[str, int]: ...


class InProcessBus:
    """Delivers to consumers in this process. ``publish`` returns after each consumer's first attempt."""

    def __init__(
        self,
        db: Database,
        *,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        retry_budget: float = 900.0,
        tasks: TaskRegistry | None = None,
    ) -> None:
        self.db = db
        self.policy = RetryPolicy(max_attempts, backoff_base, backoff_cap, retry_budget)
        #: Called after a delivery commits events (the container wakes its relay with it).
        self.on_commit: Callable[[], None] | None = None
        self.tasks = tasks if tasks is not None else TaskRegistry("in-process-bus")
        self.consumers: list[Consumer] = []
        self._retries: set[asyncio.Task[None]] = set()
        self.published: list[dict[str, Any]] = []
        self.record = False

    def subscribe(self, consumer: Consumer) -> None:
        self.consumers.append(consumer)

    async def start(self) -> None:
        return None

    async def ping(self) -> None:
        return None

    async def publish(self, topic: str, envelope: dict[str, Any]) -> None:
        if self.record:
            self.published.append(envelope)
        try:
            event = parse_envelope(envelope, topic)
        except MalformedMessage as bad:
            for consumer in self.consumers:
                if topic in consumer.topics:
                    await dead_letter_raw(self.db, consumer.name, json.dumps(envelope, default=str), bad.reason)
            return
        for consumer in self.consumers:
            if not consumer.wants(event):
                continue
            outcome = await deliver(self.db, consumer, event, attempt=1, policy=self.policy, on_commit=self.on_commit)
            if outcome is Outcome.RETRY:
                task = self.tasks.spawn(self._retry(consumer, event), name=f"bus-retry:{consumer.name}:{event.id}")
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    async def _retry(self, consumer: Consumer, event: Event) -> None:
        attempt = 1
        while True:
            await asyncio.sleep(self.policy.delay(attempt))
            attempt += 1
            outcome = await deliver(
                self.db, consumer, event, attempt=attempt, policy=self.policy, on_commit=self.on_commit
            )
            if outcome is not Outcome.RETRY:
                return

    async def lag(self) -> dict[str, int]:
        """Deliveries waiting for a retry, per consumer (the relay's backlog is the outbox's)."""
        out: dict[str, int] = {}
        for task in self._retries:
            consumer = task.get_name().split(":")[1]
            out[consumer] = out.get(consumer, 0) + 1
        return out

    async def drain(self) -> None:
        """Wait for pending retries (tests, shutdown)."""
        while self._retries:
            await asyncio.gather(*list(self._retries), return_exceptions=True)

    async def close(self) -> None:
        retries = set(self._retries)
        for task in retries:
            task.cancel()
        if retries:
            await asyncio.wait(retries)


class NatsBus:
    """NATS JetStream: one stream, a subject per topic, a durable pull consumer per (consumer, topic)."""

    def __init__(
        self,
        url: str,
        db: Database,
        *,
        stream: str = STREAM,
        subject_prefix: str = SUBJECT_PREFIX,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        retry_budget: float = 900.0,
        ack_wait: float = 30.0,
        max_age: float = 7 * 86400.0,
        tasks: TaskRegistry | None = None,
    ) -> None:
        self.url = url
        #: Seconds a message stays in the stream (events may carry personal data).
        self.max_age = max_age
        self.db = db
        self.stream = stream
        self.prefix = subject_prefix
        self.policy = RetryPolicy(max_attempts, backoff_base, backoff_cap, retry_budget)
        #: Called after a delivery commits events (the container wakes its relay with it).
        self.on_commit: Callable[[], None] | None = None
        self.ack_wait = ack_wait
        self.consumers: list[Consumer] = []
        self.tasks = tasks if tasks is not None else TaskRegistry("nats-bus")
        self._tasks: list[asyncio.Task[None]] = []
        self._nc: Any = None
        self._js: Any = None
        self._closing = asyncio.Event()
        #: Consumer tasks handling a batch now (stop lets them finish it; the others are cancelled at once).
        self._busy: set[asyncio.Task[Any]] = set()

    def subject(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    def subscribe(self, consumer: Consumer) -> None:
        self.consumers.append(consumer)

    async def connect(self) -> None:
        if self._nc is not None:
            return
        import nats
        from nats.js.api import StreamConfig

        self._nc = await nats.connect(self.url, name="ecovarejo", max_reconnect_attempts=-1)
        self._js = self._nc.jetstream()
        config = StreamConfig(
            name=self.stream, subjects=[f"{self.prefix}.>"], duplicate_window=120.0, max_age=self.max_age
        )
        try:
            await self._js.add_stream(config)
        except Exception:
            await self._js.update_stream(config)

    async def start(self) -> None:
        await self.connect()
        self._closing.clear()
        for consumer in self.consumers:
            for topic in consumer.topics:
                name = f"nats-consumer:{consumer.name}:{topic}"
                self._tasks.append(self.tasks.supervise(name, functools.partial(self._consume, consumer, topic)))

    def durable(self, consumer: Consumer, topic: str) -> str:
        return f"{consumer.name}-{topic}".replace(".", "_")

    async def lag(self) -> dict[str, int]:
        """Messages not yet acknowledged, per consumer (pending plus in flight)."""
        out: dict[str, int] = {}
        if self._js is None:
            return out
        for consumer in self.consumers:
            for topic in consumer.topics:
                info = await self._js.consumer_info(self.stream, self.durable(consumer, topic))
                out[consumer.name] = (
                    out.get(consumer.name, 0) + int(info.num_pending or 0) + int(info.num_ack_pending or 0)
                )
        return out

    async def ping(self) -> None:
        if self._nc is None or not self._nc.is_connected:
            raise ConnectionError("NATS is not connected")
        await self._nc.flush(timeout=2)

    async def publish(self, topic: str, envelope: dict[str, Any]) -> None:
        await self.connect()
        # Nats-Msg-Id makes JetStream drop a second publish of the same event within its duplicate
        # window (a relay that died between publish and marking the row).
        await self._js.publish(
            self.subject(topic), json.dumps(envelope).encode(), headers={"Nats-Msg-Id": envelope["id"]}
        )

    async def _consume(self, consumer: Consumer, topic: str) -> None:
        """Fetch and handle until the bus closes; an unexpected error ends it and its supervisor
        restarts it (with backoff)."""
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        durable = self.durable(consumer, topic)
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            # unlimited: the retry policy decides when an event becomes a dead letter, and a message is
            # acknowledged only once its effect or its dead letter is committed
            max_deliver=-1,
            filter_subject=self.subject(topic),
        )
        sub = await self._js.pull_subscribe(self.subject(topic), durable=durable, stream=self.stream, config=config)
        try:
            while not self._closing.is_set():
                try:
                    msgs = await sub.fetch(batch=20, timeout=1)
                except NatsTimeout:
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # connection hiccup: nats-py reconnects by itself
                    log.warning("nats_fetch_failed", consumer=consumer.name, error=str(exc))
                    await asyncio.sleep(0.5)
                    continue
                me = asyncio.current_task()
                if me is not None:
                    self._busy.add(me)
                try:
                    if consumer.batch_handler is not None and not self._closing.is_set():
                        await self._handle_batch(consumer, topic, msgs)
                        continue
                    for i, msg in enumerate(msgs):
                        if self._closing.is_set():  # stop: hand the rest back at once for another worker
                            for rest in msgs[i:]:
                                with contextlib.suppress(Exception):
                                    await rest.nak()
                            break
                        await self._handle(consumer, topic, msg)
                finally:
                    self._busy.discard(me)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _handle(self, consumer: Consumer, topic: str, msg: Any) -> None:
        """Handle one message; never raises (but for cancellation)."""
        try:
            attempt = int(msg.metadata.num_delivered)
            try:
                event = parse_message(msg.data, self.subject_topic(msg.subject) or topic)
            except MalformedMessage as bad:
                outcome = await dead_letter_raw(
                    self.db,
                    consumer.name,
                    msg.data,
                    bad.reason,
                    subject=msg.subject,
                    msg_id=_header(msg, "Nats-Msg-Id"),
                )
                if outcome is Outcome.DEAD:
                    await msg.term()
                else:
                    await msg.nak(delay=self.policy.delay(attempt))
                return
            outcome = await deliver(
                self.db, consumer, event, attempt=attempt, policy=self.policy, on_commit=self.on_commit
            )
            if outcome is Outcome.RETRY:
                await msg.nak(delay=self.policy.delay(attempt))
            else:
                await msg.ack()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker went away mid-ack: the message is redelivered after ack_wait
            log.error("nats_handle_failed", consumer=consumer.name, error=f"{type(exc).__name__}: {exc}")

    async def _handle_batch(self, consumer: Consumer, topic: str, msgs: list[Any]) -> None:
        """Handle fetched messages together (the consumer's batch handler, one unit of work per tenant and
        ``max_batch`` events), then acknowledge each by its own outcome; never raises (but for cancellation)."""
        parsed: list[tuple[Any, Event, int]] = []
        try:
            for msg in msgs:
                attempt = int(msg.metadata.num_delivered)
                try:
                    event = parse_message(msg.data, self.subject_topic(msg.subject) or topic)
                except MalformedMessage:
                    await self._handle(consumer, topic, msg)  # dead-lettered there, as one by one
                    continue
                parsed.append((msg, event, attempt))
            outcomes = await deliver_batch(
                self.db,
                consumer,
                [e for _, e, _ in parsed],
                attempts=[a for _, _, a in parsed],
                policy=self.policy,
                on_commit=self.on_commit,
            )
            for (msg, _, attempt), outcome in zip(parsed, outcomes, strict=True):
                if outcome is Outcome.RETRY:
                    await msg.nak(delay=self.policy.delay(attempt))
                else:
                    await msg.ack()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker went away mid-ack: unacknowledged messages come again
            log.error("nats_handle_failed", consumer=consumer.name, error=f"{type(exc).__name__}: {exc}")

    def subject_topic(self, subject: str) -> str | None:
        topic = subject.removeprefix(f"{self.prefix}.")
        return topic if topic != subject else None

    async def close(self, grace: float = 5.0) -> None:
        """Stop fetching, let each consumer finish the message in hand (``grace`` seconds at most), then
        cancel what is left and drain the connection."""
        self._closing.set()
        tasks, self._tasks = set(self._tasks), []
        busy = tasks & self._busy
        for task in tasks - busy:  # waiting for messages or restarting: nothing in hand
            task.cancel()
        if busy:
            await asyncio.wait(busy, timeout=grace)
        for task in busy:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()
            self._nc = None
