"""The logistics context plugged into the platform."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from .addresses import AddressBook, ViaCep
from .api import router
from .breaker import CircuitBreaker
from .ports import LogisticsPorts
from .settings import LogisticsSettings


def build_ports(settings: LogisticsSettings) -> LogisticsPorts:
    http = httpx.AsyncClient(timeout=settings.carrier_timeout, follow_redirects=False)
    provider = None
    if settings.cep_provider == "viacep":
        provider = ViaCep(settings.viacep_base, http, timeout=settings.carrier_timeout)
    addresses = AddressBook(
        provider,
        ttl=settings.cep_cache_ttl,
        breaker=CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown),
    )
    return LogisticsPorts(settings=settings, addresses=addresses, http=http)


def install_logistics(container: Container, settings: LogisticsSettings | None = None) -> LogisticsPorts:
    """(Re)build the context's ports; tests call it with settings pointing at the fake providers."""
    ports = build_ports(settings or LogisticsSettings())
    container.ports["logistics"] = ports
    return ports


def install(container: Container) -> None:
    install_logistics(container)


CONTEXT = ContextSpec(name="logistics", routers=[router], install=install)
