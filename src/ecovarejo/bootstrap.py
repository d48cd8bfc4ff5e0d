"""The composition root: builds the adapters for the chosen run mode and plugs the contexts in.

Embedded default (nothing configured): SQLite under DATA_DIR, the in-process bus, in-process caches.
Scale-out: PostgreSQL (``DATABASE_URL``), Redis (``REDIS_URL``), NATS JetStream (``BROKER_URL``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .core.bus import STREAM, SUBJECT_PREFIX, Bus, InProcessBus, NatsBus
from .core.container import Container
from .core.db import Database
from .core.personal_data import KERNEL, PersonalData, erasure_consumer
from .core.plugins import ContextSpec
from .core.settings import Settings
from .core.tasks import TaskRegistry
from .core.tenancy import TenantResolver

#: Every context, in the order their routers are mounted. A context without ``plugin.py`` yet is skipped.
CONTEXTS = (
    "users",
    "products",
    "inventory",
    "orders",
    "payments",
    "notifications",
    "logistics",
    "analytics",
    "ml",
    "privacy",
    "graphql",
    "gateway",
    "web",
)


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            return None
        raise


def load_contexts(only: set[str] | None = None) -> list[ContextSpec]:
    specs = []
    for name in CONTEXTS:
        if only and name not in only:
            continue
        mod = _optional_module(f"ecovarejo.{name}.plugin")
        if mod is not None:
            specs.append(mod.CONTEXT)
    return specs


def import_all_models() -> None:
    """Register every context's tables on the shared metadata (Alembic, tests)."""
    importlib.import_module("ecovarejo.core.models")
    for name in CONTEXTS:
        _optional_module(f"ecovarejo.{name}.models")


def personal_data_declarations() -> tuple[PersonalData, ...]:
    """Every context's personal-data declaration (whatever this process serves), the kernel's first."""
    return (KERNEL, *(spec.personal_data for spec in load_contexts() if spec.personal_data is not None))


def services_filter(settings: Settings) -> set[str] | None:
    return {s.strip() for s in settings.services.split(",") if s.strip()} or None


def build_bus(settings: Settings, db: Database, tasks: TaskRegistry | None = None) -> Bus:
    if settings.broker_url.startswith("kafka://"):
        from .core.kafka_bus import KafkaBus

        return KafkaBus(
            settings.broker_url,
            db,
            topic_prefix=f"{settings.bus_namespace}." if settings.bus_namespace else "",
            max_attempts=settings.consumer_max_attempts,
            backoff_base=settings.consumer_backoff_base,
            tasks=tasks,
        )
    if settings.broker_url:
        ns = settings.bus_namespace
        return NatsBus(
            settings.broker_url,
            db,
            stream=f"{STREAM}_{ns.upper()}" if ns else STREAM,
            subject_prefix=f"{SUBJECT_PREFIX}-{ns}" if ns else SUBJECT_PREFIX,
            max_attempts=settings.consumer_max_attempts,
            backoff_base=settings.consumer_backoff_base,
            max_age=settings.event_retention_days * 86400,
            backoff_cap=settings.consumer_backoff_cap,
            retry_budget=settings.consumer_retry_budget,
            tasks=tasks,
        )
    return InProcessBus(
        db,
        max_attempts=settings.consumer_max_attempts,
        backoff_base=settings.consumer_backoff_base,
        backoff_cap=settings.consumer_backoff_cap,
        retry_budget=settings.consumer_retry_budget,
        tasks=tasks,
    )


def build_container(
    settings: Settings,
    *,
    contexts: list[ContextSpec] | None = None,
    run_relay: bool | None = None,
    run_consumers: bool | None = None,
) -> Container:
    problems = settings.production_problems()
    if problems:  # production never starts on generated keys or development defaults
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))
    if not settings.database_url:
        settings.ensure_data_dir()
    db = Database(
        settings.effective_database_url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        app_role=settings.db_app_role,
    )
    redis = None
    if settings.redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(settings.redis_url, decode_responses=False)
    tasks = TaskRegistry()
    container = Container(
        settings=settings,
        db=db,
        bus=build_bus(settings, db, tasks),
        tasks=tasks,
        tenants=TenantResolver(db, default_slug=settings.default_tenant_slug),
        redis=redis,
        run_relay=settings.embedded_workers if run_relay is None else run_relay,
        run_consumers=settings.embedded_workers if run_consumers is None else run_consumers,
    )
    specs = contexts if contexts is not None else load_contexts(services_filter(settings))
    container.ports["contexts"] = specs
    container.ports["privacy.personal_data"] = personal_data_declarations()
    for spec in specs:
        if spec.install:
            spec.install(container)
    _plug_ports(container)
    for spec in specs:
        if spec.consumers:
            container.consumers.extend(spec.consumers(container))
        if spec.personal_data is not None and spec.personal_data.erase_on_event and spec.personal_data.tables:
            container.consumers.append(erasure_consumer(spec.personal_data))
    return container


def _plug_ports(container: Container) -> None:
    """Ports a lower context declares and a higher one implements (checkout's fraud screen: ml)."""
    from .ml.public import MlPorts
    from .orders.service import OrdersPorts

    orders, ml = container.ports.get("orders"), container.ports.get("ml")
    if isinstance(orders, OrdersPorts) and isinstance(ml, MlPorts):
        orders.fraud = ml.screen
