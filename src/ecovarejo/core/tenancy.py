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
#: The shop's public address as the current request's tenant is reached (``scheme://host``, no trailing
#: slash): where a provider sends the shopper back (3-D Secure). ``None`` outside a request.
current_public_url: ContextVar[str | None] = ContextVar("current_public_url", default=None)


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


def public_origin(
    tenant: TenantInfo | None, *, scheme: str, host: str | None, configured: str, development_default: str
) -> str:
    """The shop's address for links that leave the site and come back (a 3-D Secure return): a tenant on
    its own domain -> the address the request came to when it came to that domain (its port kept), else
    ``https://<domain>``; any other tenant -> the platform's ``public_url``, or the request's own address
    while that setting is still the development default (as ``robots.txt`` does)."""
    name, _, port = (host or "").strip().lower().partition(":")
    valid_port = port.isdigit() and len(port) <= 5
    if tenant is not None and tenant.domain:
        domain = tenant.domain.strip().lower().rstrip(".")
        if name.rstrip(".") == domain:
            return f"{'https' if scheme == 'https' else 'http'}://{domain}{':' + port if valid_port else ''}"
        return f"https://{domain}"
    configured = configured.rstrip("/")
    if configured and configured != development_default.rstrip("/"):
        return configured
    if name and all(ch.isalnum() or ch in ".-[]" for ch in name) and (valid_port or not port):
        return f"{'https' if scheme == 'https' else 'http'}://{name}{':' + port if port else ''}"
    return configured


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
