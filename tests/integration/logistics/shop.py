"""A shop for logistics tests: a tenant, a catalog behind the logistics catalog port, staff tokens, and
a shipping configuration with every carrier on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ecovarejo.logistics.plugin import install_logistics
from tests.support import bearer, make_tenant, token_for


@dataclass(frozen=True)
class Item:
    sku: str
    unit_price: Decimal
    is_active: bool = True


class Catalog:
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    def put(self, sku: str, price: str, active: bool = True) -> None:
        self.items[sku] = Item(sku, Decimal(price), active)

    async def get_sellables(self, uow, skus):
        return {s: self.items[s] for s in skus if s in self.items}


@dataclass
class Shop:
    container: Any
    tenant_id: uuid.UUID
    catalog: Catalog

    @property
    def h(self) -> dict[str, str]:
        return {"X-Tenant-ID": str(self.tenant_id)}

    @property
    def staff(self) -> dict[str, str]:
        return {**self.h, **bearer(token_for(self.container, self.tenant_id, "admin"))}

    async def configure(self, client, **changes: Any) -> dict[str, Any]:
        r = await client.get("/api/v1/admin/shipping/config", headers=self.staff)
        doc = r.json()["document"]
        doc.update(changes)
        r = await client.put("/api/v1/admin/shipping/config", headers=self.staff, json=doc)
        assert r.status_code == 200, r.text
        return r.json()


async def open_shop(container, settings) -> Shop:
    tid = await make_tenant(container)
    ports = install_logistics(container, settings)
    catalog = Catalog()
    ports.catalog = catalog
    catalog.put("CAMISETA", "79.90")
    catalog.put("GARRAFA", "59.90")
    catalog.put("COMPOSTEIRA", "349.00")
    return Shop(container, tid, catalog)
