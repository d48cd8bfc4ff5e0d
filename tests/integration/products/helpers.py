"""Shared helpers of the catalog tests."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.products import categories, service
from ecovarejo.products.schemas import CategoryIn, ProductCreate


async def default_tenant(container: Container) -> uuid.UUID:
    t = await container.tenants.resolve(header=None, host="testserver")
    return t.id


async def category(container: Container, tenant: uuid.UUID, name: str, parent: uuid.UUID | None = None) -> uuid.UUID:
    async with container.uow(tenant) as uow:
        c = await categories.create_category(uow, CategoryIn(name=name, parent_id=parent))
        await uow.commit()
        return c.id


async def product(container: Container, tenant: uuid.UUID, **kw: Any) -> Any:
    kw.setdefault("price", Decimal("10.00"))
    async with container.uow(tenant) as uow:
        out = await service.create_product(uow, ProductCreate.model_validate(kw))
        await uow.commit()
        return out


__all__ = ["DEFAULT_TENANT_ID", "category", "default_tenant", "product"]
