"""Provider failover behind the one ``payment_gateway`` port.

Providers are tried in the tenant's order (tenant setting ``payment_providers``, else
``ECOVAREJO_PAYMENTS_PROVIDER_ORDER``: Stripe, PagSeguro, Mercado Pago). The next provider is tried only
when one is *unavailable*: its circuit is open, the connection failed, it timed out or answered 5xx.
A decline is an answer and is returned as it is. Every provider gets the same idempotency key.

Never charging twice: when the request may have reached a provider (timeout, 5xx) the outcome is
unknown, so before anything else that provider is asked for a payment made with this key
(:class:`~.providers.base.KeyLookup`). Found: that result is the answer. Certainly none: the next
provider is tried. Cannot tell: :class:`GatewayTimeout` is raised and no other provider is tried (the
caller voids by key later). Captures, voids, refunds and status go to the provider that authorized,
named in the reference (``stripe:pi_…``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import structlog

from ecovarejo.core.errors import DomainError
from ecovarejo.core.tenancy import current_tenant

from .gateway import GatewayError, GatewayResult, GatewayTimeout, PaymentGateway
from .providers.base import KeyLookup, ProviderUnavailable
from .vault import TOKEN_PREFIX as VAULT_PREFIX

log = structlog.get_logger("ecovarejo.payments.failover")

Clock = Callable[[], float]
TenantOrder = Callable[[uuid.UUID], Awaitable[list[str] | None]]
#: Turns a vault token into card data (audited detokenization), for sources that name one.
SourceResolver = Callable[[str], Awaitable[Any]]


@dataclass
class CircuitBreaker:
    """Closed → open after ``failures`` consecutive failures; after ``cooldown`` seconds one probe is let
    through (half-open): its success closes the circuit, its failure opens it again."""

    failures: int = 3
    cooldown: float = 30.0
    clock: Clock = time.monotonic
    state: str = "closed"
    count: int = 0
    opened_at: float = 0.0
    probing: bool = field(default=False)

    def allow(self) -> bool:
        if self.state == "closed":
            return True
        if self.state == "open" and self.clock() - self.opened_at >= self.cooldown:
            self.state = "half_open"
            self.probing = False
        if self.state == "half_open" and not self.probing:
            self.probing = True
            return True
        return False

    def success(self) -> None:
        self.state, self.count, self.probing = "closed", 0, False

    def failure(self) -> None:
        self.count += 1
        if self.state == "half_open" or self.count >= self.failures:
            self.state, self.opened_at, self.probing = "open", self.clock(), False


def _looks_like_pan(source: str) -> bool:
    digits = source.replace(" ", "").replace("-", "")
    return digits.isdigit() and 12 <= len(digits) <= 19


class NoProviderAvailable(ProviderUnavailable):
    def __init__(self, tried: list[str]) -> None:
        super().__init__(f"no payment provider available (tried: {', '.join(tried) or 'none'})", delivered=False)
        self.tried = tried


class FailoverGateway:
    name = "failover"

    def __init__(
        self,
        providers: Mapping[str, PaymentGateway],
        *,
        order: list[str],
        tenant_order: TenantOrder | None = None,
        failures: int = 3,
        cooldown: float = 30.0,
        clock: Clock = time.monotonic,
        resolve_source: SourceResolver | None = None,
    ) -> None:
        self.resolve_source = resolve_source
        self.providers = dict(providers)
        self.default_order = order
        self.tenant_order = tenant_order
        self.breakers = {name: CircuitBreaker(failures, cooldown, clock) for name in self.providers}

    async def order_for(self, tenant_id: uuid.UUID | None) -> list[str]:
        order: list[str] | None = None
        if tenant_id is not None and self.tenant_order is not None:
            order = await self.tenant_order(tenant_id)
        return [name for name in (order or self.default_order) if name in self.providers]

    @staticmethod
    def _tag(name: str, result: GatewayResult) -> GatewayResult:
        reference = f"{name}:{result.reference}" if result.reference else None
        return replace(result, reference=reference)

    def _route(self, reference: str) -> tuple[PaymentGateway, str, str]:
        name, _, raw = reference.partition(":")
        if name not in self.providers or not raw:
            raise GatewayError(f"reference {reference!r} names no configured provider")
        return self.providers[name], name, raw

    async def _lookup(self, name: str, gateway: PaymentGateway, key: str) -> GatewayResult | None:
        if not isinstance(gateway, KeyLookup):
            raise GatewayTimeout(f"{name}: outcome unknown and no lookup by key; not trying another provider")
        try:
            return await gateway.find(key)
        except GatewayError as exc:
            raise GatewayTimeout(f"{name}: outcome unknown ({exc}); not trying another provider") from exc

    async def authorize(
        self,
        *,
        amount: Decimal,
        currency: str,
        source: Any,
        idempotency_key: str,
        description: str = "",
        installments: int = 1,
    ) -> GatewayResult:
        if isinstance(source, str) and _looks_like_pan(source):
            # real providers take their client-side token or vault card data, never a typed number
            return GatewayResult(False, None, "declined", amount, "card_must_be_tokenized", "tokenize the card first")
        if isinstance(source, str) and source.startswith(VAULT_PREFIX) and self.resolve_source is not None:
            try:
                source = await self.resolve_source(source)
            except DomainError as exc:  # unknown token: an answer about this card, not an outage
                return GatewayResult(False, None, "declined", amount, "invalid_card_token", exc.detail)
        tried: list[str] = []
        for name in await self.order_for(current_tenant.get()):
            gateway, breaker = self.providers[name], self.breakers[name]
            if not breaker.allow():
                log.info("payments.provider_skipped", provider=name, circuit=breaker.state)
                continue
            tried.append(name)
            provider_source = source.get(name) if isinstance(source, dict) else source
            if provider_source is None:
                continue
            try:
                result = await gateway.authorize(
                    amount=amount,
                    currency=currency,
                    source=provider_source,
                    idempotency_key=idempotency_key,
                    description=description,
                    installments=installments,
                )
            except ProviderUnavailable as exc:
                breaker.failure()
                log.warning("payments.provider_unavailable", provider=name, delivered=exc.delivered)
                if exc.delivered:
                    found = await self._lookup(name, gateway, idempotency_key)
                    if found is not None:
                        return self._tag(name, found)
                continue
            except GatewayError:  # timeout: the provider may have charged
                breaker.failure()
                log.warning("payments.provider_timeout", provider=name)
                found = await self._lookup(name, gateway, idempotency_key)
                if found is not None:
                    return self._tag(name, found)
                continue
            breaker.success()
            return self._tag(name, result)
        raise NoProviderAvailable(tried)

    async def capture(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        gateway, name, raw = self._route(reference)
        return self._tag(name, await gateway.capture(raw, amount, idempotency_key=idempotency_key))

    async def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        gateway, name, raw = self._route(reference)
        return self._tag(name, await gateway.void(raw, idempotency_key=idempotency_key))

    async def refund(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        gateway, name, raw = self._route(reference)
        return self._tag(name, await gateway.refund(raw, amount, idempotency_key=idempotency_key))

    async def status(self, reference: str) -> GatewayResult:
        gateway, name, raw = self._route(reference)
        return self._tag(name, await gateway.status(raw))
