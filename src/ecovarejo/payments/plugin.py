"""The payments context (core): the gateway port with the built-in sandbox, payment records, and the
idempotency-key store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from . import ext_models as _ext_models  # noqa: F401
from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from .gateway import PaymentGateway
from .idempotency import purge_expired
from .instant import expire_pending
from .personal_data import DECLARATION as PERSONAL_DATA
from .sandbox import SandboxGateway
from .settings import PaymentsSettings
from .setup import install_providers

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    # The sandbox is the default; configured providers (Stripe, PagBank, Mercado Pago) replace it with
    # the failover gateway. A port set before install (tests) is kept.
    if isinstance(container.ports.provide_default(PaymentGateway, SandboxGateway()), SandboxGateway):
        install_providers(container)


async def _purge(container: Container) -> None:
    await purge_expired(container)


async def _expire_instant(container: Container) -> None:
    await expire_pending(container)


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .card_form import sandbox_router
    from .webhooks_api import router as providers_router

    return [providers_router, sandbox_router]


CONTEXT = ContextSpec(
    name="payments",
    routers=_routers,
    install=install,
    settings=(PaymentsSettings,),
    jobs=[("payments.purge_idempotency_keys", 3600.0, _purge), ("payments.expire_instant", 60.0, _expire_instant)],
    seed_order=40,
    personal_data=PERSONAL_DATA,
)
