"""Settings of the fiscal context (env prefix ``ECOVAREJO_FISCAL_``): the NF-e provider.

With no provider token set, paid orders still get their NF-e row (``queued``) and the admin list shows
them waiting: nothing is lost, and they go out once a provider is configured.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class FiscalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_FISCAL_", extra="ignore")

    #: Focus NFe's API: homologation by default (notes without fiscal value); production is
    #: ``https://api.focusnfe.com.br``.
    focusnfe_api_base: str = "https://homologacao.focusnfe.com.br"
    #: The account's token (HTTP basic user name); empty: no provider, notes wait in ``queued``.
    focusnfe_token: str = ""
    #: Seconds one provider call may take.
    nfe_timeout: float = 15.0
    #: Attempts before a note whose provider stays unreachable is marked ``failed`` (staff may retry it).
    nfe_max_attempts: int = 8
    #: First retry delay in seconds; doubles on each attempt, capped at one hour.
    nfe_retry_base: float = 30.0
    #: Seconds between two polls of a note SEFAZ is still deciding.
    nfe_poll_interval: float = 5.0
    #: Validate each authorized note's XML against the official NF-e 4.00 XSD when ``lxml`` and ``nfelib``
    #: are installed (see ``fiscal/nfe_xsd.py``); a complaint flags the note (``xml_schema_invalid``).
    nfe_xsd_validation: bool = True
