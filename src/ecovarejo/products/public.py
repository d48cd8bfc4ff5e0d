"""The products context's public surface: what inventory, orders, GraphQL, the gateway, web and the
CLI may call. Values are frozen :class:`Sellable` dataclasses or JSON-ready documents (pydantic
``ProductOut``/``ProductSummary`` dumps), never ORM rows. Everything else in the package is private.
"""

from __future__ import annotations

import uuid

from ecovarejo.core.container import Container

from .cache import VersionReader
from .categories import list_categories
from .gallery import reorder_media
from .graph import certifications_for, variants_for
from .media import MediaSettings
from .ports import BuyerPrices, CategorySuggester, StockReader
from .queries import (
    catalog_version,
    category_average_footprint,
    get_product,
    get_product_by_slug,
    get_sellable,
    get_sellables,
    list_products,
    list_skus,
)
from .reviews import mark_verified_purchase
from .schemas import BulkProducts, MediaOrder, ProductOut, ProductPatch, ProductSummary, Sellable
from .service import bulk_update, update_product

__all__ = [
    "BulkProducts",
    "BuyerPrices",
    "CategorySuggester",
    "MediaOrder",
    "ProductOut",
    "ProductPatch",
    "ProductSummary",
    "Sellable",
    "StockReader",
    "bulk_update",
    "catalog_version",
    "category_average_footprint",
    "certifications_for",
    "current_catalog_version",
    "get_product",
    "get_product_by_slug",
    "get_sellable",
    "get_sellables",
    "list_categories",
    "list_products",
    "list_skus",
    "mark_verified_purchase",
    "media_settings",
    "reorder_media",
    "update_product",
    "variants_for",
]


async def current_catalog_version(container: Container, tenant_id: uuid.UUID) -> str:
    """The tenant's catalog version (bumped in every catalog change's transaction), read without a
    transaction when the run mode allows it (the gateway's and the catalog cache's freshness key)."""
    reader = container.ports.find(VersionReader)
    if reader is not None:
        found = await reader.aread(tenant_id)
        if found is not None:
            return found
    async with container.uow(tenant_id, read_only=True) as uow:
        return await catalog_version(uow)


def media_settings(container: Container) -> MediaSettings:
    """Where product images live (the web's content security policy allows their origin)."""
    return container.ports.get(MediaSettings)
