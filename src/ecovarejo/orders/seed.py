"""Demo data: a few coupons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import coupons as coupon_rules
from . import repository as repo

DEMO_COUPONS = (
    coupon_rules.CouponSpec("BEMVINDO10", "percent", Decimal("10"), "10% na primeira compra", first_order_only=True,
                            max_uses_per_customer=1),
    coupon_rules.CouponSpec("FRETEGRATIS", "free_shipping", description="Frete grátis acima de R$ 150",
                            min_subtotal=Decimal("150"), stackable=True),
    coupon_rules.CouponSpec("ECO20", "fixed", Decimal("20"), "R$ 20 em produtos certificados", certified_only=True,
                            min_subtotal=Decimal("100"), max_uses=500, stackable=True),
    coupon_rules.CouponSpec("B2B5", "percent", Decimal("5"), "5% para empresas", b2b_only=True),
)  # fmt: skip


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    for spec in DEMO_COUPONS:
        if await repo.coupon_by_code(uow, spec.code) is None:
            await coupon_rules.create_coupon(uow, spec)
