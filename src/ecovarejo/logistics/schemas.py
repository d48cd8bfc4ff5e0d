"""Request and response bodies of the logistics API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressOut(BaseModel):
    cep: str
    state: str
    city: str
    district: str
    street: str
    source: str
    complete: bool


class QuoteItem(_In):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=999, strict=True)] = 1


class QuoteIn(_In):
    cep: Annotated[str, Field(max_length=12)]
    items: Annotated[list[QuoteItem], Field(min_length=1, max_length=100)]


class OptionOut(BaseModel):
    id: str
    carrier: str
    service: str
    service_name: str
    company: str
    price: str
    original_price: str
    free: bool
    days_min: int
    days_max: int
    kind: str
    green: bool
    mode: str
    co2e_kg: str
    distance_km: int
    expires_at: str
    #: The pickup point (id, name, kind, street, number, district, city, state, cep, hours, company,
    #: phone) of a pickup option; null for delivery to the address.
    pickup: dict[str, str] | None = None
    #: Whether a free-shipping coupon frees this option under the shop's rule (the checkout charges R$ 0
    #: for it when the order carries such a coupon).
    free_with_coupon: bool = False


class QuoteOut(BaseModel):
    destination: dict[str, str]
    origin_cep: str
    package: dict[str, Any]
    options: list[OptionOut]
    degraded: list[str]


class PackageIn(_In):
    weight_g: Annotated[int, Field(gt=0, le=1_000_000, strict=True)]
    length_cm: Annotated[int, Field(gt=0, le=500, strict=True)]
    width_cm: Annotated[int, Field(gt=0, le=500, strict=True)]
    height_cm: Annotated[int, Field(gt=0, le=500, strict=True)]


class PackageOut(PackageIn):
    sku: str
    cubic_weight_g: int


class PackageList(BaseModel):
    items: list[PackageOut]
    next_cursor: str | None = None


class ConfigOut(BaseModel):
    version: int
    document: dict[str, Any]


class ShipItem(_In):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=999, strict=True)]


class ShipmentIn(_In):
    carrier: Annotated[str, Field(max_length=40)] | None = None
    service: Annotated[str, Field(max_length=40)] | None = None
    #: Empty: everything not yet shipped.
    items: Annotated[list[ShipItem], Field(max_length=100)] = Field(default_factory=list)


class TrackingIn(_In):
    status: Annotated[str, Field(max_length=30)]
    description: Annotated[str, Field(min_length=1, max_length=300)]
    location: Annotated[str, Field(max_length=200)] | None = None


class TrackingStepOut(BaseModel):
    status: str
    description: str
    location: str | None
    occurred_at: str


class CustomerShipmentOut(BaseModel):
    """A shipment as its customer sees it (no label, price or carrier error)."""

    id: str
    order_id: str
    order_number: str
    status: str
    carrier: str
    service: str
    service_name: str
    tracking_code: str | None
    tracking_url: str | None
    co2e_kg: str = Field(description="kg CO2e of the shipment, a decimal string")
    distance_km: int
    packages: list[dict[str, Any]]
    items: list[dict[str, Any]]
    created_at: str
    pickup: dict[str, Any] | None = Field(description="Where the customer collects the parcel; null: delivered home")
    timeline: list[TrackingStepOut]


class ShipmentOut(CustomerShipmentOut):
    """A shipment as staff see it."""

    label_url: str | None
    has_label_pdf: bool
    price: str
    error: str | None


class ShipmentList(BaseModel):
    items: list[ShipmentOut]


class CustomerShipmentList(BaseModel):
    items: list[CustomerShipmentOut]
