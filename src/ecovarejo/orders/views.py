"""What the orders context shows of an order, field by field: the documents of ``GET /api/v1/orders``,
``GET /api/v1/orders/{id}``, the checkout's answer and the admin's order routes. Frozen views, never a
row. Amounts are decimal strings (``"209.80"``: money is never a float).

A view allows members it does not name (``extra="allow"``): a context that adds a field to the order's
document (a shipment, an invoice) does not break older clients, and the document says so."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Amount = str


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class OrderItemView(_View):
    product_id: str | None
    variant_id: str | None
    sku: str
    name: str
    quantity: int
    unit_price: Amount
    line_total: Amount
    carbon_footprint_kg: str = Field(description="kg CO2e of the line, a decimal string")
    certified: bool


class OrderSummaryView(_View):
    """An order as the lists show it (no history, no payments)."""

    id: str
    order_number: str
    po_number: str | None = None
    user_id: str | None = None
    status: str
    currency: str
    subtotal: Amount
    discount_amount: Amount
    loyalty_discount: Amount
    shipping_cost: Amount
    tax_amount: Amount
    tax_included: bool
    total_amount: Amount
    refunded_amount: Amount
    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    shipping_option: dict[str, Any] | None = None
    carbon_footprint: str = Field(description="kg CO2e of the order, a decimal string")
    sustainability_score: int
    eco_packaging: bool
    coupon_codes: list[str]
    carrier: str | None = None
    tracking_code: str | None = None
    tracking_url: str | None = None
    created_at: str
    updated_at: str
    items: list[OrderItemView]


class OrderHistoryView(_View):
    from_status: str | None
    to_status: str
    actor: str | None
    reason: str | None
    at: str


class OrderPaymentView(_View):
    """A payment of the order; a pending Pix or boleto adds its instructions (QR code, line, URLs)."""

    id: str
    gateway: str
    method: str
    card_last4: str | None = None
    status: str
    amount: Amount
    authorized_amount: Amount
    captured_amount: Amount
    refunded_amount: Amount


class OrderView(OrderSummaryView):
    """An order as its owner (or staff) sees it: with its status history and payments."""

    history: list[OrderHistoryView]
    payments: list[OrderPaymentView]


class OrderPage(BaseModel):
    items: list[OrderSummaryView]
    next_cursor: str | None


class CouponView(BaseModel):
    id: str
    code: str
    kind: str
    value: str
    description: str | None
    min_subtotal: str | None
    category_ids: list[str]
    certified_only: bool
    first_order_only: bool
    b2b_only: bool
    starts_at: str | None
    ends_at: str | None
    max_uses: int | None
    max_uses_per_customer: int | None
    used_count: int
    stackable: bool
    is_active: bool


class CouponPage(BaseModel):
    items: list[CouponView]
    next_cursor: str | None
