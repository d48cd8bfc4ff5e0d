"""Prometheus metrics: HTTP traffic by route template, the database pool, the outbox, dead letters and
business gauges, at ``GET /metrics``.

Several uvicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the workers
(wiped at each start) before the server starts; counters and histograms are then written to files there
and every scrape, whichever worker answers it, adds them up across the workers. Gauges read at scrape
time (pool, outbox, business) describe the database and the answering worker's pool.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovarejo.analytics import public as analytics
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Forbidden, Unauthorized
from ecovarejo.core.events import Event
from ecovarejo.core.models import DeadLetter, InboxEntry, OutboxEvent
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders import public as orders
from ecovarejo.payments.public import PaymentGateway
from ecovarejo.users.public import KeyRing

from .middleware import Gateway

log = structlog.get_logger("ecovarejo.metrics")

REQUESTS = Counter(
    "ecovarejo_http_requests", "HTTP requests by route template and status", ["service", "route", "method", "status"]
)
DURATION = Histogram(
    "ecovarejo_http_request_duration_seconds",
    "HTTP request latency by route template",
    ["service", "route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BANDWIDTH = Counter(
    "ecovarejo_http_bandwidth_bytes", "Bytes received (ingress) and sent (egress)", ["service", "direction"]
)
CONSUMER_REQUESTS = Counter(
    "ecovarejo_http_consumer_requests",
    "Requests per authenticated consumer (the prometheus plugin's per_consumer)",
    ["service", "consumer", "status"],
)
GATEWAY_EVENTS = Counter(
    "ecovarejo_gateway_events",
    "Gateway decisions: rate_limited, cache_hit, cache_miss, cache_bypass",
    ["service", "event"],
)

#: Business counters, fed by the order events (the idiomatic Prometheus form: ``rate()``/``increase()`` over them).
#: Float64 is the exposition format's number; the books stay exact in the orders context.
ORDERS_PAID = Counter("ecovarejo_orders_paid", "Orders paid", ["tenant"])
REVENUE = Counter("ecovarejo_revenue_paid_brl", "Total of the orders paid, in BRL", ["tenant"])
CO2E_SOLD = Counter("ecovarejo_co2e_sold_paid_kg", "kg CO2e of the orders paid", ["tenant"])
REFUNDED = Counter("ecovarejo_refunded_brl", "Money refunded, in BRL", ["tenant"])


def _amount(value: Any) -> float:
    try:
        return float(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return 0.0


async def count_order_event(uow: UnitOfWork, event: Event) -> None:
    """Consumer of ``order-events``: once per event (the inbox), in whichever process handles it."""
    tenant = str(event.tenant_id) if event.tenant_id else "none"
    data = event.data
    if event.type == "order.paid":
        ORDERS_PAID.labels(tenant).inc()
        REVENUE.labels(tenant).inc(max(0.0, _amount(data.get("total"))))
        CO2E_SOLD.labels(tenant).inc(max(0.0, _amount(data.get("carbon_footprint_kg"))))
    elif event.type == "order.refunded":
        REFUNDED.labels(tenant).inc(max(0.0, _amount(data.get("amount"))))


#: Business gauges: context module, function, and what each key of its answer becomes.
#: Functions of the contexts' public surfaces giving ``{tenant: {gauge key: value}}`` across tenants.
BUSINESS_SOURCES: tuple[tuple[str, Callable[[UnitOfWork], Awaitable[dict[str, dict[str, Any]]]]], ...] = (
    ("orders", orders.business_metrics),
    ("analytics", analytics.business_metrics),  # co2e_saved_kg, from the analytics facts
)
BUSINESS_GAUGES = {
    "orders": ("ecovarejo_orders", "Orders placed (not cancelled)"),
    "revenue": ("ecovarejo_revenue_brl", "Revenue of orders placed, in BRL"),
    "co2e_kg": ("ecovarejo_co2e_sold_kg", "Embodied kg CO2e of the products sold"),
    "co2e_saved_kg": ("ecovarejo_co2e_saved_kg", "kg CO2e saved against conventional equivalents"),
}


def gateway_event(event: str, service: str) -> None:
    GATEWAY_EVENTS.labels(service, event).inc()


class MetricsMiddleware:
    """Counts every request by route template (never the raw path: bounded label values)."""

    def __init__(self, app: ASGIApp, *, per_consumer: bool = False) -> None:
        self.app = app
        self.per_consumer = per_consumer
        #: Labelled children by (service, route, method, status): bounded, since routes are templates.
        self._children: dict[tuple[str, str, str, str], tuple[Any, Any, Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        sent = 0
        received = 0
        for k, v in scope.get("headers", ()):
            if k == b"content-length" and v.isdigit():
                received = int(v)

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            state = scope.get("state", {})
            service = state.get("gateway_service") or "none"
            if self.per_consumer and state.get("consumer"):
                CONSUMER_REQUESTS.labels(service, state["consumer"], str(status)).inc()
            method = scope.get("method", "")
            key = (service, template, method, str(status))
            children = self._children.get(key)
            if children is None:
                children = (
                    REQUESTS.labels(*key),
                    DURATION.labels(service, template, method),
                    BANDWIDTH.labels(service, "ingress"),
                    BANDWIDTH.labels(service, "egress"),
                )
                self._children[key] = children
            requests, duration, ingress, egress = children
            requests.inc()
            duration.observe(time.perf_counter() - start)
            ingress.inc(received)
            egress.inc(sent)


class _Snapshot(Collector):
    """Gauge families computed before the scrape (the database is asynchronous, ``collect`` is not)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return iter(self.families)


