"""A small shop for order tests: a tenant, an in-memory catalog behind the orders' catalog port, stock,
and tokens for a customer and staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ecovarejo.core.db import new_id
from ecovarejo.inventory import service as inventory
from ecovarejo.orders.public import FraudScreen, FraudVerdict, OrdersPorts
from tests.support import bearer, make_tenant, token_for

CARD_OK = "tok_visa"  # the sandbox's published test token (card numbers are refused)
ADDRESS = {
    "recipient": "Ana Souza",
    "street": "Rua Augusta",
    "number": "100",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01305-000",
}


@dataclass(frozen=True)
class Sellable:
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    name: str
    slug: str
    unit_price: Decimal
    currency: str = "BRL"
    is_active: bool = True
    category_id: uuid.UUID | None = None
    category_path: list[uuid.UUID] = field(default_factory=list)
    certified: bool = False
    carbon_footprint_kg: Decimal = Decimal("1.00")
    sustainability_score: Decimal = Decimal("8.0")
    supplier_id: str | None = None
    image_url: str | None = None


class FakeCatalog:
    """Stands in for the products service through the orders' catalog port."""

    def __init__(self) -> None:
        self.items: dict[str, Sellable] = {}

    def put(self, sku: str, price: str, **kw: Any) -> Sellable:
        s = Sellable(product_id=new_id(), variant_id=None, sku=sku, name=kw.pop("name", sku.title()),
                     slug=sku.lower(), unit_price=Decimal(price), **kw)  # fmt: skip
        self.items[sku] = s
        return s

    def change(self, sku: str, **kw: Any) -> None:
        self.items[sku] = replace(self.items[sku], **kw)

    async def get_sellables(self, uow, skus):
        return {s: self.items[s] for s in skus if s in self.items}


@dataclass
class Shop:
    container: Any
    tenant_id: uuid.UUID
    catalog: FakeCatalog
    admin: dict[str, str]

    def customer(self, user_id: uuid.UUID | None = None, **kw: Any) -> tuple[uuid.UUID, dict[str, str]]:
        uid = user_id or new_id()
        return uid, {**self.h, **bearer(token_for(self.container, self.tenant_id, "customer", user_id=uid, **kw))}

    @property
    def h(self) -> dict[str, str]:
        return {"X-Tenant-ID": str(self.tenant_id)}

    async def stock(self, sku: str, qty: int, warehouse: str = "CD1") -> None:
        async with self.container.uow(self.tenant_id, actor="test") as uow:
            wh = await inventory.ensure_warehouse(uow, warehouse, warehouse)
            await inventory.adjust(uow, sku, wh.id, qty, reason="test stock", actor="test", reorder_level=2)
            await uow.commit()

    async def available(self, sku: str) -> int:
        async with self.container.uow(self.tenant_id, read_only=True) as uow:
            return (await inventory.availability(uow, [sku]))[sku]


class ApproveAll:
    """Checkout's fraud screen for the orders tests: these buy with one test card from many accounts,
    which the ml context's screen (tested in tests/integration/ml) rightly declines."""

    async def assess(self, uow, facts) -> FraudVerdict:
        return FraudVerdict(0.0, "approve", ())

    async def record(self, uow, verdict, order_id, order_number) -> None:
        return None


async def open_shop(container, *, fraud_screen: bool = False) -> Shop:
    """A tenant with a fake catalog; checkout's fraud screen approves all unless ``fraud_screen``."""
    tid = await make_tenant(container)
    catalog = FakeCatalog()
    container.ports.get(OrdersPorts).catalog = catalog
    if not fraud_screen:
        container.ports.provide(FraudScreen, ApproveAll())
    admin = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}
    return Shop(container, tid, catalog, admin)


def checkout_body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"shipping_address": ADDRESS, "payment": {"method": "card", "source": CARD_OK}}
    body.update(kw)
    return body
