"""Database engine, sessions, the declarative base and automatic tenant filtering.

Every model that mixes in :class:`TenantOwned` is filtered by the session's tenant on every ORM
query (``with_loader_criteria``) and stamped with it on insert. On PostgreSQL each transaction of a
tenant-bound session also sets ``app.tenant_id`` and switches to the restricted application role,
so the row-level security policies created by the migrations enforce the same rule for raw SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Uuid, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria
from sqlalchemy.types import TypeDecorator

from .ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class TenantOwned:
    """Mixin for rows that belong to one tenant; see the module docstring for how it is enforced."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True, nullable=False)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def new_id() -> uuid.UUID:
    return uuid7()


TENANT_KEY = "tenant_id"


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None or state.is_column_load or state.is_relationship_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
        )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if obj.tenant_id is None:
                if tenant_id is None:
                    raise RuntimeError(f"{type(obj).__name__} created outside a tenant")
                obj.tenant_id = tenant_id
            elif tenant_id is not None and obj.tenant_id != tenant_id:
                raise PermissionError("row of another tenant")
    if tenant_id is not None:
        for obj in session.dirty:
            if isinstance(obj, TenantOwned) and obj.tenant_id != tenant_id:
                raise PermissionError("row of another tenant")


_PG_TENANT = text("SELECT set_config('app.tenant_id', :t, true)")
_PG_TENANT_AND_ROLE = text("SELECT set_config('app.tenant_id', :t, true), set_config('role', :r, true)")


class Database:
    """One engine and its session factory; ``session(tenant_id)`` is the only way to get a session."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, app_role: str = "") -> None:
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_postgres:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.app_role = app_role if self.is_postgres else ""
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            # SQLite's driver otherwise opens transactions lazily and lets a reader upgrade to a
            # writer late, which deadlocks under concurrency; take the write lock at BEGIN instead.
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        # A Session class of our own, so that the listener below concerns this database only.
        session_class = type("EcoVarejoSession", (Session,), {})
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, autoflush=True, sync_session_class=session_class
        )
        self.session_class = session_class
        #: The :class:`ecovarejo.core.crypto.Keyring` of this database, when encryption at rest is installed.
        self.keyring: Any = None
        self._read_engine = self.engine.execution_options(ecovarejo_read_only=True)
        #: Run at the start of each session transaction, before the role switch (the owner role): the
        #: keyring of :mod:`.crypto` loads its keys there. ``(session, connection)``.
        self.begin_hooks: list[Callable[[Session, Connection], None]] = []
        #: Run when a session is made and before it executes or flushes (the keyring makes itself the
        #: active one for the task).
        self.activate_hooks: list[Callable[[], None]] = []
        event.listen(session_class, "after_begin", self._after_begin)
        event.listen(session_class, "do_orm_execute", self._activate)
        event.listen(session_class, "before_flush", self._activate)

    def _activate(self, *args: Any) -> None:
        for hook in self.activate_hooks:
            hook()

    def _after_begin(self, session: Session, transaction: Any, connection: Connection) -> None:
        if getattr(transaction, "nested", False):
            # a SAVEPOINT (``begin_nested``): the outer transaction ran the hooks and switched the role
            # already; running them again would read the key table as the restricted role
            return
        for hook in self.begin_hooks:
            hook(session, connection)
        if self.is_postgres:
            self._pg_after_begin(session, connection)

    def _pg_after_begin(self, session: Session, connection: Connection) -> None:
        tenant_id = session.info.get(TENANT_KEY)
        if tenant_id is None:
            return
        # One round trip: ``set_config('role', r, true)`` is ``SET LOCAL ROLE r`` (same membership check).
        if self.app_role:
            connection.execute(_PG_TENANT_AND_ROLE, {"t": str(tenant_id), "r": self.app_role})
        else:
            connection.execute(_PG_TENANT, {"t": str(tenant_id)})

    def session(self, tenant_id: uuid.UUID | None = None, *, read_only: bool = False) -> AsyncSession:
        """A session bound to a tenant, or (``None``) a system session for platform jobs."""
        s = self.sessionmaker(bind=self._read_engine) if read_only else self.sessionmaker()
        s.info[TENANT_KEY] = tenant_id
        self._activate()
        return s

    @asynccontextmanager
    async def system_session(self) -> AsyncIterator[AsyncSession]:
        async with self.session(None) as s:
            yield s

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin_immediate)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    if conn.get_execution_options().get("ecovarejo_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
