"""Logistics context: shipping configuration per tenant, package sizes per SKU, shipments, tracking events.

Revision ID: logistics_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "logistics_0001"
down_revision = None
branch_labels = ("logistics",)
depends_on = "core_0001"

TABLES = ("shipping_configs", "shipping_packages", "shipments", "shipment_events")


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "shipping_configs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _tenant(),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_shipping_configs"),
        sa.UniqueConstraint("tenant_id", name="uq_shipping_configs_tenant_id"),
    )
    op.create_table(
        "shipping_packages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("length_cm", sa.Integer(), nullable=False),
        sa.Column("width_cm", sa.Integer(), nullable=False),
        sa.Column("height_cm", sa.Integer(), nullable=False),
        _tenant(),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_shipping_packages"),
        sa.UniqueConstraint("tenant_id", "sku", name="uq_shipping_packages_tenant_sku"),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("carrier", sa.String(40), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("service_name", sa.String(100), nullable=False),
        sa.Column("label_ref", sa.String(100), nullable=True),
        sa.Column("tracking_code", sa.String(100), nullable=True),
        sa.Column("tracking_url", sa.String(500), nullable=True),
        sa.Column("label_url", sa.String(500), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("co2e_g", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Integer(), nullable=False),
        sa.Column("origin_cep", sa.String(8), nullable=False),
        sa.Column("destination_cep", sa.String(8), nullable=False),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("packages", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("locale", sa.String(10), nullable=False),
        _tenant(),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
    )
    op.create_index("ix_shipments_tenant_order", "shipments", ["tenant_id", "order_id"])
    op.create_index("ix_shipments_carrier_ref", "shipments", ["carrier", "label_ref"])
    op.create_index("ix_shipments_tracking_code", "shipments", ["tracking_code"])
    op.create_table(
        "shipment_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_shipment_events"),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name="fk_shipment_events_shipment_id_shipments", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("shipment_id", "external_id", name="uq_shipment_events_shipment_external"),
    )
    op.create_index("ix_shipment_events_shipment_occurred", "shipment_events", ["shipment_id", "occurred_at"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
