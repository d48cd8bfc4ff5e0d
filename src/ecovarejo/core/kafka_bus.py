"""The Kafka adapter of the bus port (``ECOVAREJO_BROKER_URL=kafka://host:9092[,host2:9092]``).

Same guarantees as the NATS JetStream adapter:

- **Topics**: one Kafka topic per seed topic (``order-events``, ``payment-events``, ...), created at
  start when missing (``partitions`` each); a ``topic_prefix`` keeps test runs apart.
- **Order per aggregate**: the record key is the event's ``subject`` (the aggregate id, e.g. the
  order id), so one order's events land on one partition and are consumed in order.
- **Consumer group per consumer**: the consumer's name is its group id; processes running the same
  consumer share the partitions, different consumers each see every event.
- **Commit after the inbox write**: the offset is committed only after
  :func:`~ecovarejo.core.consumers.deliver` committed the effect together with its inbox row; a crash
  in between means redelivery, which the inbox turns into a no-op.
- **Retries and dead letters**: a failed delivery is retried on the spot with exponential backoff
  (blocking its partition, so ordering holds) up to ``max_attempts``; then ``deliver`` writes the
  dead letter (the table: the operator's view, replayed from the CLI, API or admin) and the record is
  also published, unchanged with its key, to a **dead-letter topic** — ``<topic>.dlq`` beside each topic,
  or one ``dlq_topic`` for all (``ECOVAREJO_KAFKA_DLQ_TOPIC``) — with headers saying why
  (``dlq_consumer``, ``dlq_reason``, ``dlq_attempts``, ``dlq_dead_letter`` (the table row's id),
  ``dlq_topic``, ``dlq_partition``, ``dlq_offset``). Messages that are not events go there too. Only then
  does the offset move on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import structlog
from sqlalchemy import select

from .consumers import Consumer, MalformedMessage, Outcome, RetryPolicy, dead_letter_raw, deliver, parse_message
from .db import Database
from .events import TOPICS
from .models import DeadLetter
from .tasks import TaskRegistry

log = structlog.get_logger("ecovarejo.kafka")


def bootstrap_servers(url: str) -> str:
    """``kafka://a:9092,b:9092`` → ``a:9092,b:9092`` (default port 9092)."""
    parts = urlsplit(url)
    if parts.scheme != "kafka":
        raise ValueError(f"not a kafka:// URL: {url!r}")
    hosts = [h.strip() for h in parts.netloc.split(",") if h.strip()]
    if not hosts:
        raise ValueError(f"no broker in {url!r}")
    return ",".join(h if ":" in h else f"{h}:9092" for h in hosts)


