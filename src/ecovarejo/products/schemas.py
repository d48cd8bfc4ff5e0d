"""Request and response shapes of the catalog (the seed's product document), and ``Sellable``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Status = Literal["draft", "active", "archived"]
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Kg = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
Slug = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


@dataclass(frozen=True)
class Sellable:
    """What other contexts (orders, web) need of one SKU; prices always come from here."""

    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    name: str
    slug: str
    unit_price: Decimal
    currency: str
    is_active: bool
    category_id: uuid.UUID | None
    category_path: list[uuid.UUID] = field(default_factory=list)
    certified: bool = False
    carbon_footprint_kg: Decimal = Decimal("0")
    sustainability_score: Decimal = Decimal("0")
    supplier_id: uuid.UUID | None = None
    image_url: str | None = None
    #: The unit cost, when the shop recorded it (for margins; never shown to buyers).
    unit_cost: Decimal | None = None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Attributes(Strict):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    material: str | None = Field(default=None, max_length=200)
    color: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=list, max_length=30)
    size: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(default_factory=list, max_length=30)
    care_instructions: str | None = Field(default=None, max_length=500)


class CertificationIn(Strict):
    #: The registry code (``GOTS``); unknown codes are added to the registry with ``issuer``.
    name: str = Field(min_length=1, max_length=60)
    level: str = Field(default="", max_length=60)
    #: The body that issued this product's certificate; kept as typed (never replaced by the registry's).
    issuer: str | None = Field(default=None, max_length=200)
    expiry: date | None = None
    #: A link to the certificate document (``https://``).
    document_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s]+$")


class VariantIn(Strict):
    sku: Sku
    name: str = Field(default="", max_length=200)
    color: str | None = Field(default=None, max_length=60)
    size: str | None = Field(default=None, max_length=30)
    price_override: Amount | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class ProductCreate(Strict):
    sku: Sku
    name: str = Field(min_length=1, max_length=200)
    price: Amount
    #: The unit cost (staff only): kept as it is by an update that does not send it.
    cost: Amount | None = None
    currency: str = Field(default="BRL", pattern=r"^[A-Z]{3}$")
    description: str = Field(default="", max_length=20000)
    category_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    status: Status = "active"
    carbon_footprint_kg: Kg | None = None
    recyclable: bool = Field(default=False, strict=True)
    biodegradable: bool = Field(default=False, strict=True)
    certifications: list[CertificationIn] = Field(default_factory=list, max_length=20)
    attributes: Attributes = Field(default_factory=Attributes)
    meta_title: str = Field(default="", max_length=200)
    meta_description: str = Field(default="", max_length=400)
    slug: Slug | None = None
    featured: bool = Field(default=False, strict=True)
    variants: list[VariantIn] = Field(default_factory=list, max_length=200)

    @field_validator("price", mode="before")
    @classmethod
    def _no_float(cls, v: Any) -> Any:
        # A JSON number is read exactly from its text; refuse Python floats handed in by code.
        if isinstance(v, float):
            return Decimal(str(v))
        return v


class MediaOrder(Strict):
    """The gallery's new order (every image of the product, first = main) and, optionally, new alt texts."""

    order: list[uuid.UUID] = Field(min_length=1, max_length=200)
    alt: dict[uuid.UUID, Annotated[str, Field(max_length=300)]] = Field(default_factory=dict)


class BulkProducts(Strict):
    """One change applied to many products at once (all or none): a status and/or a category."""

    ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    status: Status | None = None
    category_id: uuid.UUID | None = None


class BulkResult(BaseModel):
    changed: int


class ProductPatch(Strict):
    sku: Sku | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    price: Amount | None = None
    cost: Amount | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    description: str | None = Field(default=None, max_length=20000)
    category_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    status: Status | None = None
    carbon_footprint_kg: Kg | None = None
    recyclable: bool | None = Field(default=None, strict=True)
    biodegradable: bool | None = Field(default=None, strict=True)
    certifications: list[CertificationIn] | None = Field(default=None, max_length=20)
    attributes: Attributes | None = None
    meta_title: str | None = Field(default=None, max_length=200)
    meta_description: str | None = Field(default=None, max_length=400)
    slug: Slug | None = None
    featured: bool | None = Field(default=None, strict=True)
    variants: list[VariantIn] | None = Field(default=None, max_length=200)


class Money(BaseModel):
    amount: Decimal
    currency: str


class CategoryRef(BaseModel):
    id: uuid.UUID
    slug: str
    name: str


