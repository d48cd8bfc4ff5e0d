"""Shipping configuration and quotes: the use cases behind the API and the public surface.

Prices come from the catalog port (:mod:`.catalog`) unless the caller (orders, at checkout) passes the
prices it already holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import cep as ceps
from . import repository as repo
from .config import ShippingDocument, StateEstimate, default_document, estimate_for_state
from .models import ShippingConfig, ShippingPackage
from .packaging import Parcel, UnitSize, pack
from .ports import LogisticsPorts
from .quotes import ShippingOption, ShippingOptionInvalid, ShippingOptionUnavailable, ShippingQuote

MAX_LINES = 100
MAX_QUANTITY = 999


def ports_of(container: Container) -> LogisticsPorts:
    return container.ports.get(LogisticsPorts)


# -- configuration ------------------------------------------------------------------------------------


async def load_document(uow: UnitOfWork, ports: LogisticsPorts) -> tuple[ShippingDocument, int]:
    """The tenant's document (parsed once per version), or the embedded default (version 0)."""
    row = await repo.config(uow)
    if row is None:
        return ports.default_document, 0
    key = (row.tenant_id, row.version)
    doc = ports.documents.get(key)
    if doc is None:
        doc = ShippingDocument.model_validate(row.document)
        ports.documents[key] = doc
    return doc, row.version


async def state_estimate(
    container: Container, uow: UnitOfWork, state: str, lines: Mapping[str, int] | None = None
) -> StateEstimate:
    """The tenant's price to ``state`` for a checkout that names no quoted option (read in ``uow``): the
    cart ``lines`` packed as a quote packs them (cubic weight), priced in the band that holds them. One
    statement reads the configuration and the lines' package sizes together."""
    ports = container.ports.find(LogisticsPorts)
    stored, sizes = await repo.config_and_sizes(uow, lines or ())
    if stored is None:
        doc = ports.default_document if ports is not None else default_document()
    else:
        version, data = stored
        cache = ports.documents if ports is not None and uow.tenant_id is not None else None
        key = (uow.tenant_id or uuid.UUID(int=0), version)
        cached = cache.get(key) if cache is not None else None
        doc = cached if cached is not None else ShippingDocument.model_validate(data)
        if cache is not None and cached is None:
            cache[key] = doc
    weight = 0
    if lines:
        units = {sku: UnitSize(*size) for sku, size in sizes.items()}
        priced = [(sku, int(q), Decimal("0")) for sku, q in lines.items()]
        weight = pack(priced, units, doc.default_package, doc.limits).billable_weight_g
    return estimate_for_state(doc, state, weight)


def parse_document(data: Mapping[str, Any]) -> ShippingDocument:
    try:
        return ShippingDocument.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"loc": ".".join(str(x) for x in e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()[:50]
        ]
        raise InvalidInput("the shipping configuration is invalid", code="invalid_shipping_config",
                           extra={"errors": problems}) from exc  # fmt: skip


async def save_document(uow: UnitOfWork, doc: ShippingDocument) -> int:
    row = await repo.config(uow)
    data = doc.model_dump(mode="json")
    if row is None:
        row = ShippingConfig(document=data, version=1)
        repo.add(uow, row)
    else:
        row.document = data
        row.version += 1
    await uow.flush()
    return row.version


def default_config() -> ShippingDocument:
    return default_document()


async def put_package(uow: UnitOfWork, sku: str, weight_g: int, length_cm: int, width_cm: int, height_cm: int) -> None:
    row = await repo.package(uow, sku)
    if row is None:
        repo.add(uow, ShippingPackage(sku=sku, weight_g=weight_g, length_cm=length_cm, width_cm=width_cm,
                                      height_cm=height_cm))  # fmt: skip
    else:
        row.weight_g, row.length_cm, row.width_cm, row.height_cm = weight_g, length_cm, width_cm, height_cm
    await uow.flush()


# -- quotes -------------------------------------------------------------------------------------------


def _check_lines(lines: Mapping[str, int]) -> dict[str, int]:
    if not lines:
        raise InvalidInput("say which items to ship", code="no_items")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} different items", code="too_many_items")
    for sku, qty in lines.items():
        if not 1 <= int(qty) <= MAX_QUANTITY:
            raise InvalidInput(f"quantity of {sku} must be 1 to {MAX_QUANTITY}", code="invalid_quantity")
    return {str(k): int(v) for k, v in lines.items()}


