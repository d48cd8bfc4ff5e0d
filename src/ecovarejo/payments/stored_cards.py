"""Stored cards without card numbers: what a provider's token is (asked of that provider) and how a
stored card becomes a charge's source.

``POST /api/v1/payments/cards`` takes only the token made by the provider's own browser form (the
checkout's card form, :mod:`.card_form`): the provider is asked to describe it (Stripe's
``GET /v1/payment_methods/{id}``; the sandbox reads its self-describing token), the token is made
reusable where its provider needs that (:func:`keep`: Stripe attaches the PaymentMethod to a Customer),
and the vault keeps the token sealed (:meth:`.vault.Vault.store`). A charge sends that token back to the
same provider only.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput

from .card_form import card_form
from .failover import FailoverGateway
from .gateway import GatewayError, PaymentGateway
from .providers.base import CardInfo, CardKeeper, CardNotKept, TokenDescriber
from .sandbox import describe_minted
from .service import PaymentUnavailable
from .setup import providers_of
from .vault import ProviderToken


def looks_like_pan(value: str) -> bool:
    """A card number typed where a token belongs (digits, spaces, dashes and dots; 12-19 digits)."""
    digits = value.replace(" ", "").replace("-", "").replace(".", "")
    return digits.isdigit() and 12 <= len(digits) <= 19


async def describe(container: Container, token: str) -> CardInfo:
    """What the checkout's card-form provider says of ``token``; 422 ``invalid_provider_token`` when it
    does not know it, 422 ``card_storage_not_supported`` for a provider whose tokens are single-use."""
    provider = card_form(container).provider
    if provider == "sandbox":
        info = describe_minted(token)
    else:
        gateway = providers_of(container).get(provider)
        if not isinstance(gateway, TokenDescriber):  # Mercado Pago card tokens, PagBank's encrypted card
            raise InvalidInput(
                f"{provider} tokens are single-use: cards cannot be stored with it", code="card_storage_not_supported"
            )
        try:
            info = await gateway.describe(token)
        except GatewayError as exc:
            raise PaymentUnavailable("the payment provider did not answer; nothing was stored") from exc
    if info is None:
        raise InvalidInput("the card form's provider does not know this token", code="invalid_provider_token")
    return info


async def keep(container: Container, info: CardInfo, owner_id: uuid.UUID) -> CardInfo:
    """``info`` with the token its provider will accept again: providers that reuse a token only when it
    is bound to a customer of theirs (Stripe: a PaymentMethod attached to a Customer) are asked to bind it;
    the others' tokens are reusable as they are."""
    gateway = providers_of(container).get(info.provider)
    if not isinstance(gateway, CardKeeper):
        return info
    try:
        token = await gateway.keep(info.token, customer_ref=str(owner_id))
    except CardNotKept as exc:
        raise InvalidInput(
            "the payment provider will not keep this card for reuse", code="invalid_provider_token"
        ) from exc
    except GatewayError as exc:
        raise PaymentUnavailable("the payment provider did not answer; nothing was stored") from exc
    return dataclasses.replace(info, token=token)


def source_for(gateway: PaymentGateway, stored: ProviderToken) -> Any:
    """The charge's source: the stored provider token, for its own provider only (a token is one
    provider's; failover does not carry it to another)."""
    if isinstance(gateway, FailoverGateway):
        return {stored.provider: stored.token}
    if stored.provider == getattr(gateway, "name", None):
        return stored.token
    raise InvalidInput(
        f"this card was stored with {stored.provider}, which is not configured", code="card_provider_unavailable"
    )
