"""The catalog: products as the seed's document, in relational tables.

Exact numbers never pass through ``float``: money is :class:`MoneyCents`; the carbon footprint
(kg CO2e, 3 places), the sustainability score (0–10, 1 place) and the rating average (2 places) are
stored as scaled integers by :class:`Scaled`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow
from ecovarejo.core.money import MoneyCents


class Scaled(TypeDecorator[Decimal]):
    """A ``Decimal`` with ``places`` decimal places stored as an integer (exact on both databases)."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self.factor = Decimal(10) ** places

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * self.factor).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / self.factor).quantize(Decimal(1).scaleb(-self.places))


class Category(Base, TenantOwned, Timestamped):
    """A node of the category tree (``parent_id``); a subcategory is a child category."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("tenant_id", "slug", name="uq_categories_tenant_slug"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Certification(Base, TenantOwned, Timestamped):
    """The registry of certification schemes (GOTS, FSC, Fairtrade...) and who issues them."""

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_certifications_tenant_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    #: Upper-case short name (``GOTS``); the key products refer to.
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Weight of the scheme in the sustainability score (points for one valid certificate).
    weight: Mapped[Decimal] = mapped_column(Scaled(1), default=Decimal("1.0"))


class Product(Base, TenantOwned, Timestamped):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sku", name="uq_products_tenant_sku"),
        UniqueConstraint("tenant_id", "slug", name="uq_products_tenant_slug"),
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status"),
        CheckConstraint("price >= 0", name="price_nonneg"),
        Index("ix_products_tenant_status_created", "tenant_id", "status", "created_at", "id"),
        Index("ix_products_tenant_status_price", "tenant_id", "status", "price", "id"),
        Index("ix_products_tenant_status_score", "tenant_id", "status", "sustainability_score", "id"),
        Index("ix_products_tenant_status_rating", "tenant_id", "status", "rating_avg", "id"),
        Index("ix_products_category_id", "category_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    supplier_id: Mapped[uuid.UUID | None] = mapped_column()
    price: Mapped[Decimal] = mapped_column(MoneyCents)
    #: What one unit costs the shop (staff only; the price suggestions' margin floor). Never shown to buyers.
    cost: Mapped[Decimal | None] = mapped_column(MoneyCents)
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    carbon_footprint_kg: Mapped[Decimal | None] = mapped_column(Scaled(3))
    recyclable: Mapped[bool] = mapped_column(default=False)
    biodegradable: Mapped[bool] = mapped_column(default=False)
    sustainability_score: Mapped[Decimal] = mapped_column(Scaled(1), default=Decimal("0.0"))
    #: material, color (list), size (list), care_instructions, and any further attribute.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    meta_title: Mapped[str] = mapped_column(String(200), default="")
    meta_description: Mapped[str] = mapped_column(String(400), default="")
    slug: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="active")
    featured: Mapped[bool] = mapped_column(default=False)
    in_stock: Mapped[bool] = mapped_column(default=True)
    rating_avg: Mapped[Decimal] = mapped_column(Scaled(2), default=Decimal("0.00"))
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    image_url: Mapped[str | None] = mapped_column(String(500))
    #: Lower-case, accent-free text the search indexes (name, description, category, attributes...).
    search_text: Mapped[str] = mapped_column(Text, default="")


class ProductVariant(Base, TenantOwned, Timestamped):
    __tablename__ = "product_variants"
    __table_args__ = (UniqueConstraint("tenant_id", "sku", name="uq_product_variants_tenant_sku"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    color: Mapped[str | None] = mapped_column(String(60))
    size: Mapped[str | None] = mapped_column(String(30))
    price_override: Mapped[Decimal | None] = mapped_column(MoneyCents)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    in_stock: Mapped[bool] = mapped_column(default=True)


class ProductFacet(Base, TenantOwned):
    """One (kind, value) of a product, e.g. (color, Branco): filtered and counted the same way on both
    databases, without JSON operators."""

    __tablename__ = "product_facets"
    __table_args__ = (
        UniqueConstraint("product_id", "kind", "value", name="uq_product_facets_product_kind_value"),
        Index("ix_product_facets_tenant_kind_value", "tenant_id", "kind", "value"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(60))


class ProductCertification(Base, TenantOwned):
    __tablename__ = "product_certifications"
    __table_args__ = (
        UniqueConstraint("product_id", "certification_id", name="uq_product_certifications_product_cert"),
        Index("ix_product_certifications_expiry", "expiry"),
        Index("ix_product_certifications_certification_id", "certification_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    certification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certifications.id", ondelete="RESTRICT"))
    level: Mapped[str] = mapped_column(String(60), default="")
    expiry: Mapped[date | None] = mapped_column(Date)
    #: The body that issued this product's certificate, as typed (empty: the registry's issuer).
    issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: A link to the certificate document (the issuer's public registry or a PDF); empty when none.
    document_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: valid | expired (set by the daily job; a past expiry is never counted even before it runs).
    status: Mapped[str] = mapped_column(String(10), default="valid")
    expiring_notified: Mapped[bool] = mapped_column(default=False)
    expired_notified: Mapped[bool] = mapped_column(default=False)


class ProductMedia(Base, TenantOwned):
    __tablename__ = "product_media"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="image")
    key: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    alt: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=1)
    content_type: Mapped[str] = mapped_column(String(60))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    #: ``{"160": url, "480": url, ...}`` WebP thumbnails by width.
    thumbnails: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base, TenantOwned, Timestamped):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("product_id", "user_id", name="uq_reviews_product_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_reviews_product_status_created", "product_id", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    author_name: Mapped[str] = mapped_column(String(120), default="")
    rating: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    #: visible | hidden (moderation)
    status: Mapped[str] = mapped_column(String(10), default="visible")
    verified_purchase: Mapped[bool] = mapped_column(default=False)


class VerifiedPurchase(Base, TenantOwned):
    """That a user received a product (from ``order.delivered``), so their review is "verified"."""

    __tablename__ = "product_purchases"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "product_id", name="uq_product_purchases_user_product"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CatalogVersion(Base, TenantOwned):
    """One counter per tenant, bumped in the same transaction as any catalog change: cache keys carry
    it, so no reader is served an entry older than a committed change."""

    __tablename__ = "catalog_versions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Random per database: keys of two databases (a restore, a test run) never meet in a shared Redis.
    epoch: Mapped[str] = mapped_column(String(32))
