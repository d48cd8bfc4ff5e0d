"""OpenTelemetry tracing: a span per request, per SQL statement and per event handled.

The request's trace context goes into every event it emits (``traceparent`` in the CloudEvents envelope,
through :data:`ecovarejo.core.uow.traceparent_provider`), and a consumer's span continues that trace
(through :data:`ecovarejo.core.consumers.delivery_span`), in this process or another one.

The exporter is chosen by ``ECOVAREJO_GATEWAY_TRACING_EXPORTER``: ``otlp`` (HTTP/protobuf to
``ECOVAREJO_GATEWAY_TRACING_ENDPOINT``, default ``http://localhost:4318/v1/traces``), ``zipkin`` (the policy
file's ``zipkin`` plugin ``http_endpoint`` unless the endpoint is set), ``console``, or ``none`` (default:
no spans are made at all, and the hooks cost one attribute check).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovarejo.core import consumers as core_consumers
from ecovarejo.core import uow as core_uow
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event

if TYPE_CHECKING:
    from ecovarejo.core.container import Container

    from .config import GatewayConfig, GatewaySettings

PROPAGATOR = TraceContextTextMapPropagator()
_SPAN_KEY = "_ecovarejo_span"


class _State:
    tracer: trace.Tracer | None = None
    provider: TracerProvider | None = None


STATE = _State()


def tracer() -> trace.Tracer | None:
    return STATE.tracer


def build_exporter(settings: GatewaySettings, config: GatewayConfig | None = None) -> SpanExporter | None:
    kind = settings.tracing_exporter.lower()
    if kind in ("", "none", "off"):
        return None
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=settings.tracing_endpoint or None)
    if kind == "zipkin":
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        default = (config.globals.get("zipkin", {}) if config else {}).get("http_endpoint")
        return ZipkinExporter(endpoint=settings.tracing_endpoint or default)
    if kind == "console":
        return ConsoleSpanExporter()
    raise ValueError(f"unknown tracing exporter {settings.tracing_exporter!r}: otlp, zipkin, console or none")


def make_provider(
    service_name: str, exporter: SpanExporter, *, ratio: float = 1.0, batch: bool = True
) -> TracerProvider:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(TraceIdRatioBased(ratio)),
    )
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    return provider


def configure(provider: TracerProvider | None) -> None:
    """Make spans with ``provider`` in this process (``None``: stop tracing) and hook the kernel."""
    STATE.provider = provider
    STATE.tracer = provider.get_tracer("ecovarejo") if provider is not None else None
    if provider is None:
        core_uow.traceparent_provider = lambda: None
        core_consumers.delivery_span = lambda consumer, event: contextlib.nullcontext()
    else:
        core_uow.traceparent_provider = current_traceparent
        core_consumers.delivery_span = delivery_span


class _TracingPort:
    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider

    async def aclose(self) -> None:
        self.provider.force_flush()


def install(container: Container, settings: GatewaySettings, config: GatewayConfig) -> None:
    """Tracing for the run mode's exporter (once per process), and query spans on this container's engine."""
    exporter = build_exporter(settings, config)
    if exporter is not None and STATE.provider is None:
        provider = make_provider(settings.tracing_service_name, exporter, ratio=settings.tracing_sample_ratio)
        configure(provider)
        container.ports.provide(_TracingPort, _TracingPort(provider))
    instrument_engine(container.db.engine.sync_engine)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


@contextlib.contextmanager
def delivery_span(consumer: Consumer, ev: Event) -> Iterator[Any]:
    """A consumer span, child of the span that emitted the event (its ``traceparent``)."""
    t = STATE.tracer
    if t is None:
        yield None
        return
    parent = PROPAGATOR.extract({"traceparent": ev.traceparent}) if ev.traceparent else None
    with t.start_as_current_span(
        f"consume {ev.type}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "ecovarejo",
            "messaging.destination.name": ev.topic,
            "messaging.message.id": str(ev.id),
            "messaging.consumer.group.name": consumer.name,
            "cloudevents.event_type": f"ecovarejo.{ev.type}",
        },
    ) as span:
        yield span


# -- database spans -----------------------------------------------------------------------------


def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    t = STATE.tracer
    if t is None or context is None:
        return
    name = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
    span = t.start_span(
        name,
        kind=SpanKind.CLIENT,
        attributes={"db.system": conn.dialect.name, "db.statement": statement[:2000]},
    )
    setattr(context, _SPAN_KEY, span)


def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    span = getattr(context, _SPAN_KEY, None)
    if span is not None:
        span.end()
        setattr(context, _SPAN_KEY, None)


def _error(exception_context: Any) -> None:
    span = getattr(exception_context.execution_context, _SPAN_KEY, None)
    if span is not None:
        span.set_status(Status(StatusCode.ERROR, str(exception_context.original_exception)[:200]))
        span.end()
        setattr(exception_context.execution_context, _SPAN_KEY, None)


def instrument_engine(sync_engine: Any) -> None:
    if getattr(sync_engine, "_ecovarejo_traced", False):
        return
    event.listen(sync_engine, "before_cursor_execute", _before)
    event.listen(sync_engine, "after_cursor_execute", _after)
    event.listen(sync_engine, "handle_error", _error)
    sync_engine._ecovarejo_traced = True


# -- request spans ------------------------------------------------------------------------------


class TracingMiddleware:
    """A server span per request, continuing the caller's ``traceparent`` when it sends one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        t = STATE.tracer
        if t is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope.get("headers", ())
            if k in (b"traceparent", b"tracestate")
        }
        parent = PROPAGATOR.extract(carrier) if carrier else None
        method = scope.get("method", "")
        span = t.start_span(
            f"{method} {scope.get('path', '')}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope.get("path", "")},
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        status = 500

        async def traced_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                ctx = span.get_span_context()
                message["headers"] = [
                    *message.get("headers", []),
                    (b"traceresponse", f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}".encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, traced_send)
        except BaseException as exc:
            span.record_exception(exc)
            raise
        finally:
            route = getattr(scope.get("route"), "path", None)
            if route:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", status)
            state = scope.get("state", {})
            if state.get("request_id"):
                span.set_attribute("ecovarejo.request_id", state["request_id"])
            if state.get("consumer"):
                span.set_attribute("enduser.id", state["consumer"])
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            span.end()
            otel_context.detach(token)
