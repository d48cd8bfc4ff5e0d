"""Demo data: a few coupons, and a handful of orders in various states (placed through the real
checkout saga, so stock, payments, history and events are all consistent)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import DomainError
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory
from ecovarejo.products import public as products

from . import coupons as coupon_rules
from . import repository as repo
from . import service
from .checkout import CheckoutRequest, place_order

DEMO_COUPONS = (
    coupon_rules.CouponSpec("BEMVINDO10", "percent", Decimal("10"), "10% na primeira compra", first_order_only=True,
                            max_uses_per_customer=1),
    coupon_rules.CouponSpec("FRETEGRATIS", "free_shipping", description="Frete grátis acima de R$ 150",
                            min_subtotal=Decimal("150"), stackable=True),
    coupon_rules.CouponSpec("ECO20", "fixed", Decimal("20"), "R$ 20 em produtos certificados", certified_only=True,
                            min_subtotal=Decimal("100"), max_uses=500, stackable=True),
    coupon_rules.CouponSpec("B2B5", "percent", Decimal("5"), "5% para empresas", b2b_only=True),
)  # fmt: skip
#: (buyer, state, the statuses the order goes through after checkout)
DEMO_ORDERS = (
    ("SP", ()),
    ("RJ", ("fulfilling",)),
    ("MG", ("fulfilling", "shipped")),
    ("PE", ("fulfilling", "shipped", "delivered")),
    ("RS", ("cancelled",)),
)
ADDRESS = {"recipient": "Cliente Demo", "street": "Rua das Flores", "number": "42", "city": "São Paulo",
           "postal_code": "01000-000"}  # fmt: skip


#: Cards the sandbox approves, as its browser tokenization mints them (``tok_sbx_<outcome>_<brand>_<last4>_…``),
#: one per demo buyer (one card shared by accounts is a fraud signal).
DEMO_CARDS = (
    "tok_sbx_approve_visa_4242_demo0",
    "tok_sbx_approve_visa_1111_demo1",
    "tok_sbx_approve_visa_1881_demo2",
    "tok_sbx_approve_mastercard_4444_demo3",
    "tok_sbx_approve_mastercard_5100_demo4",
    "tok_sbx_approve_discover_1117_demo5",
)


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    for spec in DEMO_COUPONS:
        if await repo.coupon_by_code(uow, spec.code) is None:
            await coupon_rules.create_coupon(uow, spec)
    if await repo.list_orders(uow, limit=1):
        return  # idempotent: the demo orders exist
    tenant_id = uow.tenant_id
    assert tenant_id is not None
    skus = sorted(sku for sku, n in (await _stocked(uow)).items() if n >= 5)[:10]
    await uow.commit()  # the saga below runs its own transactions
    if not skus:
        return
    ports = service.ports_of(container)
    staff = "seed-demo"
    for n, (state, steps) in enumerate(DEMO_ORDERS):
        # Demo buyers stand apart from the users context's demo accounts (no lookup by email is public).
        buyer = Principal(user_id=uuid.uuid5(tenant_id, f"demo-buyer-{n}"), tenant_id=tenant_id, user_type="customer",
                          email=f"comprador{n}@ecovarejo.dev")  # fmt: skip
        req = CheckoutRequest(
            lines={skus[n % len(skus)]: 1 + n % 2, skus[(n + 3) % len(skus)]: 1},
            coupons=[],
            shipping_address={**ADDRESS, "state": state},
            billing_address=None,
            payment_method="card",
            # each demo buyer pays with a card of their own (one card shared by accounts is a fraud signal)
            payment_source=DEMO_CARDS[n % len(DEMO_CARDS)],
        )
        try:
            order = await place_order(container, ports, tenant_id, buyer, req, key=f"demo-order-{n}")
        except DomainError:
            continue
        oid = uuid.UUID(order["id"])
        for step in steps:
            if step == "cancelled":
                await service.cancel(container, tenant_id, oid, principal=buyer, reason="demo", as_admin=False)
                continue
            async with container.uow(tenant_id, actor=staff) as w:
                await service.advance(w, oid, step, actor=staff, reason="demo", carrier="Correios",
                                      tracking_code=f"BR{100000000 + n}BR")  # fmt: skip
                await w.commit()


async def _stocked(uow: UnitOfWork) -> dict[str, int]:
    return await inventory.availability(uow, await products.list_skus(uow))
