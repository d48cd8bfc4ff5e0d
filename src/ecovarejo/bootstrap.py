"""The composition root: builds the adapters for the chosen run mode and plugs the contexts in.

Embedded default (nothing configured): SQLite under DATA_DIR, the in-process bus, in-process caches.
Scale-out: PostgreSQL (``DATABASE_URL``), Redis (``REDIS_URL``), NATS JetStream (``BROKER_URL``).
"""

from __future__ import annotations

from collections.abc import Callable

from .core import crypto
from .core import models as _kernel_models  # noqa: F401  (tenants, outbox, inbox tables)
from .core.bus import STREAM, SUBJECT_PREFIX, Bus, InProcessBus, NatsBus
from .core.container import Container
from .core.db import Database
from .core.personal_data import KERNEL, PersonalData, erasure_consumer
from .core.plugins import ContextSpec
from .core.settings import Settings
from .core.tasks import TaskRegistry
from .core.tenancy import TenantResolver
from .notifications.public import CompanyJoinRequests, ContactBook, NotificationRetention, SignInDevices
from .privacy.public import DataSubjects, NotificationBodies
from .privacy.public import audit as privacy_audit
from .users.public import (
    UsersCompanyJoinRequests,
    UsersContactBook,
    UsersDataSubjects,
    UsersSignInDevices,
    plug_audit,
)


#: Every context, bottom layer first (the order routers are mounted and ports installed in), each with the
#: function that imports its ``plugin.CONTEXT`` (and with it its models) when a process first needs it
#: (:func:`context`): a one-off command loads the domain contexts without the edges, and no context's API
#: modules. The imports stay written out, so mypy and the import contracts see them. A new context adds
#: its loader here; see docs/architecture.md.
def _users() -> ContextSpec:
    from .users.plugin import CONTEXT

    return CONTEXT


def _products() -> ContextSpec:
    from .products.plugin import CONTEXT

    return CONTEXT


def _payments() -> ContextSpec:
    from .payments.plugin import CONTEXT

    return CONTEXT


def _notifications() -> ContextSpec:
    from .notifications.plugin import CONTEXT

    return CONTEXT


def _privacy() -> ContextSpec:
    from .privacy.plugin import CONTEXT

    return CONTEXT


def _inventory() -> ContextSpec:
    from .inventory.plugin import CONTEXT

    return CONTEXT


def _logistics() -> ContextSpec:
    from .logistics.plugin import CONTEXT

    return CONTEXT


def _fiscal() -> ContextSpec:
    from .fiscal.plugin import CONTEXT

    return CONTEXT


def _b2b() -> ContextSpec:
    from .b2b.plugin import CONTEXT

    return CONTEXT


def _orders() -> ContextSpec:
    from .orders.plugin import CONTEXT

    return CONTEXT


def _analytics() -> ContextSpec:
    from .analytics.plugin import CONTEXT

    return CONTEXT


def _ml() -> ContextSpec:
    from .ml.plugin import CONTEXT

    return CONTEXT


def _graphql() -> ContextSpec:
    from .graphql.plugin import CONTEXT

    return CONTEXT


def _gateway() -> ContextSpec:
    from .gateway.plugin import CONTEXT

    return CONTEXT


def _web() -> ContextSpec:
    from .web.plugin import CONTEXT

    return CONTEXT


_LOADERS: dict[str, Callable[[], ContextSpec]] = {
    "users": _users,
    "products": _products,
    "payments": _payments,
    "notifications": _notifications,
    "privacy": _privacy,
    "inventory": _inventory,
    "logistics": _logistics,
    "fiscal": _fiscal,
    "b2b": _b2b,
    "orders": _orders,
    "analytics": _analytics,
    "ml": _ml,
    "graphql": _graphql,
    "gateway": _gateway,
    "web": _web,
}
CONTEXT_NAMES: tuple[str, ...] = tuple(_LOADERS)
#: The edges: clients of the others' public surfaces that nobody calls back, with no tables, no
#: personal data and no jobs of their own (tests/unit/test_bootstrap.py checks); installed only when served.
EDGES: frozenset[str] = frozenset({"graphql", "gateway", "web"})


