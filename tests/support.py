"""Test-only helpers: ``eventually`` (wait for an async effect), a tenant-owned probe table to observe
effects, and a tenant factory."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.container import Container
from ecovarejo.core.db import NAMING_CONVENTION, Database, TenantOwned, new_id
from ecovarejo.core.migrate import tenant_rls_sql
from ecovarejo.core.models import Tenant

T = TypeVar("T")


async def eventually(
    predicate: Callable[[], Awaitable[T] | T],
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str = "",
) -> T:
    """Poll ``predicate`` (sync or async) until it returns a truthy value, and return that value.

    Use it to wait for an asynchronous effect (an event consumed, a job run, a row written) instead
    of a fixed sleep. On timeout it fails with the predicate's name, the last value it returned and,
    if the predicate raised on its last call, that exception (chained), so the failure says what was
    awaited. An exception from the predicate does not stop the polling: the effect may not exist yet.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    attempts = 0
    last: object = None
    error: BaseException | None = None
    while True:
        attempts += 1
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            error = None
            if result:
                return result  # type: ignore[return-value]
            last = result
        except (AssertionError, LookupError, AttributeError) as exc:
            error = exc
        if loop.time() >= deadline:
            what = message or getattr(predicate, "__qualname__", repr(predicate))
            detail = f"raised {error!r}" if error is not None else f"last returned {last!r}"
            raise AssertionError(
                f"eventually: {what} not true after {timeout:g}s ({attempts} attempts); {detail}"
            ) from error
        await asyncio.sleep(interval)


class ProbeBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Probe(ProbeBase, TenantOwned):
    """A tenant-owned row: a stand-in for any business table."""

    __tablename__ = "probes"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(100))


async def create_probe_table(db: Database, app_role: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(ProbeBase.metadata.create_all)
        if db.is_postgres:
            for stmt in tenant_rls_sql("probes", app_role):
                await conn.execute(text(stmt))


async def make_tenant(container: Container, slug: str | None = None, domain: str | None = None) -> uuid.UUID:
    slug = slug or f"t-{uuid.uuid4().hex[:10]}"
    async with container.db.system_session() as s:
        t = Tenant(slug=slug, name=slug.upper(), domain=domain, settings={})
        s.add(t)
        await s.commit()
        return t.id


def token_for(
    container: Container,
    tenant_id: uuid.UUID,
    user_type: str = "customer",
    permissions: tuple[str, ...] = (),
    user_id: uuid.UUID | None = None,
    company_id: uuid.UUID | None = None,
    mfa: bool = True,
) -> str:
    """A real access token from the installed authenticator (the users context), for tests of any context.
    Signed in with two-step verification unless ``mfa=False`` (staff powers need it)."""
    from ecovarejo.core.auth import Principal

    principal = Principal(
        user_id=user_id or new_id(),
        tenant_id=tenant_id,
        user_type=user_type,
        permissions=frozenset(permissions),
        company_id=company_id,
        mfa=mfa,
    )
    return str(container.ports.get(Authenticator).issue_access_token(principal))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
