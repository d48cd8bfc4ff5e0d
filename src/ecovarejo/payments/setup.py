"""Builds the providers layer from :class:`PaymentsSettings`: the configured provider adapters behind a
:class:`FailoverGateway`, and the vault. ``install_providers(container)`` puts them in the container's
ports (the ``PaymentGateway`` port is replaced only when at least one real provider is configured)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from ecovarejo.core.container import Container
from ecovarejo.core.models import Tenant
from ecovarejo.core.tenancy import current_tenant

from .failover import FailoverGateway
from .gateway import AUTHENTICATION_RETURN_PATH, GatewayError, PaymentGateway
from .providers.pagseguro_gateway import PagSeguroGateway
from .settings import PaymentsSettings
from .vault import MasterKeys, Vault

TENANT_SETTING = "payment_providers"


class Providers(dict[str, PaymentGateway]):
    """The real providers configured, by name (empty in the embedded default: the sandbox answers)."""


def build_providers(s: PaymentsSettings, *, public_url: str | None = None) -> Providers:
    """``public_url``: the platform's public address, for the return URL of a 3-D Secure challenge when no
    request names the tenant's own (:func:`.gateway.authentication_return_url`)."""
    providers = Providers()
    return_url = public_url.rstrip("/") + AUTHENTICATION_RETURN_PATH if public_url else None
    # the providers' SDKs load only when a provider is configured (not in every process start)
    if s.stripe_api_key:
        from .providers.stripe_gateway import StripeGateway

        providers["stripe"] = StripeGateway(
            s.stripe_api_key, api_base=s.stripe_api_base or None, timeout=s.provider_timeout, return_url=return_url
        )
    if s.pagseguro_token:
        providers["pagseguro"] = PagSeguroGateway(
            s.pagseguro_token, api_base=s.pagseguro_api_base, timeout=s.provider_timeout
        )
    if s.mercadopago_access_token:
        from .providers.mercadopago_gateway import MercadoPagoGateway

        providers["mercadopago"] = MercadoPagoGateway(
            s.mercadopago_access_token, api_base=s.mercadopago_api_base or None, timeout=s.provider_timeout
        )
    return providers


def tenant_order_reader(container: Container) -> Callable[[uuid.UUID], Awaitable[list[str] | None]]:
    """Reads a tenant's ``payment_providers`` setting (a list of provider names)."""

    async def read(tenant_id: uuid.UUID) -> list[str] | None:
        async with container.db.system_session() as s:
            settings = await s.scalar(select(Tenant.settings).where(Tenant.id == tenant_id))
        value = (settings or {}).get(TENANT_SETTING)
        return [str(v) for v in value] if isinstance(value, list) else None

    return read


def _ensure(container: Container, s: PaymentsSettings | None = None) -> None:
    """Providers and vault from ``s``, or (once) from the settings bootstrap injected."""
    if s is None:
        if Providers in container.ports:
            return
        s = container.ports.find(PaymentsSettings) or container.settings.section(PaymentsSettings)
    core = container.settings
    if s.master_key_file is None and core.is_production and core.is_postgres:
        # a key generated per process would differ between the processes sharing the database
        raise RuntimeError("set ECOVAREJO_PAYMENTS_MASTER_KEY_FILE: scale-out needs one master key for all processes")
    container.ports.provide(PaymentsSettings, s)
    container.ports.provide(Providers, build_providers(s, public_url=core.public_url))
    container.ports.provide(Vault, Vault(MasterKeys.single(s.load_master_key(core.data_dir))))


def vault_resolver(container: Container) -> Callable[[str], Awaitable[Any]]:
    """The provider's token behind a vault token (audited), in the current tenant, as a source naming its
    provider (``{"stripe": "pm_…"}``: failover sends it to that provider only). The caller (checkout)
    has checked that the token is the customer's own: :func:`service.ensure_card_owner`."""

    async def resolve(token: str) -> Any:
        tenant_id = current_tenant.get()
        if tenant_id is None:
            raise GatewayError("a vault token needs a tenant")
        async with container.uow(tenant_id, actor="system:payments") as uow:
            stored = await vault_of(container).detokenize(
                uow, token, owner_id=None, purpose="authorize (checkout)", actor=uow.actor
            )  # the checkout checked the owner (payments.service.ensure_card_owner)
            await uow.commit()
        return {stored.provider: stored.token}

    return resolve


def install_providers(container: Container, s: PaymentsSettings | None = None) -> None:
    """Everything, including the ``PaymentGateway`` port (failover) when a real provider is configured."""
    _ensure(container, s)
    s = container.ports.get(PaymentsSettings)
    providers = container.ports.get(Providers)
    if providers:
        container.ports.provide(
            PaymentGateway,
            FailoverGateway(
                providers,
                order=s.order,
                tenant_order=tenant_order_reader(container),
                failures=s.breaker_failures,
                cooldown=s.breaker_cooldown,
                resolve_source=vault_resolver(container),
            ),
        )


def settings_of(container: Container) -> PaymentsSettings:
    _ensure(container)
    return container.ports.get(PaymentsSettings)


def vault_of(container: Container) -> Vault:
    _ensure(container)
    return container.ports.get(Vault)


def providers_of(container: Container) -> Providers:
    _ensure(container)
    return container.ports.get(Providers)
