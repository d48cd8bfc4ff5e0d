"""The event bus port and its adapters: in-process (embedded default) and NATS JetStream.

The relay publishes outbox rows to a bus; the bus delivers them to the subscribed consumers through
:func:`~ecovarejo.core.consumers.deliver`, which makes each delivery idempotent. Retries and dead
letters are the bus's job: the in-process bus retries with backoff in tasks of this process; NATS
JetStream redelivers (``nak`` with a delay) from a durable consumer, so a crash loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Protocol

import structlog

from .consumers import Consumer, Outcome, backoff, deliver
from .db import Database
from .events import Event
from .tasks import TaskRegistry

log = structlog.get_logger("ecovarejo.bus")

STREAM = "ECOVAREJO"
SUBJECT_PREFIX = "ecovarejo"


class Bus(Protocol):
    def subscribe(self, consumer: Consumer) -> None: ...
    async def start(self) -> None: ...
    async def publish(self, topic: str, envelope: dict[str, Any]) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None: ...


class InProcessBus:
    """Delivers to consumers in this process. ``publish`` returns after each consumer's first attempt."""

    def __init__(
        self, db: Database, *, max_attempts: int = 5, backoff_base: float = 0.5, tasks: TaskRegistry | None = None
    ) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
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
        event = Event.from_envelope(envelope)
        for consumer in self.consumers:
            if not consumer.wants(event):
                continue
            outcome = await deliver(self.db, consumer, event, attempt=1, max_attempts=self.max_attempts)
            if outcome is Outcome.RETRY:
                task = self.tasks.spawn(self._retry(consumer, event), name=f"bus-retry:{consumer.name}:{event.id}")
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    async def _retry(self, consumer: Consumer, event: Event) -> None:
        attempt = 1
        while True:
            await asyncio.sleep(backoff(attempt, self.backoff_base))
            attempt += 1
            outcome = await deliver(self.db, consumer, event, attempt=attempt, max_attempts=self.max_attempts)
            if outcome is not Outcome.RETRY:
                return

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
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.ack_wait = ack_wait
        self.consumers: list[Consumer] = []
        self.tasks = tasks if tasks is not None else TaskRegistry("nats-bus")
        self._tasks: list[asyncio.Task[None]] = []
        self._nc: Any = None
        self._js: Any = None
        self._closing = asyncio.Event()

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
                self._tasks.append(
                    self.tasks.spawn(self._consume(consumer, topic), name=f"nats-consumer:{consumer.name}:{topic}")
                )

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
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        durable = f"{consumer.name}-{topic}".replace(".", "_")
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_deliver=self.max_attempts + 1,
            filter_subject=self.subject(topic),
        )
        sub = await self._js.pull_subscribe(self.subject(topic), durable=durable, stream=self.stream, config=config)
        while not self._closing.is_set():
            try:
                msgs = await sub.fetch(batch=20, timeout=1)
            except NatsTimeout:
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection hiccup: nats-py reconnects by itself
                log.warning("nats_fetch_failed", error=str(exc))
                await asyncio.sleep(0.5)
                continue
            for msg in msgs:
                await self._handle(consumer, msg)

    async def _handle(self, consumer: Consumer, msg: Any) -> None:
        attempt = int(msg.metadata.num_delivered)
        try:
            event = Event.from_envelope(json.loads(msg.data))
        except Exception:
            log.error("bad_envelope", subject=msg.subject)
            await msg.term()
            return
        outcome = await deliver(self.db, consumer, event, attempt=attempt, max_attempts=self.max_attempts)
        if outcome is Outcome.RETRY:
            await msg.nak(delay=backoff(attempt, self.backoff_base))
        else:
            await msg.ack()

    async def close(self) -> None:
        self._closing.set()
        tasks, self._tasks = set(self._tasks), []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()
            self._nc = None
