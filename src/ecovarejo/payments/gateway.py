"""The payment gateway port: what any provider (sandbox, Stripe, PagSeguro, Mercado Pago) offers us.

Every call carries an idempotency key that the provider honours, so a retried call never moves money
twice. Calls are network calls: callers make them outside database transactions (no row lock held).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from ecovarejo.core.tenancy import current_public_url

#: The storefront page the providers send the shopper back to after a 3-D Secure challenge.
AUTHENTICATION_RETURN_PATH = "/checkout/autenticacao"


def authentication_return_url(fallback: str | None = None) -> str | None:
    """Where a 3-D Secure challenge sends the shopper back: the current request's tenant's own address
    (its domain; see :func:`ecovarejo.core.tenancy.public_origin`) + the return page; ``fallback`` (the
    platform's ``ECOVAREJO_PUBLIC_URL`` one) outside a request."""
    origin = current_public_url.get()
    return origin + AUTHENTICATION_RETURN_PATH if origin else fallback


@dataclass(frozen=True)
class GatewayResult:
    ok: bool
    #: The provider's id of the payment (authorization); stable across capture/void/refund.
    reference: str | None
    #: authorized | captured | voided | refunded | declined | failed
    status: str
    amount: Decimal
    #: Machine reason when not ok: card_declined, insufficient_funds, invalid_card, ...
    code: str | None = None
    message: str | None = None
    #: Where the shopper must go to authenticate (3-D Secure challenge), when the provider asks for it.
    next_action_url: str | None = None


class GatewayError(Exception):
    """The provider could not be reached or answered out of contract."""


class GatewayTimeout(GatewayError):
    """No answer in time: the outcome is unknown, so callers compensate (void by idempotency key)."""


class PaymentGateway(Protocol):
    name: str

    async def authorize(
        self,
        *,
        amount: Decimal,
        currency: str,
        source: str,
        idempotency_key: str,
        description: str = "",
        installments: int = 1,
    ) -> GatewayResult: ...

    async def capture(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult: ...

    async def void(self, reference: str, *, idempotency_key: str) -> GatewayResult: ...

    async def refund(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult: ...

    async def status(self, reference: str) -> GatewayResult: ...