class KafkaBus:
    """Kafka: a topic per seed topic, key per aggregate, a consumer group per consumer."""

    def __init__(
        self,
        url: str,
        db: Database,
        *,
        topic_prefix: str = "",
        group_prefix: str = "ecovarejo.",
        partitions: int = 6,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        retry_budget: float = 900.0,
        topics: tuple[str, ...] = TOPICS,
        session_timeout_ms: int = 10_000,
        tasks: TaskRegistry | None = None,
        dlq_topic: str = "",
    ) -> None:
        self.url = url
        self.servers = bootstrap_servers(url)
        self.db = db
        self.topic_prefix = topic_prefix
        self.group_prefix = group_prefix
        self.partitions = partitions
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.policy = RetryPolicy(max_attempts, backoff_base, backoff_cap, retry_budget)
        #: Called after a delivery commits events (the container wakes its relay with it).
        self.on_commit: Callable[[], None] | None = None
        self.topics = topics
        #: A group (re)join waits up to about half of it on some brokers; tests use a short one.
        self.session_timeout_ms = session_timeout_ms
        #: One dead-letter topic for all (without the prefix); empty: ``<topic>.dlq`` beside each topic.
        self.dlq_topic = dlq_topic
        self.consumers: list[Consumer] = []
        self.tasks = tasks if tasks is not None else TaskRegistry("kafka-bus")
        self._producer: Any = None
        self._kafka_consumers: list[Any] = []
        self._tasks: list[asyncio.Task[None]] = []
        #: Consumer loops handling a batch now (``close`` lets them finish the record in hand).
        self._busy: set[asyncio.Task[Any]] = set()
        self._closing = asyncio.Event()
        self._lock = asyncio.Lock()

    def kafka_topic(self, topic: str) -> str:
        return f"{self.topic_prefix}{topic}"

    def dead_letter_topic(self, topic: str) -> str:
        """The Kafka topic where dead records of ``topic`` (a seed topic) go."""
        return self.kafka_topic(self.dlq_topic or f"{topic}.dlq")

    def group(self, consumer: Consumer) -> str:
        return f"{self.group_prefix}{self.topic_prefix}{consumer.name}"

    def subscribe(self, consumer: Consumer) -> None:
        self.consumers.append(consumer)

    async def _ensure_topics(self) -> None:
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic
        from aiokafka.errors import TopicAlreadyExistsError

        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers, client_id="ecovarejo-admin")
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            wanted = [*map(self.kafka_topic, self.topics), *dict.fromkeys(map(self.dead_letter_topic, self.topics))]
            missing = [t for t in wanted if t not in existing]
            if missing:
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(
                        [NewTopic(t, num_partitions=self.partitions, replication_factor=1) for t in missing]
                    )
        finally:
            await admin.close()

    async def connect(self) -> None:
        async with self._lock:
            if self._producer is not None:
                return
            from aiokafka import AIOKafkaProducer

            await self._ensure_topics()
            producer = AIOKafkaProducer(bootstrap_servers=self.servers, client_id="ecovarejo", acks="all", linger_ms=2)
            await producer.start()
            self._producer = producer

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer

        await self.connect()
        pairs = [
            (
                consumer,
                AIOKafkaConsumer(
                    *[self.kafka_topic(t) for t in consumer.topics],
                    bootstrap_servers=self.servers,
                    group_id=self.group(consumer),
                    client_id=f"ecovarejo-{consumer.name}",
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                    session_timeout_ms=self.session_timeout_ms,
                    heartbeat_interval_ms=max(100, self.session_timeout_ms // 4),
                ),
            )
            for consumer in self.consumers
        ]
        self._kafka_consumers.extend(kc for _, kc in pairs)
        await asyncio.gather(*(kc.start() for _, kc in pairs))
        for consumer, kc in pairs:
            name = f"kafka-consumer:{consumer.name}"
            self._tasks.append(self.tasks.supervise(name, functools.partial(self._consume, consumer, kc)))

    async def ping(self) -> None:
        if self._producer is None:
            raise ConnectionError("Kafka producer is not started")
        if not await self._producer.client.force_metadata_update():
            raise ConnectionError("Kafka metadata request failed")

    async def publish(self, topic: str, envelope: dict[str, Any]) -> None:
        await self.connect()
        key = str(envelope.get("subject") or envelope.get("tenantid") or envelope["id"]).encode()
        await self._producer.send_and_wait(
            self.kafka_topic(topic),
            json.dumps(envelope).encode(),
            key=key,
            headers=[("ce_id", str(envelope["id"]).encode()), ("ce_type", str(envelope["type"]).encode())],
        )

    async def _consume(self, consumer: Consumer, kc: Any) -> None:
        while not self._closing.is_set():
            try:
                batches = await kc.getmany(timeout_ms=1000, max_records=100)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker hiccup: aiokafka reconnects by itself
                log.warning("kafka_fetch_failed", consumer=consumer.name, error=str(exc))
                await asyncio.sleep(0.5)
                continue
            if not batches or self._closing.is_set():
                continue  # fetched while closing: not committed, so delivered again after the restart
            # Partitions in parallel, each partition's records in order.
            me = asyncio.current_task()
            if me is not None:
                self._busy.add(me)
            try:
                await asyncio.gather(*(self._partition(consumer, kc, tp, records) for tp, records in batches.items()))
            finally:
                self._busy.discard(me)

    async def _partition(self, consumer: Consumer, kc: Any, tp: Any, records: list[Any]) -> None:
        from aiokafka.errors import CommitFailedError, IllegalStateError

        for record in records:
            if self._closing.is_set():
                return  # stop fetching: the records not started stay uncommitted and come again
            await self._handle(consumer, record)
            try:
                await kc.commit({tp: record.offset + 1})
            except (CommitFailedError, IllegalStateError) as exc:
                # The partition moved to another member during a rebalance: it will redeliver from the
                # last committed offset and the inbox turns what we already did into a no-op.
                log.info("kafka_commit_skipped", consumer=consumer.name, partition=str(tp), error=str(exc))
                return

    async def _handle(self, consumer: Consumer, record: Any) -> None:
        """Handle one record, retrying on the spot (its partition waits, so order holds) until its effect
        or its dead letter is committed; a record that is not an event becomes a dead letter. A dead
        record is also published to the dead-letter topic before the offset moves on."""
        topic = str(record.topic).removeprefix(self.topic_prefix)
        try:
            event = parse_message(record.value, topic)
        except MalformedMessage as bad:
            attempt = 1
            subject = f"{record.topic}[{record.partition}]@{record.offset}"
            while await dead_letter_raw(self.db, consumer.name, record.value or b"", bad.reason, subject=subject) is (
                Outcome.RETRY
            ):
                await asyncio.sleep(self.policy.delay(attempt))
                attempt += 1
            await self._to_dead_letter_topic(consumer, record, topic, f"malformed message: {bad.reason}", 1, None)
            return
        if not consumer.wants(event):
            return
        attempt = 1
        while True:
            outcome = await deliver(
                self.db, consumer, event, attempt=attempt, policy=self.policy, on_commit=self.on_commit
            )
            if outcome is Outcome.DEAD:
                letter = await self._dead_letter_of(consumer, event.id)
                reason = letter.error.strip().splitlines()[-1] if letter is not None and letter.error.strip() else ""
                await self._to_dead_letter_topic(
                    consumer, record, topic, reason, attempt, letter.id if letter is not None else None
                )
            if outcome is not Outcome.RETRY:
                return
            await asyncio.sleep(self.policy.delay(attempt))
            attempt += 1

    async def _dead_letter_of(self, consumer: Consumer, event_id: Any) -> DeadLetter | None:
        try:
            async with self.db.system_session() as s:
                return await s.scalar(
                    select(DeadLetter)
                    .where(DeadLetter.consumer == consumer.name, DeadLetter.event_id == event_id)
                    .order_by(DeadLetter.created_at.desc())
                    .limit(1)
                )
        except Exception as exc:  # the headers lose the table's id and reason, the record still goes
            log.warning("kafka_dead_letter_lookup_failed", consumer=consumer.name, error=f"{type(exc).__name__}")
            return None

    async def _to_dead_letter_topic(
        self, consumer: Consumer, record: Any, topic: str, reason: str, attempts: int, letter_id: Any
    ) -> None:
        """Publish the dead record, unchanged with its key, to the dead-letter topic; retried with backoff
        (the partition waits) until the broker takes it or the bus closes (the table has it anyway)."""
        headers = [
            ("dlq_consumer", consumer.name.encode()),
            ("dlq_reason", reason[:1000].encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_topic", str(record.topic).encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        if letter_id is not None:
            headers.append(("dlq_dead_letter", str(letter_id).encode()))
        target = self.dead_letter_topic(topic)
        attempt = 1
        while not self._closing.is_set():
            try:
                await self.connect()
                await self._producer.send_and_wait(target, record.value, key=record.key, headers=headers)
                log.error("kafka_dead_lettered", consumer=consumer.name, topic=target, offset=record.offset)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("kafka_dlq_publish_failed", consumer=consumer.name, topic=target, error=str(exc))
                await asyncio.sleep(self.policy.delay(attempt))
                attempt += 1

    async def lag(self) -> dict[str, int]:
        """Records not yet committed, per consumer, on the partitions this process holds."""
        out: dict[str, int] = {}
        for consumer, kc in zip(self.consumers, self._kafka_consumers, strict=False):
            total = 0
            for tp in kc.assignment():
                end = kc.highwater(tp)
                committed = await kc.committed(tp)
                if end is not None:
                    total += max(0, int(end) - int(committed or 0))
            out[consumer.name] = total
        return out

    async def close(self, grace: float = 5.0) -> None:
        """Stop fetching, let each consumer finish the record in hand (``grace`` seconds at most; the
        records fetched and not started stay uncommitted), then cancel what is left and disconnect."""
        self._closing.set()
        tasks, self._tasks = set(self._tasks), []
        busy = tasks & self._busy
        for task in tasks - busy:  # waiting for records or restarting: nothing in hand
            task.cancel()
        if busy:
            await asyncio.wait(busy, timeout=grace)
        for task in busy:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for kc in self._kafka_consumers:
            with contextlib.suppress(Exception):
                await kc.stop()
        self._kafka_consumers.clear()
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None


def kafka_topics(prefix: str = "", dlq_topic: str = "") -> list[str]:
    """The Kafka topics a deployment needs (docs/operations.md lists them), dead-letter topics included."""
    dead = [dlq_topic] if dlq_topic else [f"{t}.dlq" for t in TOPICS]
    return [f"{prefix}{t}" for t in (*TOPICS, *dead)]
