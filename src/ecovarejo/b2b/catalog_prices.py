"""The products context's ``BuyerPrices`` port: a company's list prices on the REST catalog (the
listing and the product document), with the rule that won and the quantity breaks."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.core.uow import UnitOfWork

from .pricelists import BuyerPrice, buyer_prices

CURRENCY = "BRL"


def price_json(price: BuyerPrice) -> dict[str, Any]:
    """``ListPriceOut``'s shape (Decimal amounts as strings, like the catalog's)."""
    return {
        "amount": f"{price.unit_price:.2f}",
        "currency": CURRENCY,
        "rule": price.rule,
        "price_list": price.price_list,
        "moq": price.moq,
        "multiple": price.multiple,
        "breaks": [
            {"min_qty": b.min_qty, "max_qty": b.max_qty, "amount": f"{b.unit_price:.2f}", "rule": b.rule}
            for b in price.breaks
        ],
    }


class ListPriceOverlay:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now

    async def for_company(
        self, uow: UnitOfWork, company_id: uuid.UUID, catalog: Mapping[str, Decimal]
    ) -> dict[str, dict[str, Any]]:
        found = await buyer_prices(uow, company_id, catalog, self.now())
        return {sku: price_json(p) for sku, p in found.items()}
