"""The running platform's shared parts, built by :mod:`ecovarejo.bootstrap` for the chosen run mode."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from pydantic_settings import BaseSettings

from .bus import Bus, InProcessBus
from .consumers import Consumer
from .db import Database, utcnow
from .personal_data import PersonalData
from .ports import Ports
from .relay import Relay
from .settings import Settings
from .tasks import TaskRegistry
from .tenancy import TenantResolver
from .uow import UnitOfWork

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI
    from redis.asyncio import Redis

log = structlog.get_logger("ecovarejo.container")

#: A gauge a context contributes to ``/metrics``: ``async (container) -> [(name, doc, value)]``.
OpsGauge = Callable[["Container"], Awaitable[list[tuple[str, str, float]]]]


@dataclass
class ContextSpec:
    name: str
    #: Routers included as they are. API routers carry their full prefix (``APIRouter(prefix="/api/v1")``)
    #: so that each route's template (logs, metrics, traces) is the whole path. A function returning them
    #: (importing the context's API modules) defers their cost to the process that serves them: a one-off
    #: command never builds a route. Read them with :meth:`api_routers`.
    routers: list[APIRouter] | Callable[[], list[APIRouter]] = field(default_factory=list)
    #: Provides this context's ports (``container.ports.provide(SomeProtocol, impl)``) for the run mode.
    #: Runs for every domain context in every process (any context may be called from anywhere);
    #: for an edge only when the process serves it.
    install: Callable[[Container], None] | None = None
    #: Event consumers this context runs (with the container, for ports).
    consumers: Callable[[Container], list[Consumer]] | None = None
    #: Adds middleware or mounts to the app (gateway, web).
    setup_app: Callable[[FastAPI, Container], None] | None = None
    #: Fills a tenant with demo data (``ecovarejo seed-demo``); gets options such as ``products``.
    seed_demo: Callable[[Container, UnitOfWork, dict[str, Any]], Awaitable[None]] | None = None
    #: Order among contexts for seeding (lower first).
    seed_order: int = 100
    #: Background jobs for the worker: (name, interval seconds, coroutine function of the container).
    jobs: list[tuple[str, float, Callable[[Container], Awaitable[None]]]] = field(default_factory=list)
    #: The personal data this context keeps (LGPD): the privacy context's registry reads it.
    personal_data: PersonalData | None = None
    #: An edge (graphql, gateway, web): a client of the others' public surfaces that nobody calls back.
    edge: bool = False
    #: This context's own settings classes (pydantic-settings, e.g. ``NotificationSettings``). Bootstrap
    #: builds each once from the container's :class:`Settings` (:meth:`Settings.section`) and provides it
    #: as a port before any ``install`` runs: ``container.ports.get(NotificationSettings)``.
    settings: tuple[type[BaseSettings], ...] = ()

    def api_routers(self) -> list[APIRouter]:
        """The context's routers (their modules imported on the first call)."""
        if callable(self.routers):
            self.routers = self.routers()
        return self.routers


