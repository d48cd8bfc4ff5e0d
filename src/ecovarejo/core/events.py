"""Events: a CloudEvents 1.0 envelope, and the topics of DESIGN.md §5."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .db import utcnow
from .ids import uuid7

TOPICS = (
    "user-events",
    "product-events",
    "inventory-events",
    "order-events",
    "payment-events",
    "notification",
    "logistics-events",
)


@dataclass(frozen=True)
class Event:
    """One CloudEvent. ``type`` is short (``order.placed``); the envelope says ``ecovarejo.order.placed``."""

    topic: str
    type: str
    data: dict[str, Any]
    tenant_id: uuid.UUID | None
    subject: str | None = None
    source: str = "/ecovarejo"
    id: uuid.UUID = field(default_factory=uuid7)
    time: datetime = field(default_factory=utcnow)
    #: W3C trace context carried inside the envelope so a consumer's span joins the producer's trace.
    traceparent: str | None = None

    def envelope(self) -> dict[str, Any]:
        env: dict[str, Any] = {
            "specversion": "1.0",
            "id": str(self.id),
            "source": self.source,
            "type": f"ecovarejo.{self.type}",
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": self.data,
            "topic": self.topic,
        }
        if self.subject is not None:
            env["subject"] = self.subject
        if self.tenant_id is not None:
            env["tenantid"] = str(self.tenant_id)
        if self.traceparent:
            env["traceparent"] = self.traceparent
        return env

    @classmethod
    def from_envelope(cls, env: dict[str, Any]) -> Event:
        etype = env["type"]
        return cls(
            topic=env.get("topic", ""),
            type=etype.removeprefix("ecovarejo."),
            data=env.get("data") or {},
            tenant_id=uuid.UUID(env["tenantid"]) if env.get("tenantid") else None,
            subject=env.get("subject"),
            source=env.get("source", "/ecovarejo"),
            id=uuid.UUID(env["id"]),
            time=datetime.fromisoformat(env["time"].replace("Z", "+00:00")),
            traceparent=env.get("traceparent"),
        )


def validate_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; known: {', '.join(TOPICS)}")
    return topic
