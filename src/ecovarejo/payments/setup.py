"""Builds the providers layer from :class:`PaymentsSettings`: the configured provider adapters behind a
:class:`FailoverGateway`, and the vault. ``install_providers(container)`` puts them in the container's
ports (``payment_gateway`` is replaced only when at least one real provider is configured)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from ecovarejo.core.models import Tenant
from ecovarejo.core.tenancy import current_tenant

from .failover import FailoverGateway
from .gateway import GatewayError, PaymentGateway
from .providers.mercadopago_gateway import MercadoPagoGateway
from .providers.pagseguro_gateway import PagSeguroGateway
from .providers.stripe_gateway import StripeGateway
from .settings import PaymentsSettings, get_payments_settings
from .vault import MasterKeys, Vault

TENANT_SETTING = "payment_providers"


def build_providers(s: PaymentsSettings) -> dict[str, PaymentGateway]:
    providers: dict[str, PaymentGateway] = {}
    if s.stripe_api_key:
        providers["stripe"] = StripeGateway(
            s.stripe_api_key, api_base=s.stripe_api_base or None, timeout=s.provider_timeout
        )
    if s.pagseguro_token:
        providers["pagseguro"] = PagSeguroGateway(
            s.pagseguro_token, api_base=s.pagseguro_api_base, timeout=s.provider_timeout
        )
    if s.mercadopago_access_token:
        providers["mercadopago"] = MercadoPagoGateway(
            s.mercadopago_access_token, api_base=s.mercadopago_api_base or None, timeout=s.provider_timeout
        )
    return providers


def tenant_order_reader(container: Any) -> Any:
    """Reads a tenant's ``payment_providers`` setting (a list of provider names)."""

    async def read(tenant_id: uuid.UUID) -> list[str] | None:
        async with container.db.system_session() as s:
            settings = await s.scalar(select(Tenant.settings).where(Tenant.id == tenant_id))
        value = (settings or {}).get(TENANT_SETTING)
        return [str(v) for v in value] if isinstance(value, list) else None

    return read


def _ensure(container: Any, s: PaymentsSettings | None = None) -> None:
    if s is None and "payments_settings" in container.ports:
        return
    s = s or get_payments_settings()
    container.ports["payments_settings"] = s
    container.ports["payment_providers"] = build_providers(s)
    core = getattr(container, "settings", None)
    if s.master_key_file is None and core is not None and core.env == "production" and core.is_postgres:
        # a key generated per process would differ between the processes sharing the database
        raise RuntimeError("set ECOVAREJO_PAYMENTS_MASTER_KEY_FILE: scale-out needs one master key for all processes")
    data_dir = getattr(core, "data_dir", None)
    container.ports["card_vault"] = Vault(MasterKeys.single(s.load_master_key(data_dir)))


def vault_resolver(container: Any) -> Any:
    """Detokenizes a vault token for the provider call (audited), in the current tenant. The caller
    (checkout) has checked that the token is the customer's own: :func:`service.ensure_card_owner`."""

    async def resolve(token: str) -> Any:
        tenant_id = current_tenant.get()
        if tenant_id is None:
            raise GatewayError("a vault token needs a tenant")
        async with container.uow(tenant_id, actor="system:payments") as uow:
            card = await vault_of(container).detokenize(
                uow, token, owner_id=None, purpose="authorize (checkout)", actor=uow.actor
            )  # the checkout checked the owner (payments.service.ensure_card_owner)
            await uow.commit()
        return card

    return resolve


def install_providers(container: Any, s: PaymentsSettings | None = None) -> None:
    """Everything, including ``payment_gateway`` (failover) when a real provider is configured."""
    _ensure(container, s or get_payments_settings())
    s = container.ports["payments_settings"]
    providers = container.ports["payment_providers"]
    if providers:
        container.ports["payment_gateway"] = FailoverGateway(
            providers,
            order=s.order,
            tenant_order=tenant_order_reader(container),
            failures=s.breaker_failures,
            cooldown=s.breaker_cooldown,
            resolve_source=vault_resolver(container),
        )


def settings_of(container: Any) -> PaymentsSettings:
    _ensure(container)
    s: PaymentsSettings = container.ports["payments_settings"]
    return s


def vault_of(container: Any) -> Vault:
    _ensure(container)
    v: Vault = container.ports["card_vault"]
    return v


def providers_of(container: Any) -> dict[str, PaymentGateway]:
    _ensure(container)
    p: dict[str, PaymentGateway] = container.ports["payment_providers"]
    return p