class CertificationOut(BaseModel):
    name: str
    code: str
    level: str
    #: The issuer typed for this product's certificate, else the registry's.
    issuer: str
    expiry: date | None
    status: str
    document_url: str = ""


class Sustainability(BaseModel):
    certifications: list[CertificationOut]
    carbon_footprint: Decimal | None
    carbon_footprint_unit: str = "kg CO2e"
    recyclable: bool
    biodegradable: bool
    sustainability_score: Decimal


class MediaOut(BaseModel):
    id: uuid.UUID
    type: str
    url: str
    alt: str
    order: int
    content_type: str
    width: int
    height: int
    thumbnails: dict[str, str]


class PriceBreakOut(BaseModel):
    min_qty: int
    max_qty: int | None
    amount: Decimal
    rule: str


class ListPriceOut(BaseModel):
    """A signed-in company buyer's price list price (absent for consumers and visitors): the unit price
    at the smallest quantity it may buy (``moq``) with the rule that won, and the quantity breaks."""

    amount: Decimal
    currency: str
    rule: str
    price_list: str
    moq: int
    multiple: int
    breaks: list[PriceBreakOut]


class VariantOut(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    color: str | None
    size: str | None
    price: Money
    price_override: Decimal | None
    attributes: dict[str, Any]
    in_stock: bool
    list_price: ListPriceOut | None = Field(default=None, exclude=True)  # a company buyer's only


class Seo(BaseModel):
    meta_title: str
    meta_description: str
    slug: str


class Rating(BaseModel):
    average: Decimal
    count: int


class ProductOut(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    slug: str
    description: str
    category: CategoryRef | None
    subcategory: str | None
    category_path: list[CategoryRef]
    price: Money
    sustainability: Sustainability
    media: list[MediaOut]
    attributes: dict[str, Any]
    seo: Seo
    status: str
    featured: bool
    in_stock: bool
    supplier_id: uuid.UUID | None
    variants: list[VariantOut]
    rating: Rating
    image_url: str | None
    created_at: datetime
    updated_at: datetime
    list_price: ListPriceOut | None = Field(default=None, exclude=True)  # a company buyer's only


class ProductSummary(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    slug: str
    category: CategoryRef | None
    price: Money
    sustainability_score: Decimal
    carbon_footprint: Decimal | None
    recyclable: bool
    biodegradable: bool
    certified: bool
    certifications: list[str]
    image_url: str | None
    rating: Rating
    in_stock: bool
    status: str
    created_at: datetime
    list_price: ListPriceOut | None = Field(default=None, exclude=True)  # a company buyer's only


class CategoryIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    description: str = Field(default="", max_length=2000)
    position: int = Field(default=0, ge=0, le=100000, strict=True)


class CategoryPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    description: str | None = Field(default=None, max_length=2000)
    position: int | None = Field(default=None, ge=0, le=100000, strict=True)


class CategoryOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    parent_id: uuid.UUID | None
    position: int
    children: list[CategoryOut] = Field(default_factory=list)


class CertificationSchemeIn(Strict):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    issuer: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    weight: Annotated[Decimal, Field(ge=0, le=4, decimal_places=1)] = Decimal("1.5")


class CertificationSchemeOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    issuer: str
    description: str
    weight: Decimal


class ReviewIn(Strict):
    rating: int = Field(ge=1, le=5, strict=True)
    title: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=5000)
    author_name: str = Field(default="", max_length=120)


class ReviewModeration(Strict):
    status: Literal["visible", "hidden"]


class ReviewOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    user_id: uuid.UUID
    author_name: str
    rating: int
    title: str
    body: str
    status: str
    verified_purchase: bool
    created_at: datetime


class ScoreComponent(BaseModel):
    key: str
    label: str
    points: Decimal
    max_points: Decimal
    detail: str


class ScoreExplanation(BaseModel):
    product_id: uuid.UUID
    sku: str
    score: Decimal
    max_score: Decimal
    components: list[ScoreComponent]
    formula: str


class ProductPage(BaseModel):
    """A page of the catalog listing (``GET /api/v1/products``); ``facets`` when asked for."""

    items: list[ProductSummary]
    next_cursor: str | None
    facets: dict[str, list[dict[str, Any]]] | None = None


class RatingOut(BaseModel):
    average: str = Field(description="Average rating, a decimal string")
    count: int


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    next_cursor: str | None
    rating: RatingOut


class CategorySuggestionOut(BaseModel):
    line: int
    sku: str
    category: str
    category_name: str
    confidence: float
    applied: bool


class ImportResult(BaseModel):
    created: int
    updated: int
    rows: int
    suggestions: list[CategorySuggestionOut]
