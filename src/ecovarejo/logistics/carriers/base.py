"""The carrier port and the values that cross it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ecovarejo.core.errors import DomainError

from ..config import Origin, ShippingDocument
from ..packaging import Parcel

#: Normalised tracking statuses (every carrier's codes map onto these).
TRACKING_STATUSES = (
    "posted",
    "in_transit",
    "out_for_delivery",
    "ready_for_pickup",
    "delivered",
    "failed_delivery",
    "returned_to_sender",
    "cancelled",
)


class CarrierError(DomainError):
    """A carrier refused or failed a label/cancel/track call (quotes degrade instead of raising)."""

    status = 502
    code = "carrier_error"
    title = "Carrier error"


class CarrierUnavailable(CarrierError):
    status = 503
    code = "carrier_unavailable"
    title = "Carrier unavailable"


@dataclass(frozen=True)
class QuoteRequest:
    origin: Origin
    destination_cep: str
    destination_state: str
    parcel: Parcel
    document: ShippingDocument
    distance_km: float
    #: The destination's city when the CEP service knew it ("" offline): agencies are listed by city.
    destination_city: str = ""


@dataclass(frozen=True)
class PickupSpot:
    """Where the customer collects the parcel: one of the shop's own points or a carrier's agency."""

    id: str
    name: str
    kind: str
    street: str
    number: str
    district: str
    city: str
    state: str
    cep: str
    hours: str = ""
    company: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class CarrierOption:
    carrier: str
    service: str
    service_name: str
    price: Decimal
    days_min: int
    days_max: int
    #: standard | express | green: drives the transport mode of the emissions estimate.
    kind: str = "standard"
    company: str = ""
    pickup: bool = False
    #: The pickup point of a pickup option (``pickup`` is then true).
    point: PickupSpot | None = None


@dataclass(frozen=True)
class Party:
    name: str
    cep: str
    street: str = ""
    number: str = ""
    complement: str = ""
    district: str = ""
    city: str = ""
    state: str = ""
    phone: str = ""
    email: str = ""
    document: str = ""


@dataclass(frozen=True)
class LabelRequest:
    reference: str
    service: str
    sender: Party
    recipient: Party
    parcel: Parcel
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Label:
    label_ref: str
    tracking_code: str | None
    price: Decimal | None = None
    label_url: str | None = None
    label_pdf: bytes | None = None
    tracking_url: str | None = None


@dataclass(frozen=True)
class TrackingUpdate:
    external_id: str
    status: str
    description: str
    occurred_at: datetime
    location: str | None = None


class Carrier(Protocol):
    name: str

    async def quote(self, req: QuoteRequest) -> list[CarrierOption]: ...

    async def buy_label(self, req: LabelRequest) -> Label: ...

    async def cancel_label(self, label_ref: str) -> None: ...

    async def track(self, label_ref: str, tracking_code: str | None) -> list[TrackingUpdate]: ...
