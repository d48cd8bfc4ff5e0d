"""The catalog port: what orders needs from products (a ``Sellable`` per SKU). The default adapter
calls the products context's public surface; prices always come from here, never from the client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ecovarejo.core.uow import UnitOfWork
from ecovarejo.products import public as products


class Catalog(Protocol):
    async def get_sellables(self, uow: UnitOfWork, skus: Iterable[str]) -> dict[str, Any]:
        """``sku -> Sellable`` (fields: product_id, variant_id, sku, name, slug, unit_price, currency,
        is_active, category_id, category_path, certified, carbon_footprint_kg, sustainability_score,
        supplier_id, image_url); unknown SKUs are absent."""
        ...


class ProductsCatalog:
    async def get_sellables(self, uow: UnitOfWork, skus: Iterable[str]) -> dict[str, Any]:
        result: dict[str, Any] = await products.get_sellables(uow, list(skus))
        return result
