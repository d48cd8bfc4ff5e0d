"""Ports the products context declares for what only a higher layer knows (plugged in by that layer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ecovarejo.core.uow import UnitOfWork


class StockReader(Protocol):
    """Units available per SKU across warehouses; provided by the inventory context."""

    async def availability(self, uow: UnitOfWork, skus: Sequence[str]) -> dict[str, int]: ...


class CategorySuggester(Protocol):
    """The likely category (its name) and the confidence for a product's pt-BR text: the ml context's
    classifier, plugged in by that layer; ``None`` when it has no model for the tenant."""

    async def suggest(self, uow: UnitOfWork, name: str, description: str) -> tuple[str, float] | None: ...
