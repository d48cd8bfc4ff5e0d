"""Test-only helpers: a tenant-owned probe table to observe effects, and a tenant factory."""

from __future__ import annotations

import uuid

from sqlalchemy import MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ecovarejo.core.container import Container
from ecovarejo.core.db import NAMING_CONVENTION, Database, TenantOwned, new_id
from ecovarejo.core.migrate import tenant_rls_sql
from ecovarejo.core.models import Tenant


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
