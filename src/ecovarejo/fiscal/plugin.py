"""The fiscal context plugged into the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.outbound import outbound_client, policy_of
from ecovarejo.core.plugins import ContextSpec

from . import models as _models  # noqa: F401  (its tables on the shared metadata)
from . import nfe
from .nfe import NfePorts
from .nfe_provider import FocusNfe, NfeProvider
from .personal_data import DECLARATION as PERSONAL_DATA
from .service import RulesCache
from .settings import FiscalSettings

if TYPE_CHECKING:
    from fastapi import APIRouter


def install_nfe(container: Container, settings: FiscalSettings | None = None) -> NfePorts:
    """(Re)build the NF-e provider from the settings; tests call it with settings pointing at the fake."""
    settings = settings or container.ports.get(FiscalSettings)
    provider: NfeProvider | None = None
    if settings.focusnfe_token:
        http = outbound_client(policy_of(container.settings, settings.focusnfe_api_base), timeout=settings.nfe_timeout)
        provider = FocusNfe(settings.focusnfe_api_base, settings.focusnfe_token, http, timeout=settings.nfe_timeout)
    return container.ports.provide(NfePorts, NfePorts(settings, provider))


def install(container: Container) -> None:
    container.ports.provide(RulesCache, RulesCache())
    install_nfe(container)


async def _nfe_job(container: Container) -> None:
    await nfe.run_due(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import admin
    from .nfe_api import admin as nfe_admin
    from .nfe_api import router as nfe_router

    return [admin, nfe_admin, nfe_router]


CONTEXT = ContextSpec(
    name="fiscal",
    routers=_routers,
    install=install,
    consumers=nfe.consumers,
    settings=(FiscalSettings,),
    personal_data=PERSONAL_DATA,
    jobs=[("fiscal.nfe", 15.0, _nfe_job)],
)
