"""The logistics context's public surface: what other contexts, GraphQL, web and the CLI may call.

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import service
from .addresses import Address, CepNotFound
from .cep import InvalidCep, formatted, normalize, uf_of
from .config import STATES, StateEstimate, default_document, state_estimates
from .orders_port import OrderLine, OrderSource, OrderToShip
from .packaging import PackageTooHeavy, PackageTooLarge, Parcel
from .quotes import NoShippingOptions, ShippingOption, ShippingOptionInvalid, ShippingOptionUnavailable, ShippingQuote
from .shipments import ShipmentView, TrackingStep

__all__ = [
    "STATES",
    "Address",
    "CepNotFound",
    "InvalidCep",
    "NoShippingOptions",
    "OrderLine",
    "OrderSource",
    "OrderToShip",
    "PackageTooHeavy",
    "PackageTooLarge",
    "Parcel",
    "ShipmentView",
    "ShippingOption",
    "ShippingOptionInvalid",
    "ShippingOptionUnavailable",
    "ShippingQuote",
    "StateEstimate",
    "TrackingStep",
    "confirm_option",
    "default_free_shipping_over",
    "formatted",
    "lookup_cep",
    "normalize_cep",
    "quote",
    "shipments_of_order",
    "state_estimate",
    "state_estimates",
    "state_of_cep",
]


def default_free_shipping_over() -> Decimal | None:
    """The goods total above which the embedded default ships free."""
    return default_document().free_shipping.over


async def state_estimate(
    container: Container, uow: UnitOfWork, state: str, lines: Mapping[str, int] | None = None
) -> StateEstimate:
    """What a checkout that names no quoted option pays to ``state`` (a valid UF), from the tenant's own
    shipping configuration (the embedded default when it has none): the cart ``lines`` (sku → quantity)
    packed as a quote packs them, priced at the standard rate of the band of the zone serving the state
    that holds their billable (real or cubic) weight (``price`` None: no zone serves it, or no band holds
    the parcel; no lines: the lightest band), the free-shipping threshold as it applies there, and a
    per-region kg CO2e. One statement inside the caller's tenant ``uow``; a parcel beyond the shop's
    limits is :class:`PackageTooHeavy` / :class:`PackageTooLarge` (422)."""
    return await service.state_estimate(container, uow, state, lines)


def normalize_cep(cep: str) -> str:
    """Eight digits, or :class:`InvalidCep` (422 ``invalid_cep``)."""
    return normalize(cep)


def state_of_cep(cep: str) -> str:
    """The UF of a valid CEP from the shipped ranges (no network)."""
    return uf_of(normalize(cep)) or ""


async def lookup_cep(container: Container, cep: str) -> Address:
    """Street, district, city and state of ``cep`` (cached); offline, the state only."""
    return await service.ports_of(container).addresses.lookup(cep)


async def quote(
    container: Container,
    tenant_id: uuid.UUID,
    cep: str,
    lines: Mapping[str, int],
    *,
    goods_total: Decimal | None = None,
    free_shipping_coupon: bool = False,
    prices: Mapping[str, Decimal] | None = None,
) -> ShippingQuote:
    """Priced shipping options (with delivery days and kg CO2e) for ``lines`` (sku → quantity) to ``cep``."""
    return await service.quote(
        container,
        tenant_id,
        cep,
        lines,
        goods_total=goods_total,
        free_shipping_coupon=free_shipping_coupon,
        prices=prices,
    )


async def confirm_option(
    container: Container,
    tenant_id: uuid.UUID,
    option_id: str,
    cep: str,
    lines: Mapping[str, int],
    *,
    goods_total: Decimal | None = None,
    free_shipping_coupon: bool = False,
    prices: Mapping[str, Decimal] | None = None,
) -> ShippingOption:
    """The option chosen at checkout, re-quoted when it expired (same carrier and service)."""
    return await service.confirm_option(
        container,
        tenant_id,
        option_id,
        cep,
        lines,
        goods_total=goods_total,
        free_shipping_coupon=free_shipping_coupon,
        prices=prices,
    )


async def shipments_of_order(container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID) -> list[ShipmentView]:
    """An order's shipments with their tracking timeline (the customer's order page, GraphQL)."""
    from . import shipments

    async with container.uow(tenant_id, read_only=True) as uow:
        return await shipments.shipments_of_order(uow, order_id)
