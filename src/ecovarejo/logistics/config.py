"""A tenant's shipping configuration: one validated document (origins, zones, table rates by weight band,
handling days, free-shipping rules, enabled carriers and services, package limits).

The embedded default reproduces the per-state table the platform had before (from R$ 14,90 in SP to
R$ 44,90 in the North up to 1 kg), so a shop that configures nothing keeps its prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import cep as ceps

STATES = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)  # fmt: skip
#: Services of the built-in table-rate carrier.
TABLE_SERVICES = ("standard", "express", "green")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _cep(value: str) -> str:
    try:
        return ceps.normalize(value)
    except ceps.InvalidCep as exc:
        raise ValueError(f"invalid CEP {value!r}: {exc.detail}") from exc


def _check_states(v: list[str]) -> list[str]:
    out = [s.strip().upper() for s in v]
    bad = [s for s in out if s not in STATES]
    if bad:
        raise ValueError(f"unknown states: {', '.join(bad)}")
    return out


def _check_ranges(v: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for a, b in v:
        lo, hi = _cep(a), _cep(b)
        if lo > hi:
            raise ValueError(f"CEP range {a}..{b} is reversed")
        out.append((lo, hi))
    return out


class Origin(_Strict):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    cep: str
    default: bool = False

    @field_validator("cep")
    @classmethod
    def _valid_cep(cls, v: str) -> str:
        return _cep(v)


class Zone(_Strict):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    states: list[str] = Field(default_factory=list)
    #: Inclusive CEP ranges ``[["01000000", "09999999"], ...]``; checked before states.
    cep_ranges: list[tuple[str, str]] = Field(default_factory=list)
    days_min: Annotated[int, Field(ge=0, le=90)] = 1
    days_max: Annotated[int, Field(ge=0, le=90)] = 5

    @field_validator("states")
    @classmethod
    def _states(cls, v: list[str]) -> list[str]:
        return _check_states(v)

    @field_validator("cep_ranges")
    @classmethod
    def _ranges(cls, v: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return _check_ranges(v)

    @model_validator(mode="after")
    def _days(self) -> Zone:
        if self.days_min > self.days_max:
            raise ValueError("days_min is above days_max")
        return self


class Rate(_Strict):
    zone: str
    service: str
    #: Upper bound of the weight band in grams (billable weight: the greater of real and cubic).
    max_weight_g: Annotated[int, Field(gt=0, le=1_000_000)]
    price: Annotated[Decimal, Field(ge=0, le=100_000, decimal_places=2)]

    @field_validator("service")
    @classmethod
    def _service(cls, v: str) -> str:
        if v not in TABLE_SERVICES:
            raise ValueError(f"service must be one of {', '.join(TABLE_SERVICES)}")
        return v


class FreeShipping(_Strict):
    #: Orders whose goods reach this amount ship free (``None``: never by amount).
    over: Annotated[Decimal, Field(ge=0, decimal_places=2)] | None = Decimal("299.00")
    #: Only to these states (empty: everywhere).
    states: list[str] = Field(default_factory=list)
    #: Which table services become free (the cheapest, by default).
    services: list[str] = Field(default_factory=lambda: ["standard", "green"])
    #: Whether a free-shipping coupon (orders' coupons) applies.
    coupons: bool = True

    def covers(self, state: str, carrier: str, service: str) -> bool:
        """Whether this rule can make an option free at all: a table-rate service it names, to a state
        it names (or everywhere)."""
        return carrier == "table_rate" and service in self.services and (not self.states or state in self.states)

    def free(self, state: str, carrier: str, service: str, *, goods_total: Decimal | None, coupon: bool) -> bool:
        """The one free-shipping rule of a shop, for a quoted option and for a checkout without one alike:
        covered (:meth:`covers`) and either the goods reach ``over`` or a free-shipping coupon is used
        and the shop lets coupons count (``coupons``)."""
        if not self.covers(state, carrier, service):
            return False
        by_amount = self.over is not None and goods_total is not None and goods_total >= self.over
        return by_amount or (coupon and self.coupons)


class Carriers(_Strict):
    table_rate: bool = True
    #: Correios services by their contract product code (``03298`` PAC, ``03220`` SEDEX); empty: off.
    correios: list[str] = Field(default_factory=list)
    #: Melhor Envio service ids (``1`` Correios PAC, ``2`` SEDEX, ``3`` Jadlog .Package, ...); empty: off.
    melhorenvio: list[int] = Field(default_factory=list)
    #: Melhor Envio services whose parcels the customer may collect at one of the carrier's agencies
    #: (listed by Melhor Envio's agencies API near the destination); empty: none.
    melhorenvio_pickup: list[int] = Field(default_factory=list)
    #: Correios services (contract product codes, among ``correios``) whose parcels the customer may
    #: collect at a Correios agency near the destination (listed by the Correios agencies API); empty: none.
    correios_pickup: list[str] = Field(default_factory=list)


PICKUP_KINDS = ("store", "locker")


class PickupPoint(_Strict):
    """One of the shop's own pickup locations ("retirar na loja", a locker): quoted when the destination
    CEP is within ``radius_km`` of it, in one of ``states`` or in one of ``cep_ranges``."""

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: str = "store"
    street: Annotated[str, Field(min_length=1, max_length=200)]
    number: Annotated[str, Field(max_length=20)] = ""
    district: Annotated[str, Field(max_length=100)] = ""
    city: Annotated[str, Field(min_length=1, max_length=100)]
    state: str
    cep: str
    #: Opening hours as shown to the customer ("Seg a sex 9h–18h; sáb 9h–13h").
    hours: Annotated[str, Field(max_length=200)] = ""
    #: Days after handling until the order is ready at the point.
    days: Annotated[int, Field(ge=0, le=30)] = 0
    price: Annotated[Decimal, Field(ge=0, le=100_000, decimal_places=2)] = Decimal("0.00")
    radius_km: Annotated[int, Field(ge=0, le=5000)] = 30
    states: list[str] = Field(default_factory=list)
    cep_ranges: list[tuple[str, str]] = Field(default_factory=list)
    enabled: bool = True

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in PICKUP_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PICKUP_KINDS)}")
        return v

    @field_validator("cep")
    @classmethod
    def _valid_cep(cls, v: str) -> str:
        return _cep(v)

    @field_validator("state")
    @classmethod
    def _state(cls, v: str) -> str:
        uf = v.strip().upper()
        if uf not in STATES:
            raise ValueError(f"unknown state: {v}")
        return uf

    @field_validator("states")
    @classmethod
    def _states(cls, v: list[str]) -> list[str]:
        return _check_states(v)

    @field_validator("cep_ranges")
    @classmethod
    def _ranges(cls, v: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return _check_ranges(v)

    def serves(self, digits: str, state: str) -> bool:
        if not self.enabled:
            return False
        if any(lo <= digits <= hi for lo, hi in self.cep_ranges) or state in self.states:
            return True
        return self.radius_km > 0 and ceps.distance_km(self.cep, digits) <= self.radius_km


class DefaultPackage(_Strict):
    """Used for SKUs without a package of their own."""

    weight_g: Annotated[int, Field(gt=0, le=100_000)] = 500
    length_cm: Annotated[int, Field(gt=0, le=200)] = 20
    width_cm: Annotated[int, Field(gt=0, le=200)] = 15
    height_cm: Annotated[int, Field(gt=0, le=200)] = 10


class Limits(_Strict):
    """A parcel beyond these is refused (Correios' national limits by default)."""

    max_weight_g: Annotated[int, Field(gt=0)] = 30_000
    max_side_cm: Annotated[int, Field(gt=0)] = 100
    max_sum_cm: Annotated[int, Field(gt=0)] = 200


class ShippingDocument(_Strict):
    origins: Annotated[list[Origin], Field(min_length=1, max_length=50)]
    zones: Annotated[list[Zone], Field(min_length=1, max_length=200)]
    rates: Annotated[list[Rate], Field(min_length=1, max_length=2000)]
    handling_days: Annotated[int, Field(ge=0, le=30)] = 1
    free_shipping: FreeShipping = FreeShipping()
    carriers: Carriers = Carriers()
    default_package: DefaultPackage = DefaultPackage()
    limits: Limits = Limits()
    #: Offer the slower, consolidated, lower-emission "green delivery" service.
    green_delivery: bool = True
    #: The shop's own pickup locations (stores, lockers).
    pickup_points: Annotated[list[PickupPoint], Field(max_length=100)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refs(self) -> ShippingDocument:
        codes = {z.code for z in self.zones}
        if len(codes) != len(self.zones):
            raise ValueError("zone codes repeat")
        missing = sorted({r.zone for r in self.rates} - codes)
        if missing:
            raise ValueError(f"rates name unknown zones: {', '.join(missing)}")
        if len({o.code for o in self.origins}) != len(self.origins):
            raise ValueError("origin codes repeat")
        if len({p.code for p in self.pickup_points}) != len(self.pickup_points):
            raise ValueError("pickup point codes repeat")
        return self

    @property
    def origin(self) -> Origin:
        return next((o for o in self.origins if o.default), self.origins[0])

    def zone_for(self, digits: str, state: str) -> Zone | None:
        for z in self.zones:
            if any(lo <= digits <= hi for lo, hi in z.cep_ranges):
                return z
        for z in self.zones:
            if state in z.states:
                return z
        return None


_REGIONS = {
    "SP": (["SP"], "14.90", 1, 3),
    "SE": (["RJ", "MG", "ES"], "19.90", 2, 5),
    "S": (["PR", "SC", "RS"], "24.90", 3, 6),
    "CO": (["DF", "GO", "MT", "MS"], "29.90", 4, 8),
    "NE": (["BA", "SE", "AL", "PE", "PB", "RN", "CE", "PI", "MA"], "34.90", 5, 10),
    "N": (["PA", "AM", "AP", "RR", "RO", "AC", "TO"], "44.90", 6, 12),
}
_NAMES = {"SP": "São Paulo", "SE": "Sudeste", "S": "Sul", "CO": "Centro-Oeste", "NE": "Nordeste", "N": "Norte"}


#: kg CO2e of a parcel's transport when only the destination state is known, per region (the estimate a
#: checkout that named no quoted option uses).
_REGION_CARBON = {"SP": "0.80", "SE": "1.20", "S": "1.60", "CO": "2.00", "NE": "2.60", "N": "3.40"}
_REGION_OF = {uf: code for code, (states, *_rest) in _REGIONS.items() for uf in states}


@dataclass(frozen=True)
class StateEstimate:
    """Shipping to a state when no option was quoted (no CEP, no parcel): the tenant's standard rate in
    the lightest band of the zone that serves the state, and its free-shipping rules as they apply to it."""

    state: str
    #: ``None``: no zone of the tenant's configuration serves the state.
    price: Decimal | None
    #: Transport kg CO2e of the parcel, the per-region estimate (no CEP, no carrier to compute it from).
    co2e_kg: Decimal
    #: Goods total from which this state's standard shipping is free (``None``: never by amount).
    free_over: Decimal | None
    #: Whether a free-shipping coupon makes it free.
    free_with_coupon: bool
    zone: str | None = None
    #: Billable weight (g) of the cart the price is for (``None``: no cart given, the lightest band).
    weight_g: int | None = None


def _state_reference_cep(state: str) -> str:
    """The first CEP of the state's range (its capital's), to match zones given by CEP ranges only."""
    return next(f"{lo:08d}" for lo, _hi, uf in ceps.uf_ranges() if uf == state)


def estimate_for_state(doc: ShippingDocument, state: str, weight_g: int = 0) -> StateEstimate:
    """What a checkout that names no quoted option pays to ``state`` under ``doc`` (see
    :class:`StateEstimate`): the standard rate of the band that holds the parcel's billable ``weight_g``
    (the greater of real and cubic, as the table-rate quote bills it); 0 (no parcel): the lightest band."""
    carbon = Decimal(_REGION_CARBON[_REGION_OF[state]])
    zone = next((z for z in doc.zones if state in z.states), None) or doc.zone_for(_state_reference_cep(state), state)
    weight = weight_g
    price: Decimal | None = None
    if zone is not None:
        bands = sorted(
            (r.max_weight_g, r.price)
            for r in doc.rates
            if r.zone == zone.code and r.service == "standard" and r.max_weight_g >= weight
        )
        price = bands[0][1] if bands else None
    free = doc.free_shipping
    return StateEstimate(
        state=state,
        price=price,
        co2e_kg=carbon,
        free_over=free.over if free.covers(state, "table_rate", "standard") else None,
        free_with_coupon=free.free(state, "table_rate", "standard", goods_total=None, coupon=True),
        zone=zone.code if zone is not None else None,
        weight_g=weight or None,
    )


def state_estimates() -> dict[str, tuple[Decimal, Decimal]]:
    """Per state: the embedded default's standard price up to 1 kg and a transport kg CO2e estimate, for
    a price that knows only the destination state (no CEP, no quoted option)."""
    out = {}
    for code, (states, base, _dmin, _dmax) in _REGIONS.items():
        for uf in states:
            out[uf] = (Decimal(base), Decimal(_REGION_CARBON[code]))
    return out


def default_document() -> ShippingDocument:
    zones, rates = [], []
    for code, (states, base, dmin, dmax) in _REGIONS.items():
        zones.append(Zone(code=code, name=_NAMES[code], states=states, days_min=dmin, days_max=dmax))
        price = Decimal(base)
        for kg, extra in ((1, "0"), (5, "10.00"), (10, "25.00"), (30, "60.00")):
            rates.append(Rate(zone=code, service="standard", max_weight_g=kg * 1000, price=price + Decimal(extra)))
            express = ((price + Decimal(extra)) * Decimal("1.8")).quantize(Decimal("0.01"))
            rates.append(Rate(zone=code, service="express", max_weight_g=kg * 1000, price=express))
    return ShippingDocument(
        origins=[Origin(code="CD-SP", name="Centro de distribuição São Paulo", cep="01310-100", default=True)],
        zones=zones,
        rates=rates,
    )
