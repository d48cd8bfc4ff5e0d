"""What the provider adapters share: card data passed to a provider, unavailability errors, and the
optional lookup by idempotency key that failover uses before trying another provider."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, runtime_checkable

from ..cards import luhn_valid
from ..gateway import GatewayError, GatewayResult

_CARD_FIELDS = re.compile(
    r"(\[(?:number|cvc)\]=|[\"'](?:number|card_number|security_code|cvc|cvv)[\"']\s*:\s*[\"']?)[^&\"'\s,}]*"
)
_DIGIT_RUN = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def redact_card_data(text: str) -> str:
    """``text`` with card numbers (Luhn-valid 13-19 digit runs) and card/CVV fields blanked."""
    text = _CARD_FIELDS.sub(r"\1[REDACTED]", text)
    return _DIGIT_RUN.sub(lambda m: "[REDACTED]" if luhn_valid(m.group()) else m.group(), text)


class CardDataFilter(logging.Filter):
    """Rewrites log records of the HTTP/SDK loggers so that a request body logged at DEBUG (the Stripe SDK
    logs its form posts, card fields included) never carries card data."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_card_data(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = CardDataFilter()
for _name in ("stripe", "mercadopago", "urllib3", "requests", "httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_FILTER)


@dataclass(frozen=True)
class CardData:
    """A card for server-side authorization (from the vault). ``repr`` never shows the number or CVV."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    holder: str = ""
    cvv: str | None = field(default=None, repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class CardInfo:
    """A card as its provider describes one of its reusable tokens (Stripe's PaymentMethod ``card``):
    never the number. ``fingerprint`` is the provider's own identifier of the card number."""

    provider: str
    token: str = field(repr=False)
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str = field(repr=False)


@runtime_checkable
class TokenDescriber(Protocol):
    async def describe(self, token: str) -> CardInfo | None:
        """The card behind one of this provider's reusable tokens, or ``None`` when it does not know the
        token; raises :class:`GatewayError` when it cannot tell."""
        ...


@runtime_checkable
class CardKeeper(Protocol):
    async def keep(self, token: str, *, customer_ref: str) -> str:
        """Make one of this provider's tokens reusable for the shop's customer ``customer_ref`` (an opaque
        id, no personal data) and return the token to seal and charge later. Raises :class:`GatewayError`
        when the provider cannot be reached, :class:`CardNotKept` when it refuses."""
        ...


class CardNotKept(Exception):
    """The provider refused to keep a token for reuse (spent, or another customer's)."""


#: A provider's token (client-side tokenization: ``pm_…``, a Mercado Pago card token, PagBank's
#: encrypted card) or card data from the vault.
Source = str | CardData


class ProviderUnavailable(GatewayError):
    """Connection error or 5xx. ``delivered=False`` when the request certainly never reached the provider
    (connection refused), so no money can have moved."""

    def __init__(self, message: str, *, delivered: bool) -> None:
        super().__init__(message)
        self.delivered = delivered


@runtime_checkable
class KeyLookup(Protocol):
    async def find(self, idempotency_key: str) -> GatewayResult | None:
        """The payment created with this key, or ``None`` when the provider has none; raises
        :class:`GatewayError` when it cannot tell."""
        ...


def to_cents(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))