async def parcel_for(
    uow: UnitOfWork, ports: LogisticsPorts, lines: Mapping[str, int], prices: Mapping[str, Decimal] | None = None
) -> tuple[ShippingDocument, int, Parcel, Decimal]:
    """The tenant's document and the parcel of ``lines`` (prices from the catalog unless given), plus the
    goods total."""
    lines = _check_lines(lines)
    doc, version = await load_document(uow, ports)
    if prices is None:
        sellables = await ports.catalog.get_sellables(uow, list(lines))
        unknown = sorted(s for s in lines if s not in sellables or not sellables[s].is_active)
        if unknown:
            raise InvalidInput("unknown or unavailable items", code="unknown_sku", extra={"skus": unknown})
        prices = {sku: sellables[sku].unit_price for sku in lines}
    sizes = {p.sku: UnitSize(p.weight_g, p.length_cm, p.width_cm, p.height_cm) for p in await repo.packages(uow, lines)}
    priced = [(sku, qty, prices.get(sku, Decimal("0"))) for sku, qty in lines.items()]
    parcel = pack(priced, sizes, doc.default_package, doc.limits)
    goods = sum((price * qty for _, qty, price in priced), Decimal("0"))
    return doc, version, parcel, goods


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
    """Priced options to ship ``lines`` to ``cep``. Database first (short read), then the carriers."""
    ports = ports_of(container)
    digits = ceps.normalize(cep)
    address = await ports.addresses.lookup(digits)
    async with container.uow(tenant_id, read_only=True) as uow:
        doc, version, parcel, goods = await parcel_for(uow, ports, lines, prices)
    return await ports.engine.quote(
        tenant_id=tenant_id,
        version=version,
        doc=doc,
        destination_cep=digits,
        destination_state=address.state or ceps.uf_of(digits) or "",
        parcel=parcel,
        goods_total=goods if goods_total is None else goods_total,
        free_shipping_coupon=free_shipping_coupon,
        destination_city=address.city or "",
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
    """The option chosen at checkout, as quoted while it is valid for this CEP and parcel; expired or
    for another parcel, it is quoted again (same carrier and service) at today's price."""
    ports = ports_of(container)
    digits = ceps.normalize(cep)
    chosen, payload = ports.engine.open(option_id, tenant_id=tenant_id)
    async with container.uow(tenant_id, read_only=True) as uow:
        doc, _version, parcel, goods = await parcel_for(uow, ports, lines, prices)
    if payload["z"] != digits:
        raise ShippingOptionInvalid("the shipping option was quoted for another CEP", code="shipping_option_mismatch")
    state = ceps.uf_of(digits) or ""
    # quoted free by amount for goods this order does not reach (a buyer's list prices are lower than the
    # catalog's the public quote counted), or the reverse: priced again for the order's own goods
    by_amount = doc.free_shipping.free(
        state, chosen.carrier, chosen.service, goods_total=goods if goods_total is None else goods_total, coupon=False
    )

    def with_coupon_rule(o: ShippingOption) -> ShippingOption:  # the shop's one free-shipping rule
        rule = doc.free_shipping.free(state, o.carrier, o.service, goods_total=None, coupon=True)
        return replace(o, free_with_coupon=rule)

    if payload["f"] == parcel.fingerprint() and not ports.engine.expired(payload) and by_amount == chosen.free:
        return with_coupon_rule(chosen)
    fresh = await quote(
        container, tenant_id, digits, lines, goods_total=goods_total, free_shipping_coupon=free_shipping_coupon,
        prices=prices,
    )  # fmt: skip
    point = (chosen.pickup or {}).get("id")
    for o in fresh.options:
        if (o.carrier, o.service) == (chosen.carrier, chosen.service) and (o.pickup or {}).get("id") == point:
            return with_coupon_rule(o)
    raise ShippingOptionUnavailable(
        "the chosen shipping service is no longer offered; choose another",
        extra={"options": [o.as_dict() for o in fresh.options]},
    )
