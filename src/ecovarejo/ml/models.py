"""The ml context's tables: the model registry and the fraud assessments (with their review queue)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, new_id, utcnow


class MlModel(Base, TenantOwned):
    """One trained model version: its metrics next to the baseline's from the same run, the data window,
    the code version and whether it was promoted (served). The artifact lives under DATA_DIR."""

    __tablename__ = "ml_models"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", "version", name="uq_ml_models_version"),
        Index("ix_ml_models_tenant_name", "tenant_id", "name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(40))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    baseline_metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data_from: Mapped[datetime | None] = mapped_column()
    data_to: Mapped[datetime | None] = mapped_column()
    samples: Mapped[int] = mapped_column(Integer, default=0)
    code_version: Mapped[str] = mapped_column(String(40))
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(300), default="")
    artifact: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FraudAssessment(Base, TenantOwned):
    """The fraud score of one checkout (with or without an order), its reasons and, when held, the
    staff review. Card fingerprints and IPs are kept only as salted hashes (LGPD: no IP stored)."""

    __tablename__ = "ml_fraud_assessments"
    __table_args__ = (
        Index("ix_ml_fraud_tenant_review", "tenant_id", "review_status"),
        Index("ix_ml_fraud_tenant_user_at", "tenant_id", "user_id", "created_at"),
        Index("ix_ml_fraud_tenant_card_at", "tenant_id", "card_hash", "created_at"),
        Index("ix_ml_fraud_tenant_order", "tenant_id", "order_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    order_number: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[uuid.UUID] = mapped_column()
    card_hash: Mapped[str | None] = mapped_column(String(32))
    ip_hash: Mapped[str | None] = mapped_column(String(32))
    total_cents: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_version: Mapped[int | None] = mapped_column(Integer)
    #: ``pending`` while held, then ``approved`` / ``rejected``; ``None`` when never held.
    review_status: Mapped[str | None] = mapped_column(String(10))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    #: Ground truth for training: 1 fraud (rejected by staff, chargeback), 0 legitimate, None unknown.
    label: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FraudPolicy(Base, TenantOwned):
    """Per-tenant thresholds on the 0-1 score: below ``hold_at`` approve, from ``decline_at`` decline."""

    __tablename__ = "ml_fraud_policies"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_ml_fraud_policies_tenant"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    hold_at: Mapped[float] = mapped_column(Float, default=0.6)
    decline_at: Mapped[float] = mapped_column(Float, default=0.9)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
