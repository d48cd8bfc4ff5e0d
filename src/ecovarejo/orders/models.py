"""Orders (the seed's ``Order`` model, per tenant), their items and status history, and coupons."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.crypto import Encrypted, EncryptedJSON
from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow
from ecovarejo.core.money import MoneyCents


class Order(Base, TenantOwned, Timestamped):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_number", name="uq_orders_tenant_order_number"),
        Index("ix_orders_tenant_user", "tenant_id", "user_id"),
        Index("ix_orders_tenant_status", "tenant_id", "status"),
        CheckConstraint("total_amount >= 0", name="total_nonneg"),
        CheckConstraint("refunded_amount <= total_amount", name="refunded_le_total"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_number: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(50), default="pending")
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    # Money (exact; integer centavos in storage)
    subtotal: Mapped[Decimal] = mapped_column(MoneyCents)
    discount_amount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    loyalty_discount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    tax_amount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    tax_included: Mapped[bool] = mapped_column(Boolean, default=True)
    shipping_cost: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    total_amount: Mapped[Decimal] = mapped_column(MoneyCents)
    refunded_amount: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    # Addresses (structured; the seed's Text columns)
    # Encrypted at rest (core/crypto.py): a copy of the person's address (LGPD art. 46)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("orders.shipping_address"))
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("orders.billing_address"))
    shipping_state: Mapped[str] = mapped_column(String(2))
    #: The shipping option chosen at checkout as the logistics context confirmed it (carrier, service,
    #: price, days, kg CO2e).
    shipping_option: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Sustainability: kg CO2e with two decimals (stored as hundredths), score 0-100
    carbon_footprint: Mapped[Decimal] = mapped_column(MoneyCents)
    sustainability_score: Mapped[int] = mapped_column(Integer)
    eco_packaging: Mapped[bool] = mapped_column(Boolean, default=True)
    # Customer snapshot (encrypted at rest): the contact of a buyer the users context does not know
    email: Mapped[str | None] = mapped_column(Encrypted("orders.email"))
    first_name: Mapped[str | None] = mapped_column(Encrypted("orders.first_name"))
    locale: Mapped[str] = mapped_column(String(10), default="pt-BR")
    coupon_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    reservation_id: Mapped[uuid.UUID | None] = mapped_column()
    payment_id: Mapped[uuid.UUID | None] = mapped_column()
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_code: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    #: The buyer's purchase-order number (B2B), carried on the order, its invoice and its NF-e.
    po_number: Mapped[str | None] = mapped_column(String(60))


class OrderItem(Base, TenantOwned):
    __tablename__ = "order_items"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    variant_id: Mapped[uuid.UUID | None] = mapped_column()
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MoneyCents)
    line_total: Mapped[Decimal] = mapped_column(MoneyCents)
    carbon_footprint_kg: Mapped[Decimal] = mapped_column(MoneyCents)
    sustainability_score: Mapped[Decimal] = mapped_column(MoneyCents)
    certified: Mapped[bool] = mapped_column(Boolean, default=False)


class OrderStatusChange(Base, TenantOwned):
    """History of the state machine: who moved the order, when, and why."""

    __tablename__ = "order_status_history"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(50))
    to_status: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Coupon(Base, TenantOwned, Timestamped):
    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code", name="uq_coupons_tenant_code"),
        CheckConstraint("used_count >= 0", name="used_nonneg"),
        CheckConstraint("max_uses IS NULL OR used_count <= max_uses", name="used_le_max"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(300))
    #: percent | fixed | free_shipping
    kind: Mapped[str] = mapped_column(String(20))
    #: percent: the percentage (10.00 = 10 %); fixed: the amount in BRL; free_shipping: 0
    value: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    min_subtotal: Mapped[Decimal | None] = mapped_column(MoneyCents)
    category_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    certified_only: Mapped[bool] = mapped_column(Boolean, default=False)
    first_order_only: Mapped[bool] = mapped_column(Boolean, default=False)
    b2b_only: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_customer: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CouponRedemption(Base, TenantOwned):
    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "coupon_id", "order_id", name="uq_coupon_redemptions_tenant_coupon_order"),
        Index("ix_coupon_redemptions_coupon_user", "coupon_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    coupon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MoneyCents)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
