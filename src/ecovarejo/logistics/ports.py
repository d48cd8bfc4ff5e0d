"""What the logistics context keeps on the composition root: one typed bundle of its adapters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx

from .addresses import AddressBook
from .carriers.base import Carrier
from .catalog import Catalog, ProductsCatalog
from .config import ShippingDocument, default_document
from .quotes import QuoteEngine
from .settings import LogisticsSettings


@dataclass
class LogisticsPorts:
    settings: LogisticsSettings
    addresses: AddressBook
    engine: QuoteEngine
    #: One pooled HTTP client for every provider call (CEP service, carriers).
    http: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)
    catalog: Catalog = field(default_factory=ProductsCatalog)
    #: Plugged by the orders context (a higher layer) at install; None when orders is not served.
    default_document: ShippingDocument = field(default_factory=default_document)
    #: Parsed configuration documents by (tenant, version).
    documents: dict[tuple[uuid.UUID, int], ShippingDocument] = field(default_factory=dict)

    @property
    def carriers(self) -> dict[str, Carrier]:
        return self.engine.carriers

    async def aclose(self) -> None:
        await self.http.aclose()
