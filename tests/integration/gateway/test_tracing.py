"""OpenTelemetry: a span per request, per SQL statement and per event handled, in one trace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select, text

from ecovarejo.core.bus import NatsBus
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.models import OutboxEvent
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.gateway import tracing
from ecovarejo.gateway.config import GatewaySettings, default_config_text, parse_config
from tests.conftest import BROKER_URL, needs_nats
from tests.support import eventually


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure(tracing.make_provider("ecovarejo-test", exporter, batch=False))
    try:
        yield exporter
    finally:
        tracing.configure(None)


async def test_request_query_and_consumer_spans_share_one_trace(gateway_app, settings, spans) -> None:
    handled: list[uuid.UUID] = []

    async def handler(uow: UnitOfWork, event: Event) -> None:
        await uow.session.execute(text("SELECT 2"))
        handled.append(event.id)

    probe = Consumer("probe.tracing", ("order-events",), handler, frozenset({"probe.traced"}))
    async with gateway_app(settings, rate_limits=False, consumers=(probe,)) as g:
        r = await g.client.post("/gwtest/products/emit")
        assert r.status_code == 200
        event_id = uuid.UUID(r.json()["event_id"])
        await eventually(lambda: handled)
        assert handled == [event_id]
        async with g.container.db.system_session() as s:
            envelope = (await s.scalar(select(OutboxEvent).where(OutboxEvent.id == event_id))).envelope

    finished = spans.get_finished_spans()
    server = [s for s in finished if s.kind == SpanKind.SERVER and s.name == "POST /gwtest/products/emit"]
    assert len(server) == 1
    root = server[0]
    assert root.attributes["http.route"] == "/gwtest/products/emit"
    assert root.attributes["http.response.status_code"] == 200
    trace_id = root.context.trace_id
    # the envelope carries the request's trace context
    assert envelope["traceparent"].startswith(f"00-{trace_id:032x}-{root.context.span_id:016x}-")

    queries = [s for s in finished if s.kind == SpanKind.CLIENT and s.context.trace_id == trace_id]
    in_request = [s for s in queries if s.parent is not None and s.parent.span_id == root.context.span_id]
    assert any(s.attributes["db.statement"].strip() == "SELECT 1" for s in in_request)
    assert any(s.name == "INSERT" and "outbox" in s.attributes["db.statement"] for s in in_request)

    consumed = [s for s in finished if s.kind == SpanKind.CONSUMER and s.name == "consume probe.traced"]
    assert len(consumed) == 1
    consumer_span = consumed[0]
    assert consumer_span.context.trace_id == trace_id
    assert consumer_span.parent.span_id == root.context.span_id
    assert consumer_span.attributes["messaging.message.id"] == str(event_id)
    assert consumer_span.attributes["messaging.consumer.group.name"] == "probe.tracing"
    handler_queries = [s for s in queries if s.parent and s.parent.span_id == consumer_span.context.span_id]
    assert any(s.attributes["db.statement"].strip() == "SELECT 2" for s in handler_queries)


async def test_incoming_traceparent_is_continued(gateway_app, settings, spans) -> None:
    trace_id = uuid.uuid4().hex
    parent = f"00-{trace_id}-{'ab' * 8}-01"
    async with gateway_app(settings, rate_limits=False) as g:
        r = await g.client.get("/gwtest/products/items", headers={"traceparent": parent})
        assert r.status_code == 200
        assert r.headers["traceresponse"].startswith(f"00-{trace_id}-")
    root = next(s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER)
    assert f"{root.context.trace_id:032x}" == trace_id
    assert root.parent.span_id == int("ab" * 8, 16)
    assert root.name == "GET /gwtest/products/items"


async def test_no_spans_and_no_traceparent_when_tracing_is_off(gateway_app, settings) -> None:
    assert tracing.tracer() is None
    async with gateway_app(settings, rate_limits=False) as g:
        r = await g.client.post("/gwtest/products/emit")
        assert "traceresponse" not in r.headers
        async with g.container.db.system_session() as s:
            row = await s.scalar(select(OutboxEvent).where(OutboxEvent.id == uuid.UUID(r.json()["event_id"])))
        assert "traceparent" not in row.envelope


def test_exporters_are_selected_by_settings() -> None:
    config = parse_config(default_config_text())
    assert tracing.build_exporter(GatewaySettings(tracing_exporter="none"), config) is None
    zipkin = tracing.build_exporter(GatewaySettings(tracing_exporter="zipkin"), config)
    assert isinstance(zipkin, ZipkinExporter)
    assert zipkin.endpoint == "http://zipkin:9411/api/v2/spans"  # the policy file's zipkin plugin
    otlp = tracing.build_exporter(
        GatewaySettings(tracing_exporter="otlp", tracing_endpoint="http://collector:4318/v1/traces"), config
    )
    assert isinstance(otlp, OTLPSpanExporter)
    assert otlp._endpoint == "http://collector:4318/v1/traces"
    with pytest.raises(ValueError, match="unknown tracing exporter"):
        tracing.build_exporter(GatewaySettings(tracing_exporter="jaeger"), config)


@needs_nats
async def test_consumer_behind_nats_joins_the_request_trace(gateway_app, settings, spans) -> None:
    """The envelope, not the process, carries the trace: a consumer reached through JetStream continues it."""
    handled: list[uuid.UUID] = []

    async def handler(uow: UnitOfWork, event: Event) -> None:
        handled.append(event.id)

    async with gateway_app(settings, rate_limits=False) as g:
        r = await g.client.post("/gwtest/products/emit")
        event_id = uuid.UUID(r.json()["event_id"])
        async with g.container.db.system_session() as s:
            envelope = (await s.scalar(select(OutboxEvent).where(OutboxEvent.id == event_id))).envelope
        suffix = uuid.uuid4().hex[:8]
        bus = NatsBus(BROKER_URL, g.container.db, stream=f"T{suffix}", subject_prefix=f"t{suffix}", max_attempts=3)
        bus.subscribe(Consumer("probe.nats-tracing", ("order-events",), handler))
        await bus.start()
        try:
            await bus.publish("order-events", envelope)
            await eventually(lambda: handled)
        finally:
            await bus.close()
    assert handled == [event_id]
    finished = spans.get_finished_spans()
    root = next(s for s in finished if s.kind == SpanKind.SERVER and s.name == "POST /gwtest/products/emit")
    consumed = [
        s
        for s in finished
        if s.kind == SpanKind.CONSUMER and s.attributes["messaging.consumer.group.name"] == "probe.nats-tracing"
    ]
    assert len(consumed) == 1
    assert consumed[0].context.trace_id == root.context.trace_id
    assert consumed[0].parent.span_id == root.context.span_id
