"""Fiscal tables: each tenant's tax settings, its products' fiscal data (NCM, CFOP, origin, CEST) and the
NF-e of its orders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, UTCDateTime, new_id


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


class Nfe(Base, TenantOwned, Timestamped):
    """An order's NF-e (model 55): one per order, its state at the provider and its documents.

    ``status``: ``queued`` (to send; ``next_attempt_at`` says when), ``processing`` (sent, SEFAZ deciding),
    ``authorized``, ``rejected`` (by the provider or SEFAZ: the order stays paid and this row is the flag),
    ``failed`` (gave up retrying an unreachable provider), ``denied`` (uso denegado), ``cancelled``,
    ``not_issued`` (the order was refunded before any note existed).
    """

    __tablename__ = "fiscal_nfe"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_id", name="uq_fiscal_nfe_tenant_order"),
        Index("ix_fiscal_nfe_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column()
    order_number: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[uuid.UUID] = mapped_column()
    #: Our reference at the provider (one per order and attempt series).
    ref: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(2), default="55")
    provider: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_code: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(Text)
    po_number: Mapped[str | None] = mapped_column(String(60))
    chave: Mapped[str | None] = mapped_column(String(44))
    number: Mapped[str | None] = mapped_column(String(9))
    series: Mapped[str | None] = mapped_column(String(3))
    protocol: Mapped[str | None] = mapped_column(String(20))
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    xml: Mapped[bytes | None] = mapped_column(LargeBinary)
    danfe: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: A full refund asked for the note's cancellation (done by the worker, within the 24 h window).
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_xml: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Correction letters (CC-e): how many, and the last one's text, XML and PDF (the last one is the one in force).
    cce_count: Mapped[int] = mapped_column(Integer, default=0)
    cce_text: Mapped[str | None] = mapped_column(Text)
    cce_xml: Mapped[bytes | None] = mapped_column(LargeBinary)
    cce_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
