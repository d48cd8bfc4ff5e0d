"""The b2b context's ``QuoteDesk`` port: a company's prices for the lines of a quote request (its price
lists', else the catalog's) and the stock held for an accepted quote."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from ecovarejo.b2b import public as b2b
from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory

from .quoting import company_prices, ports_of, price_lines


class OrdersQuoteDesk:
    def __init__(self, container: Container) -> None:
        self.container = container

    async def price(
        self, uow: UnitOfWork, company_id: uuid.UUID, lines: Mapping[str, int]
    ) -> dict[str, b2b.CatalogPrice]:
        """Unknown or inactive products and quantities past the cart's cap are refused; stock is not
        checked (it is held when the buyer accepts)."""
        ports = ports_of(self.container)
        priced, problems = await price_lines(uow, ports, dict(lines), strict=False)
        for p in problems:
            if p["code"] != "insufficient_stock":
                raise InvalidInput(str(p["detail"]), code=str(p["code"]), extra={"sku": p["sku"]})
        priced = await company_prices(uow, ports, company_id, priced, [], strict=False)
        return {ln.sku: b2b.CatalogPrice(ln.name, ln.unit_price) for ln in priced}

    async def hold(
        self, uow: UnitOfWork, lines: Mapping[str, int], *, reference: str, now: datetime, until: datetime, actor: str
    ) -> None:
        await inventory.hold(uow, lines, reference=reference, now=now, ttl=until - now, actor=actor)
