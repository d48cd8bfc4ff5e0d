"""The gateway plugged into the platform: edge policies, ``/metrics`` and tracing around every route."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.products import public as products

from . import events_api, metrics, tracing
from .cache import MemoryCache, RedisCache, ResponseCache
from .config import GatewaySettings, load_config
from .middleware import Gateway, GatewayMiddleware
from .ratelimit import Counter, MemoryCounter, RedisCounter


def install(container: Container) -> None:
    """Builds the gateway for the run mode: counters and cache in Redis when configured, in-process otherwise."""
    settings = container.ports.get(GatewaySettings)  # injected by bootstrap
    config = load_config(settings)
    counter: Counter = RedisCounter(container.redis) if container.redis is not None else MemoryCounter()
    cache: ResponseCache = RedisCache(container.redis) if container.redis is not None else MemoryCache()
    gateway = Gateway(settings=settings, config=config, counter=counter, cache=cache, container=container)
    gateway.on_event = metrics.gateway_event
    gateway.cache_version = _catalog_version(container)
    container.ports.provide(Gateway, gateway)
    tracing.install(container, settings, config)


def _catalog_version(container: Container) -> Callable[[uuid.UUID], Awaitable[str]]:
    """The products context's catalog version (bumped in every catalog change's transaction)."""

    async def version(tenant_id: uuid.UUID) -> str:
        return await products.current_catalog_version(container, tenant_id)

    return version


def setup_app(app: FastAPI, container: Container) -> None:
    gateway = container.ports.get(Gateway)
    app.add_middleware(GatewayMiddleware, gateway=gateway)
    prometheus = gateway.config.globals.get("prometheus", {})
    per_consumer = bool(prometheus.get("_enabled", True) and prometheus.get("per_consumer", False))
    app.add_middleware(metrics.MetricsMiddleware, per_consumer=per_consumer)
    app.add_middleware(tracing.TracingMiddleware)


def consumers(container: Container) -> list[Consumer]:
    gateway = container.ports.get(Gateway)

    async def purge(uow: UnitOfWork, event: Event) -> None:
        """A product change empties the tenant's cached responses (every process, with Redis) when some
        cached route is not versioned by the catalog."""
        if event.tenant_id is not None:
            await gateway.cache.purge(event.tenant_id)

    # Versioned routes (the catalog's) need no purge: their keys carry the catalog version.
    purging = [Consumer("gateway.cache-purge", ("product-events",), purge)]
    if gateway.cache_version is not None and not gateway.config.purges_on_events():
        purging = []
    return [
        *purging,
        Consumer(
            "gateway.business-metrics",
            ("order-events",),
            metrics.count_order_event,
            frozenset({"order.paid", "order.refunded"}),
        ),
    ]


#: Served on the ops port of ``ecovarejo worker`` and ``ecovarejo relay`` too: their counters (the business
#: counters the worker's consumers move) and gauges are scraped where they are kept.
OPS_ROUTERS = [metrics.router]

CONTEXT = ContextSpec(
    name="gateway",
    edge=True,
    routers=[metrics.router, events_api.router],
    install=install,
    settings=(GatewaySettings,),
    consumers=consumers,
    setup_app=setup_app,
)