def _pool_families(container: Container) -> Iterator[Metric]:
    pool = container.db.engine.sync_engine.pool
    for name, attr, doc in (
        ("ecovarejo_db_pool_size", "size", "Connections the pool keeps"),
        ("ecovarejo_db_pool_checked_out", "checkedout", "Connections in use"),
        ("ecovarejo_db_pool_checked_in", "checkedin", "Idle connections in the pool"),
        ("ecovarejo_db_pool_overflow", "overflow", "Connections above the pool size"),
    ):
        fn = getattr(pool, attr, None)
        if fn is not None:
            g = GaugeMetricFamily(name, doc, labels=["pid"])
            g.add_metric([str(os.getpid())], float(fn()))
            yield g


async def _outbox_families(container: Container) -> list[Metric]:
    async with container.db.session(None, read_only=True) as s:
        backlog, oldest = (
            await s.execute(
                select(func.count(OutboxEvent.id), func.min(OutboxEvent.created_at)).where(
                    OutboxEvent.published_at.is_(None)
                )
            )
        ).one()
        dead = await s.scalar(select(func.count(DeadLetter.id)).where(DeadLetter.resolved_at.is_(None)))
    lag = 0.0
    if oldest is not None:
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        lag = max(0.0, (utcnow() - oldest).total_seconds())
    out: list[Metric] = []
    g = GaugeMetricFamily("ecovarejo_outbox_backlog", "Outbox events not yet published")
    g.add_metric([], float(backlog or 0))
    out.append(g)
    g = GaugeMetricFamily("ecovarejo_outbox_lag_seconds", "Age of the oldest unpublished outbox event")
    g.add_metric([], lag)
    out.append(g)
    g = GaugeMetricFamily("ecovarejo_dead_letters", "Events whose handling failed for good and is not resolved")
    g.add_metric([], float(dead or 0))
    out.append(g)
    return out


async def _consumer_loop_families(container: Container) -> list[Metric]:
    """Health of this process's relay and consumer loops, and each consumer's backlog at the bus."""
    up = GaugeMetricFamily(
        "ecovarejo_consumer_up", "1 while a supervised event loop runs, 0 while it restarts", labels=["task"]
    )
    restarts = CounterMetricFamily(
        "ecovarejo_consumer_restarts", "Deaths of a supervised event loop (each followed by a restart)", labels=["task"]
    )
    for h in container.tasks.health.values():
        up.add_metric([h.name], 1.0 if h.running else 0.0)
        restarts.add_metric([h.name], float(h.restarts))
    if container.relay is not None:
        up.add_metric(["outbox-relay"], 1.0 if "outbox-relay" in container.tasks.names() else 0.0)
    lag = GaugeMetricFamily(
        "ecovarejo_consumer_backlog", "Messages waiting at the bus for a consumer", labels=["consumer"]
    )
    for consumer, n in sorted((await container.consumer_lag()).items()):
        lag.add_metric([consumer], float(n))
    return [up, restarts, lag]


async def _business_families(container: Container) -> list[Metric]:
    """Totals across tenants, labelled by tenant, from the contexts' public surfaces."""
    values: dict[str, list[tuple[str, float]]] = {}
    for source, fn in BUSINESS_SOURCES:
        try:
            async with UnitOfWork(container.db, None, read_only=True) as uow:
                result: dict[str, dict[str, Any]] = await fn(uow)
        except Exception as exc:
            log.warning("business_metrics_failed", source=source, error=f"{type(exc).__name__}: {exc}")
            continue
        for tenant, metrics in result.items():
            for key, value in metrics.items():
                if key in BUSINESS_GAUGES and isinstance(value, int | float | Decimal):
                    values.setdefault(key, []).append((str(tenant), float(value)))
    out: list[Metric] = []
    for key, (name, doc) in BUSINESS_GAUGES.items():
        g = GaugeMetricFamily(name, doc, labels=["tenant"])
        for tenant, value in values.get(key, []):
            g.add_metric([tenant], value)
        out.append(g)
    return out


#: How far back consumer lag looks at published events (older unconsumed ones count as the window's age).
CONSUMER_LAG_WINDOW = timedelta(hours=1)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=utcnow().tzinfo) if value.tzinfo is None else value


