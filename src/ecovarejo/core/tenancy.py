"""Which tenant a request belongs to: ``X-Tenant-ID`` (id or slug), then the host name, then the
token's claim (checked against the header/host by the auth layer), else the default tenant."""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import select

from .db import Database
from .errors import NotFound
from .models import DEFAULT_TENANT_ID, Tenant

current_tenant: ContextVar[uuid.UUID | None] = ContextVar("current_tenant", default=None)


@dataclass(frozen=True)
class TenantInfo:
    id: uuid.UUID
    slug: str
    name: str
    domain: str | None


class TenantResolver:
    """Looks tenants up by id, slug or host, with a short in-process cache (the table is small)."""

    def __init__(self, db: Database, *, default_slug: str = "default", ttl: float = 30.0) -> None:
        self.db = db
        self.default_slug = default_slug
        self.ttl = ttl
        self._cache: dict[str, tuple[float, TenantInfo | None]] = {}

    def invalidate(self) -> None:
        self._cache.clear()

    async def _lookup(self, key: str) -> TenantInfo | None:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        kind, _, value = key.partition(":")
        q = select(Tenant).where(Tenant.is_active.is_(True))
        if kind == "id":
            try:
                q = q.where(Tenant.id == uuid.UUID(value))
            except ValueError:
                return None
        elif kind == "slug":
            q = q.where(Tenant.slug == value)
        else:
            q = q.where(Tenant.domain == value)
        async with self.db.session(None, read_only=True) as s:
            row = await s.scalar(q)
        info = TenantInfo(row.id, row.slug, row.name, row.domain) if row else None
        self._cache[key] = (now + self.ttl, info)
        return info

    async def resolve(self, *, header: str | None, host: str | None) -> TenantInfo:
        if header:
            value = header.strip()
            info = await self._lookup(f"id:{value}") if _is_uuid(value) else await self._lookup(f"slug:{value.lower()}")
            if info is None:
                raise NotFound("unknown tenant", code="unknown_tenant")
            return info
        if host:
            name = host.split(":", 1)[0].lower()
            info = await self._lookup(f"host:{name}")
            if info is not None:
                return info
        info = await self._lookup(f"slug:{self.default_slug}")
        if info is None:
            info = await self._lookup(f"id:{DEFAULT_TENANT_ID}")
        if info is None:
            raise NotFound("no default tenant; run `ecovarejo migrate`", code="unknown_tenant")
        return info


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
