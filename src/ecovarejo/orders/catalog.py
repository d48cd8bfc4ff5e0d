"""The catalog port: what orders needs from products (a ``Sellable`` per SKU). The default adapter
calls the products context's public surface; prices always come from here, never from the client."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from ecovarejo.core.db import utcnow
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.products import public as products


class Catalog(Protocol):
    async def get_sellables(self, uow: UnitOfWork, skus: Iterable[str]) -> dict[str, Any]:
        """``sku -> Sellable`` (fields: product_id, variant_id, sku, name, slug, unit_price, currency,
        is_active, category_id, category_path, certified, carbon_footprint_kg, sustainability_score,
        supplier_id, image_url); unknown SKUs are absent."""
        ...


class ProductsCatalog:
    """The products context's sellables, kept in this process per (tenant, catalog version, day).

    The tenant's catalog version is bumped in the transaction of every catalog change (price, status,
    category, certification), so reading it in the caller's transaction and answering from what was
    read at that version is what a fresh read would answer: a checkout or a cart pays one small read
    (the version) instead of three (products, variants, the category tree). The day is in the key
    because a certification counts until its expiry date. Sellables are frozen values, safe to share.
    """

    def __init__(self, max_skus: int = 20_000) -> None:
        self.max_skus = max_skus
        self._by_key: dict[tuple[uuid.UUID | None, str, date], dict[str, Any]] = {}

    async def get_sellables(self, uow: UnitOfWork, skus: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(s for s in skus if s))
        if not wanted:
            return {}
        key = (uow.tenant_id, await products.catalog_version(uow), utcnow().date())
        known = self._by_key.get(key)
        if known is None:  # a new version (or day) of this tenant's catalog: what was kept is stale
            for old in [k for k in self._by_key if k[0] == key[0]]:
                del self._by_key[old]
            known = self._by_key[key] = {}
        missing = [s for s in wanted if s not in known]
        if missing:
            found: dict[str, Any] = await products.get_sellables(uow, missing)
            if len(known) + len(missing) > self.max_skus:
                known.clear()
            for sku in missing:
                known[sku] = found.get(sku)  # None: not in the catalog at this version
        return {s: known[s] for s in wanted if known[s] is not None}
