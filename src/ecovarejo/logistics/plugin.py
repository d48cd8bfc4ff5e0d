"""The logistics context plugged into the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.outbound import OutboundPolicy, outbound_client, policy_of
from ecovarejo.core.plugins import ContextSpec

from .addresses import AddressBook, ViaCep
from .breaker import CircuitBreaker
from .carriers.base import Carrier
from .carriers.correios import CorreiosCarrier
from .carriers.melhorenvio import MelhorEnvioCarrier
from .carriers.pickup import OwnPickupCarrier
from .carriers.table_rate import TableRateCarrier
from .personal_data import DECLARATION as PERSONAL_DATA
from .ports import LogisticsPorts
from .quote_cache import MemoryQuoteCache, QuoteCache, RedisQuoteCache
from .quotes import QuoteEngine
from .settings import LogisticsSettings
from .shipments import track_job

if TYPE_CHECKING:
    from fastapi import APIRouter


def build_ports(
    settings: LogisticsSettings, secret: bytes, policy: OutboundPolicy, cache: QuoteCache | None = None
) -> LogisticsPorts:
    # Carrier and CEP calls go through the platform's safe outbound client; the configured provider
    # hosts are the ones trusted (core/outbound.py).
    trusted = [settings.viacep_base]
    if settings.correios_user:
        trusted.append(settings.correios_api_base)
    if settings.melhorenvio_token:
        trusted.append(settings.melhorenvio_api_base)
    http = outbound_client(policy.trusting(*trusted), timeout=settings.carrier_timeout)
    provider = None
    if settings.cep_provider == "viacep":
        provider = ViaCep(settings.viacep_base, http, timeout=settings.carrier_timeout)
    addresses = AddressBook(
        provider,
        ttl=settings.cep_cache_ttl,
        breaker=CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown),
    )
    carriers: dict[str, Carrier] = {"table_rate": TableRateCarrier(), "pickup": OwnPickupCarrier()}
    if settings.correios_user:
        carriers["correios"] = CorreiosCarrier(
            settings.correios_api_base,
            http,
            user=settings.correios_user,
            access_code=settings.correios_access_code,
            postcard=settings.correios_postcard,
            contract=settings.correios_contract,
            timeout=settings.carrier_timeout,
        )
    if settings.melhorenvio_token:
        carriers["melhorenvio"] = MelhorEnvioCarrier(
            settings.melhorenvio_api_base,
            http,
            token=settings.melhorenvio_token,
            user_agent=settings.melhorenvio_user_agent,
            timeout=settings.carrier_timeout,
        )
    engine = QuoteEngine(
        carriers=carriers,
        secret=secret,
        timeout=settings.carrier_timeout,
        cache_ttl=settings.quote_cache_ttl,
        validity=settings.quote_validity,
        breaker_failures=settings.breaker_failures,
        breaker_cooldown=settings.breaker_cooldown,
        cache=cache or MemoryQuoteCache(),
    )
    return LogisticsPorts(settings=settings, addresses=addresses, engine=engine, http=http)


def install_logistics(container: Container, settings: LogisticsSettings | None = None) -> LogisticsPorts:
    """(Re)build the context's ports; tests call it with settings pointing at the fake providers."""
    secret = ("logistics-options:" + container.settings.load_secret_key()).encode()
    cache: QuoteCache = RedisQuoteCache(container.redis) if container.redis is not None else MemoryQuoteCache()
    ports = build_ports(
        settings or container.ports.get(LogisticsSettings), secret, policy_of(container.settings), cache
    )
    return container.ports.provide(LogisticsPorts, ports)


def install(container: Container) -> None:
    install_logistics(container)


async def _track(container: Container) -> None:
    await track_job(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import admin, router

    return [router, admin]


CONTEXT = ContextSpec(
    name="logistics",
    routers=_routers,
    install=install,
    settings=(LogisticsSettings,),
    personal_data=PERSONAL_DATA,
    jobs=[("logistics.track", 300.0, _track)],
)
