"""Request bodies of the orders API, and the documents of its responses that the OpenAPI document names."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .pricing import STATES


class CartItemIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1000, strict=True)  # false/"2" -> 422


class CartQuantityIn(BaseModel):
    quantity: int = Field(ge=0, le=1000, strict=True)


class CouponCodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)


class Address(BaseModel):
    recipient: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200)
    number: str = Field(min_length=1, max_length=20)
    complement: str | None = Field(default=None, max_length=100)
    district: str | None = Field(default=None, max_length=100)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=2)
    postal_code: str = Field(pattern=r"^\d{5}-?\d{3}$")

    @field_validator("state")
    @classmethod
    def _uf(cls, v: str) -> str:
        v = v.upper()
        if v not in STATES:
            raise ValueError("not a Brazilian state (UF)")
        return v


def looks_like_pan(value: str) -> bool:
    """A typed card number (12-19 digits, spaces and dashes allowed), which the API never accepts."""
    digits = value.replace(" ", "").replace("-", "").replace(".", "")
    return digits.isdigit() and 12 <= len(digits) <= 19


class PaymentIn(BaseModel):
    #: ``invoice``: invoiced terms (faturado) for a company approved for them (docs/b2b.md).
    method: str = Field(default="card", pattern=r"^(card|pix|boleto|invoice)$")
    #: A token from the provider's browser tokenization (``pm_…``, a Mercado Pago card token, PagBank's
    #: encrypted card, the sandbox's ``tok_…``) or a vaulted card (``vtok_…``); never a card number.
    #: Pix and boleto need none: the order waits for the payment's confirmation.
    source: str = Field(default="", max_length=4096)
    #: Interest-free instalments chosen at checkout (from the tenant's plan, ``GET /api/v1/payments/installments``).
    installments: int = Field(default=1, ge=1, le=12, strict=True)

    @field_validator("source")
    @classmethod
    def _never_a_pan(cls, v: str) -> str:
        if looks_like_pan(v):
            raise PydanticCustomError(
                "card_number_not_accepted",
                "card numbers are not accepted: send the token of the provider's card form or a vaulted card",
            )
        return v

    @model_validator(mode="after")
    def _card_needs_source(self) -> PaymentIn:
        if self.method == "card" and not self.source.strip():
            raise ValueError("a card payment needs a source (card token)")
        if self.method != "card" and self.installments != 1:
            raise ValueError("only card payments are split in instalments")
        return self


class CheckoutIn(BaseModel):
    shipping_address: Address
    billing_address: Address | None = None
    payment: PaymentIn
    eco_packaging: bool = Field(default=True, strict=True)
    notes: str | None = Field(default=None, max_length=1000)
    #: The buyer's purchase-order number (B2B).
    po_number: str | None = Field(default=None, max_length=60, pattern=r"^[0-9A-Za-z./_\- ]*$")
    #: "Buy now": these lines instead of the cart's (still priced from the catalog).
    items: list[CartItemIn] | None = Field(default=None, max_length=50)
    #: Buy an accepted B2B quote: its lines at its prices instead of the cart's (coupons do not apply).
    quote_id: uuid.UUID | None = None
    coupons: list[str] | None = Field(default=None, max_length=3)
    #: Eco-loyalty points to spend on this order (100 points = R$ 5,00; at most the goods' value).
    loyalty_points: int = Field(default=0, ge=0, le=1_000_000, strict=True)
    #: A shipping option id from ``POST /api/v1/shipping/quotes`` (price, service, days and kg CO2e).
    shipping_option: str | None = Field(default=None, max_length=4000)


class ReasonIn(BaseModel):
    reason: str = Field(default="", max_length=500)


class StatusIn(BaseModel):
    status: str = Field(min_length=1, max_length=50)
    reason: str | None = Field(default=None, max_length=500)
    carrier: str | None = Field(default=None, max_length=60)
    tracking_code: str | None = Field(default=None, max_length=100)
    tracking_url: str | None = Field(default=None, max_length=500, pattern=r"^https://")


class RefundIn(BaseModel):
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    reason: str = Field(min_length=1, max_length=500)


class CouponIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    kind: str = Field(pattern=r"^(percent|fixed|free_shipping)$")
    value: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    description: str | None = Field(default=None, max_length=300)
    min_subtotal: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    category_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    certified_only: bool = Field(default=False, strict=True)
    first_order_only: bool = Field(default=False, strict=True)
    b2b_only: bool = Field(default=False, strict=True)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = Field(default=None, ge=1, strict=True)
    max_uses_per_customer: int | None = Field(default=None, ge=1, strict=True)
    stackable: bool = Field(default=False, strict=True)


class CouponPatch(BaseModel):
    """An edit of a coupon: only the fields sent change (the code and the kind never do)."""

    model_config = ConfigDict(extra="forbid")
    value: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    description: str | None = Field(default=None, max_length=300)
    min_subtotal: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    certified_only: bool | None = Field(default=None, strict=True)
    first_order_only: bool | None = Field(default=None, strict=True)
    b2b_only: bool | None = Field(default=None, strict=True)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = Field(default=None, ge=1, strict=True)
    max_uses_per_customer: int | None = Field(default=None, ge=1, strict=True)
    stackable: bool | None = Field(default=None, strict=True)
    is_active: bool | None = Field(default=None, strict=True)


class CartOut(BaseModel):
    """The cart as ``/api/v1/cart`` answers it: priced lines, coupons, what blocks checkout, totals."""

    model_config = ConfigDict(extra="allow")

    items: list[dict[str, Any]]
    coupons: list[str]
    problems: list[Any]
    summary: dict[str, Any]
    #: The guest cart's id (also in ``X-Cart-ID``); ``null`` for a signed-in customer's cart.
    cart_id: str | None = None