def context(name: str) -> ContextSpec:
    """The context's ``plugin.CONTEXT`` (its plugin, and with it its models, imported on the first call)."""
    loader = _LOADERS.get(name)
    if loader is None:
        raise ValueError(f"unknown context {name!r}; known: {', '.join(CONTEXT_NAMES)}")
    return loader()


def context_names() -> tuple[str, ...]:
    return CONTEXT_NAMES


def domain_contexts() -> list[ContextSpec]:
    """Every context but the edges: what a one-off command (and any process) installs."""
    return [context(name) for name in CONTEXT_NAMES if name not in EDGES]


def load_contexts(only: set[str] | None = None, *, edges: bool = True) -> list[ContextSpec]:
    """The contexts a process serves: all of them, or those named in ``only`` (``ECOVAREJO_SERVICES``);
    without the edges when ``edges`` is false (a one-off command serves no HTTP)."""
    if only:
        unknown = only - set(CONTEXT_NAMES)
        if unknown:
            raise ValueError(f"unknown services {sorted(unknown)}; known: {', '.join(CONTEXT_NAMES)}")
    names = [name for name in CONTEXT_NAMES if (not only or name in only) and (edges or name not in EDGES)]
    return [context(name) for name in names]


def import_all_models() -> None:
    """Every context's tables on the shared metadata (Alembic, tests): every plugin imported."""
    load_contexts(None)


def personal_data_declarations() -> tuple[PersonalData, ...]:
    """Every context's personal-data declaration (whatever this process serves), the kernel's first."""
    return (KERNEL, *(spec.personal_data for spec in domain_contexts() if spec.personal_data is not None))


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
            dlq_topic=settings.kafka_dlq_topic,
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
    crypto.install(db, crypto.Keks.from_settings(settings.data_kek, settings.load_secret_key()))
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
    container.contexts = list(specs)
    container.personal_data = personal_data_declarations()
    # Every domain context's ports, whatever this process serves: any context may be called from any
    # process. Edges (gateway, web, graphql) only when served.
    served = {spec.name for spec in specs}
    installed = [context(name) for name in CONTEXT_NAMES if name not in EDGES or name in served]
    installed = [spec for spec in installed if spec.name not in EDGES or spec in specs]
    for spec in (*installed, *(s for s in specs if s not in installed)):
        for section in spec.settings:  # built once, from the one Settings, injected as a port
            container.ports.provide(section, settings.section(section))
    for spec in (*installed, *(s for s in specs if s not in installed)):
        if spec.install:
            spec.install(container)
    _plug_ports(container)
    for spec in specs:
        if spec.consumers:
            container.consumers.extend(spec.consumers(container))
        if spec.personal_data is not None and spec.personal_data.erase_on_event and spec.personal_data.tables:
            container.consumers.append(erasure_consumer(spec.personal_data))
    return container


def build_command_container(settings: Settings) -> Container:
    """A one-off command's container (``ecovarejo users ...``, ``seed-demo``, dead letters): the domain
    contexts (of ``ECOVAREJO_SERVICES`` when set), no edge, no relay, no consumers. No API module is
    imported: a command costs about half the CPU of a served process's start."""
    contexts = load_contexts(services_filter(settings), edges=False)
    return build_container(settings, contexts=contexts, run_relay=False, run_consumers=False)


def _plug_ports(container: Container) -> None:
    """Ports a context declares and another of the same layer implements (they do not import each other)."""
    container.ports.provide_default(DataSubjects, UsersDataSubjects())
    container.ports.provide_default(NotificationBodies, NotificationRetention())  # per-tenant retention
    container.ports.provide_default(ContactBook, UsersContactBook())  # events carry ids; contacts at send time
    container.ports.provide_default(SignInDevices, UsersSignInDevices())  # the new-device alert's device
    container.ports.provide_default(CompanyJoinRequests, UsersCompanyJoinRequests())  # a stranger's address
    plug_audit(container.ports, privacy_audit)  # the users context's collection and changes, audited
