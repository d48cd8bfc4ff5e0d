"""Ports the products context declares for what only a higher layer knows (plugged in by that layer)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from ecovarejo.core.uow import UnitOfWork


class StockReader(Protocol):
    """Units available per SKU across warehouses; provided by the inventory context."""

    async def availability(self, uow: UnitOfWork, skus: Sequence[str]) -> dict[str, int]: ...


class CategorySuggester(Protocol):
    """The likely category (its name) and the confidence for a product's pt-BR text: the ml context's
    classifier, plugged in by that layer; ``None`` when it has no model for the tenant."""

    async def suggest(self, uow: UnitOfWork, name: str, description: str) -> tuple[str, float] | None: ...


class BuyerPrices(Protocol):
    """A company's price list prices, ``{sku: ListPriceOut-shaped JSON}`` for the SKUs a list in force
    prices (``catalog`` is ``{sku: catalog unit price}``); provided by the b2b context, which sits above."""

    async def for_company(
        self, uow: UnitOfWork, company_id: uuid.UUID, catalog: Mapping[str, Decimal]
    ) -> dict[str, dict[str, Any]]: ...
