"""What the logistics context keeps on the composition root: one typed bundle of its adapters."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from .addresses import AddressBook
from .settings import LogisticsSettings


@dataclass
class LogisticsPorts:
    settings: LogisticsSettings
    addresses: AddressBook
    #: One pooled HTTP client for every provider call (CEP service, carriers).
    http: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)

    async def aclose(self) -> None:
        await self.http.aclose()
