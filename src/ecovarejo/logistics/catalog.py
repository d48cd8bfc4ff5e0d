"""The catalog port: the price and availability of SKUs (for declared value and free-shipping rules).

The default adapter reads ``ecovarejo.products.service.get_sellables`` until products has its
``public.py``; tests plug their own catalog through the same door.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

from ecovarejo.core.uow import UnitOfWork


class Priced(Protocol):
    @property
    def unit_price(self) -> Decimal: ...

    @property
    def is_active(self) -> bool: ...


class Catalog(Protocol):
    async def get_sellables(self, uow: UnitOfWork, skus: Iterable[str]) -> Mapping[str, Priced]: ...


class ProductsCatalog:
    async def get_sellables(self, uow: UnitOfWork, skus: Iterable[str]) -> Mapping[str, Priced]:
        from ecovarejo.products import public as products

        return await products.get_sellables(uow, list(skus))
