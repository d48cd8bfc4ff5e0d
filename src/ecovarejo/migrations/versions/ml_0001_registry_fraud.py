"""ML: the model registry, fraud assessments (with the review queue) and per-tenant fraud thresholds.

Revision ID: ml_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "ml_0001"
down_revision = None
branch_labels = ("ml",)
depends_on = "core_0001"

TABLES = ("ml_models", "ml_fraud_assessments", "ml_fraud_policies")


def upgrade() -> None:
    op.create_table(
        "ml_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("baseline_metrics", sa.JSON(), nullable=False),
        sa.Column("data_from", UTCDateTime(), nullable=True),
        sa.Column("data_to", UTCDateTime(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("code_version", sa.String(40), nullable=False),
        sa.Column("promoted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("artifact", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ml_models"),
        sa.UniqueConstraint("tenant_id", "name", "version", name="uq_ml_models_version"),
    )
    op.create_index("ix_ml_models_tenant_id", "ml_models", ["tenant_id"])
    op.create_index("ix_ml_models_tenant_name", "ml_models", ["tenant_id", "name"])
    op.create_table(
        "ml_fraud_assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_number", sa.String(20), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("card_hash", sa.String(32), nullable=True),
        sa.Column("ip_hash", sa.String(32), nullable=True),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("review_status", sa.String(10), nullable=True),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("label", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ml_fraud_assessments"),
    )
    op.create_index("ix_ml_fraud_assessments_tenant_id", "ml_fraud_assessments", ["tenant_id"])
    op.create_index("ix_ml_fraud_tenant_review", "ml_fraud_assessments", ["tenant_id", "review_status"])
    op.create_index("ix_ml_fraud_tenant_user_at", "ml_fraud_assessments", ["tenant_id", "user_id", "created_at"])
    op.create_index("ix_ml_fraud_tenant_card_at", "ml_fraud_assessments", ["tenant_id", "card_hash", "created_at"])
    op.create_index("ix_ml_fraud_tenant_order", "ml_fraud_assessments", ["tenant_id", "order_id"])
    op.create_table(
        "ml_fraud_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hold_at", sa.Float(), nullable=False),
        sa.Column("decline_at", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ml_fraud_policies"),
        sa.UniqueConstraint("tenant_id", name="uq_ml_fraud_policies_tenant"),
    )
    op.create_index("ix_ml_fraud_policies_tenant_id", "ml_fraud_policies", ["tenant_id"])
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