async def _consumer_families(container: Container) -> list[Metric]:
    """Per consumer: published events of its topics/types not yet in its inbox nor dead-lettered, and the
    age of the oldest of them (``ecovarejo_consumer_lag_seconds``), over the last hour of the outbox."""
    now = utcnow()
    pending = GaugeMetricFamily(
        "ecovarejo_consumer_pending_events", "Published events a consumer has not handled yet", labels=["consumer"]
    )
    lag = GaugeMetricFamily(
        "ecovarejo_consumer_lag_seconds",
        "Age of the oldest published event a consumer has not handled yet",
        labels=["consumer"],
    )
    seen: set[str] = set()
    async with container.db.session(None, read_only=True) as s:
        for consumer in container.consumers:
            if consumer.name in seen:
                continue
            seen.add(consumer.name)
            q = select(func.count(OutboxEvent.id), func.min(OutboxEvent.published_at)).where(
                OutboxEvent.published_at.is_not(None),
                OutboxEvent.published_at >= now - CONSUMER_LAG_WINDOW,
                OutboxEvent.topic.in_(consumer.topics),
                ~select(InboxEntry.event_id)
                .where(InboxEntry.consumer == consumer.name, InboxEntry.event_id == OutboxEvent.id)
                .exists(),
                ~select(DeadLetter.id)
                .where(DeadLetter.consumer == consumer.name, DeadLetter.event_id == OutboxEvent.id)
                .exists(),
            )
            if consumer.types:
                q = q.where(OutboxEvent.type.in_(sorted(consumer.types)))
            count, oldest = (await s.execute(q)).one()
            pending.add_metric([consumer.name], float(count or 0))
            lag.add_metric([consumer.name], max(0.0, (now - _aware(oldest)).total_seconds()) if oldest else 0.0)
    return [pending, lag]


def _key_ring_changed(path: Any) -> float | None:
    """The key file's modification time (a stat of a local file; rotation rewrites it)."""
    try:
        return os.stat(path).st_mtime if path is not None else None
    except OSError:
        return None


async def _ops_families(container: Container) -> list[Metric]:
    """Payment-provider circuits, the JWT signing key's age, and gauges the contexts contribute."""
    out: list[Metric] = []
    circuits = GaugeMetricFamily(
        "ecovarejo_payment_provider_circuit_open",
        "1 while this process's circuit to the provider is open",
        labels=["provider"],
    )
    breakers = getattr(container.ports.find(PaymentGateway), "breakers", None)
    if isinstance(breakers, dict):
        for provider, breaker in breakers.items():
            circuits.add_metric([str(provider)], 1.0 if getattr(breaker, "state", "") == "open" else 0.0)
    out.append(circuits)
    changed = _key_ring_changed(getattr(container.ports.find(KeyRing), "path", None))
    if changed is not None:
        age = GaugeMetricFamily(
            "ecovarejo_jwt_signing_key_age_seconds", "Seconds since the JWT key ring last changed (rotation)"
        )
        age.add_metric([], max(0.0, time.time() - changed))
        out.append(age)
    for gauge in container.gauges:
        try:
            for name, doc, value in await gauge(container):
                g = GaugeMetricFamily(name, doc)
                g.add_metric([], float(value))
                out.append(g)
        except Exception as exc:
            log.warning("ops_gauge_failed", error=f"{type(exc).__name__}: {exc}")
    return out


def traffic_exposition() -> bytes:
    """Counters and histograms: this process's, or every worker's added up in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def exposition(container: Container) -> bytes:
    """The whole exposition text: traffic (across workers in multiprocess mode) and scrape-time gauges."""
    families: list[Metric] = list(_pool_families(container))
    try:
        families += await _outbox_families(container)
    except Exception as exc:
        log.warning("outbox_metrics_failed", error=f"{type(exc).__name__}: {exc}")
    try:
        families += await _consumer_families(container)
        families += await _consumer_loop_families(container)
    except Exception as exc:
        log.warning("consumer_metrics_failed", error=f"{type(exc).__name__}: {exc}")
    families += await _ops_families(container)
    families += await _business_families(container)
    scrape = CollectorRegistry()
    scrape.register(_Snapshot(families))
    return traffic_exposition() + generate_latest(scrape)


def _may_scrape(request: Request, token: str) -> None:
    if token:
        header = request.headers.get("authorization", "")
        if header != f"Bearer {token}":
            raise Unauthorized("metrics need the scrape token")
        return
    host = request.client.host if request.client else ""
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        raise Forbidden("metrics are served to the local network only", code="metrics_forbidden") from None
    if not (addr.is_private or addr.is_loopback):
        raise Forbidden("metrics are served to the local network only", code="metrics_forbidden")


router = APIRouter(tags=["observability"])


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition format. ``ECOVAREJO_GATEWAY_METRICS_TOKEN`` makes it require that bearer token."""
    container: Container = request.app.state.container
    gateway = container.ports.find(Gateway)
    _may_scrape(request, gateway.settings.metrics_token if gateway is not None else "")
    return Response(await exposition(container), media_type=CONTENT_TYPE_LATEST)