@dataclass
class Container:
    settings: Settings
    db: Database
    bus: Bus
    tenants: TenantResolver
    redis: Redis | None = None
    consumers: list[Consumer] = field(default_factory=list)
    #: Ports of the contexts (mailer, payment gateways, media store, cache...), keyed by their type.
    ports: Ports = field(default_factory=Ports)
    #: The contexts this process serves (``ECOVAREJO_SERVICES``): their routers, consumers and jobs run here.
    #: Every context's ports are installed whatever this says, so any context can be called.
    contexts: list[ContextSpec] = field(default_factory=list)
    #: Every context's personal-data declaration (LGPD), the kernel's first: the privacy registry's input.
    personal_data: tuple[PersonalData, ...] = ()
    #: Scrape-time gauges the contexts contribute (the gateway's ``/metrics`` reads them).
    gauges: list[OpsGauge] = field(default_factory=list)
    #: Now, in UTC; tests and the expiry jobs replace it to run on controlled time.
    clock: Callable[[], datetime] = utcnow
    relay: Relay | None = None
    run_relay: bool = True
    run_consumers: bool = True
    #: Every background task of this container (relay, bus consumers and retries, jobs, dispatcher).
    tasks: TaskRegistry = field(default_factory=TaskRegistry)
    #: How long ``stop`` waits for work in hand (the relay's batch, consumers' messages) before cancelling.
    stop_grace: float = 5.0
    _started: bool = False

    def uow(self, tenant_id: uuid.UUID | None, *, actor: str | None = None, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(
            self.db, tenant_id, actor=actor, read_only=read_only, on_commit=self.relay.wake if self.relay else None
        )

    def now(self) -> datetime:
        return self.clock()

    def serves(self, context: str) -> bool:
        return any(spec.name == context for spec in self.contexts)

    async def start(self) -> None:
        if self._started:
            return
        if self.run_consumers:
            for consumer in self.consumers:
                self.bus.subscribe(consumer)
        await self.bus.start()
        if self.run_relay:
            self.relay = Relay(
                self.db,
                self.bus,
                interval=self.settings.relay_interval,
                idle_interval=self.settings.relay_idle_interval,
                tasks=self.tasks,
            )
            # a consumer's commit with events wakes the relay too (not only a request's): an idle relay
            # waits up to relay_idle_interval between polls
            if hasattr(self.bus, "on_commit"):
                self.bus.on_commit = self.relay.wake
            self.relay.start()
        self._started = True

    async def stop(self) -> None:
        """Stop fetching, let the work in hand finish (bounded by :attr:`stop_grace`), then cancel and
        await every task this container started before closing the ports and the database."""
        # a step that fails (the database gone, a broker error) is logged and the next ones still run:
        # an exception here would skip the ports and the task registry, leaving the container's tasks
        # (the notification dispatcher, retries, jobs) running past its stop
        if self.relay:
            await self._stop_step("relay", self.relay.stop(grace=self.stop_grace))
        if isinstance(self.bus, InProcessBus):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(2.0, self.stop_grace)):
                    await self._stop_step("bus-drain", self.bus.drain())
        await self._stop_step("bus", self.bus.close())
        for port in self.ports.values():
            close = getattr(port, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        await self.tasks.stop(grace=self.stop_grace)
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()
        await self.db.dispose()
        self._started = False

    @staticmethod
    async def _stop_step(name: str, step: Awaitable[Any]) -> None:
        try:
            await step
        except Exception as exc:
            log.error("stop_step_failed", step=name, error=f"{type(exc).__name__}: {exc}")

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state; the caller answers 503 when any is not ``ok``."""
        checks: dict[str, str] = {}
        try:
            await self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if self.redis is not None:
            try:
                await self.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        if self.settings.broker_url:
            try:
                await self.bus.ping()
                checks["bus"] = "ok"
            except Exception as exc:
                checks["bus"] = f"error: {type(exc).__name__}"
        if self._started and (self.run_relay or (self.run_consumers and self.consumers)):
            down = self.stalled_loops()
            checks["consumers"] = "ok" if not down else "error: " + "; ".join(down)
        return checks

    def stalled_loops(self) -> list[str]:
        """The relay and supervised consumer loops that are not running now (dead, waiting to restart)."""
        down = [
            f"{h.name} restarting after {h.restarts} failure(s): {h.last_error}"
            for h in self.tasks.health.values()
            if not h.running
        ]
        if self.run_relay and self.relay is not None and "outbox-relay" not in self.tasks.names():
            down.append("outbox-relay stopped")
        return sorted(down)

    async def consumer_lag(self) -> dict[str, int]:
        """Events each consumer has yet to handle (broker backlog, or retries waiting in this process)."""
        try:
            return await self.bus.lag()
        except Exception as exc:
            log.warning("consumer_lag_failed", error=f"{type(exc).__name__}: {exc}")
            return {}
