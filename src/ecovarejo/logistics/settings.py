"""Settings of the logistics context (env prefix ``ECOVAREJO_LOGISTICS_``).

Provider credentials come from the environment; with none set, the CEP lookup works offline (state
from the CEP ranges) and quotes come from the tenant's table rates only.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class LogisticsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_LOGISTICS_", extra="ignore")

    #: ``viacep`` (public address lookup) or ``offline`` (state from the CEP ranges only).
    cep_provider: str = "offline"
    viacep_base: str = "https://viacep.com.br"
    #: Seconds an address stays cached (addresses barely change).
    cep_cache_ttl: float = 7 * 24 * 3600
    #: Correios contract API (empty user disables the carrier).
    correios_api_base: str = "https://api.correios.com.br"
    correios_user: str = ""
    correios_access_code: str = ""
    correios_postcard: str = ""
    correios_contract: str = ""
    #: Melhor Envio (aggregator): an OAuth access token of the shop's account; empty disables it.
    melhorenvio_api_base: str = "https://melhorenvio.com.br"
    melhorenvio_token: str = ""
    #: Secret of the app, used by Melhor Envio to sign webhooks (``X-ME-Signature``).
    melhorenvio_webhook_secret: str = ""
    melhorenvio_user_agent: str = "EcoVarejo (suporte@ecovarejo.dev)"
    #: Seconds one carrier call may take before it counts as failed.
    carrier_timeout: float = 3.0
    breaker_failures: int = 3
    breaker_cooldown: float = 30.0
    #: Seconds a carrier's quote for (origin, destination, package) stays cached.
    quote_cache_ttl: float = 600.0
    #: Seconds a quoted option may be chosen at checkout before it is quoted again.
    quote_validity: float = 1800.0
