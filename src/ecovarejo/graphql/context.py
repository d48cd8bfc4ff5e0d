"""Per-request GraphQL context: the tenant, the caller (same JWT as REST), one unit of work, dataloaders.

Strawberry resolves sibling fields concurrently while an ``AsyncSession`` allows one operation at a
time, so every database access goes through :meth:`GQLContext.db` (a lock per request).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from ecovarejo.core.auth import Principal, optional_principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Unauthorized
from ecovarejo.core.http import get_tenant
from ecovarejo.core.tenancy import TenantInfo
from ecovarejo.core.uow import UnitOfWork


class GQLContext(BaseContext):
    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.http: Request = request
        self.container: Container = request.app.state.container
        self.tenant: TenantInfo = get_tenant(request)
        self._lock = asyncio.Lock()
        self._uow: UnitOfWork | None = None
        self._loaders: dict[str, DataLoader[Any, Any]] = {}
        self._principal_checked = False
        self._principal: Principal | None = None

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.tenant.id

    async def principal(self) -> Principal | None:
        if not self._principal_checked:
            self._principal = await optional_principal(self.http)
            self._principal_checked = True
        return self._principal

    async def require_principal(self) -> Principal:
        principal = await self.principal()
        if principal is None:
            raise Unauthorized("a bearer access token is required")
        return principal

    def _unit(self) -> UnitOfWork:
        # read-only: on SQLite it holds no write lock, so a mutation's own transactions never wait on it
        if self._uow is None:
            self._uow = self.container.uow(self.tenant_id, read_only=True)
        return self._uow

    @asynccontextmanager
    async def db(self) -> AsyncIterator[UnitOfWork]:
        """The request's read-only unit of work, one user at a time."""
        async with self._lock:
            yield self._unit()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        """A mutation's own transaction: committed when the block succeeds, rolled back otherwise."""
        consumer = getattr(self.http.state, "consumer", None)
        async with self._lock, self.container.uow(self.tenant_id, actor=consumer) as uow:
            yield uow
            await uow.commit()

    def loader(self, name: str, load: Callable[[UnitOfWork, list[Any]], Any]) -> DataLoader[Any, Any]:
        """The request's dataloader ``name``: one batched call of ``load(uow, keys)`` per tick."""
        found = self._loaders.get(name)
        if found is None:

            async def batch(keys: list[Any]) -> list[Any]:
                async with self.db() as uow:
                    return list(await load(uow, keys))

            found = DataLoader(load_fn=batch)
            self._loaders[name] = found
        return found

    async def close(self) -> None:
        if self._uow is not None:
            await self._uow.close()
            self._uow = None


async def get_context(request: Request) -> AsyncIterator[GQLContext]:
    ctx = GQLContext(request)
    try:
        yield ctx
    finally:
        await ctx.close()
