"""Fiscal tables: each tenant's tax settings and its products' fiscal data (NCM, CFOP, origin, CEST)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id


class TaxSettings(Base, TenantOwned, Timestamped):
    """One per tenant: the validated settings document (:class:`.schemas.TaxSettingsIn`); ``version``
    grows with each change."""

    __tablename__ = "fiscal_tax_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_fiscal_tax_settings_tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ProductFiscal(Base, TenantOwned, Timestamped):
    """A SKU's fiscal classification, as the NF-e needs it."""

    __tablename__ = "fiscal_products"
    __table_args__ = (UniqueConstraint("tenant_id", "sku", name="uq_fiscal_products_tenant_sku"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sku: Mapped[str] = mapped_column(String(64))
    ncm: Mapped[str] = mapped_column(String(8))
    cfop: Mapped[str | None] = mapped_column(String(4))
    origin: Mapped[int] = mapped_column(Integer, default=0)
    cest: Mapped[str | None] = mapped_column(String(7))
