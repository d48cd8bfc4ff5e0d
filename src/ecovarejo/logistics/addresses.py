"""Address lookup by CEP behind a port, with a ViaCEP adapter, a TTL cache and an offline fallback.

The public service answers with street, district, city and state. When it is down (or not configured)
the lookup still answers the state, from the CEP ranges shipped with the package, marked ``offline``;
a CEP the service says does not exist is a 404 ``cep_not_found``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import httpx
import structlog

from ecovarejo.core.errors import NotFound

from . import cep as ceps
from .breaker import CircuitBreaker

log = structlog.get_logger("ecovarejo.logistics.addresses")


@dataclass(frozen=True)
class Address:
    cep: str
    state: str
    city: str = ""
    district: str = ""
    street: str = ""
    #: ``viacep`` (looked up), ``offline`` (state from the CEP ranges only).
    source: str = "offline"

    @property
    def complete(self) -> bool:
        return bool(self.city)


class CepNotFound(NotFound):
    code = "cep_not_found"
    title = "CEP not found"


class LookupUnavailable(Exception):
    """The provider did not answer; the caller falls back."""


class CepProvider(Protocol):
    name: str

    async def lookup(self, digits: str) -> Address | None:
        """The address of ``digits``; ``None`` when the provider knows no such CEP; raises
        :class:`LookupUnavailable` when it cannot tell."""
        ...


class ViaCep:
    """``GET {base}/ws/{cep}/json/`` → ``{"cep", "logradouro", "bairro", "localidade", "uf", ...}`` or
    ``{"erro": "true"}`` for a CEP that does not exist."""

    name = "viacep"

    def __init__(self, base_url: str, client: httpx.AsyncClient, *, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.timeout = timeout

    async def lookup(self, digits: str) -> Address | None:
        try:
            resp = await self.client.get(f"{self.base_url}/ws/{digits}/json/", timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise LookupUnavailable(str(exc)) from exc
        if resp.status_code == 400:
            return None
        if resp.status_code != 200:
            raise LookupUnavailable(f"HTTP {resp.status_code}")
        try:
            body = resp.json()
        except ValueError as exc:
            raise LookupUnavailable("not JSON") from exc
        if not isinstance(body, dict) or str(body.get("erro", "")).lower() == "true":
            return None
        uf = str(body.get("uf", "")).upper()
        if len(uf) != 2:
            raise LookupUnavailable("answer without a state")
        return Address(
            cep=digits,
            state=uf,
            city=str(body.get("localidade", "")),
            district=str(body.get("bairro", "")),
            street=str(body.get("logradouro", "")),
            source=self.name,
        )


class AddressBook:
    """The lookup port the context uses: validation, cache, provider behind a breaker, offline fallback."""

    def __init__(
        self,
        provider: CepProvider | None,
        *,
        ttl: float = 7 * 24 * 3600,
        max_entries: int = 20_000,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.provider = provider
        self.ttl = ttl
        self.max_entries = max_entries
        self.breaker = breaker or CircuitBreaker()
        self._cache: OrderedDict[str, tuple[float, Address | None]] = OrderedDict()

    async def lookup(self, cep: str) -> Address:
        digits = ceps.normalize(cep)
        now = time.monotonic()
        hit = self._cache.get(digits)
        if hit is not None and hit[0] > now:
            self._cache.move_to_end(digits)
            if hit[1] is None:
                raise CepNotFound("CEP not found", extra={"cep": ceps.formatted(digits)})
            return hit[1]
        offline = Address(cep=digits, state=ceps.uf_of(digits) or "", source="offline")
        if self.provider is None or not self.breaker.allow():
            return offline
        try:
            found = await self.provider.lookup(digits)
        except LookupUnavailable as exc:
            self.breaker.failure()
            log.warning("cep_lookup_unavailable", provider=self.provider.name, error=str(exc))
            return offline
        self.breaker.success()
        self._remember(digits, found, now)
        if found is None:
            raise CepNotFound("CEP not found", extra={"cep": ceps.formatted(digits)})
        return found

    def _remember(self, digits: str, value: Address | None, now: float) -> None:
        self._cache[digits] = (now + self.ttl, value)
        self._cache.move_to_end(digits)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
