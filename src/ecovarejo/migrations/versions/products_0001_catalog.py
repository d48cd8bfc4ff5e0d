"""Products context: categories, certification registry, products, variants, facets, certifications,
media, reviews, verified purchases, catalog versions; on PostgreSQL the search indexes (tsvector with
an accent-free Portuguese configuration, and trigrams).

Revision ID: products_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls, is_postgres

revision = "products_0001"
down_revision = None
branch_labels = ("products",)
depends_on = "core_0001"

TABLES = (
    "categories",
    "certifications",
    "products",
    "product_variants",
    "product_facets",
    "product_certifications",
    "product_media",
    "reviews",
    "product_purchases",
    "catalog_versions",
)


def _tenant(primary: bool = False) -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def _ts() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _tenant(),
        *_ts(),
        sa.PrimaryKeyConstraint("id", name="pk_categories"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name="fk_categories_parent_id_categories", ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("tenant_id", "slug", name="uq_categories_tenant_slug"),
    )
    op.create_index("ix_categories_parent_id", "categories", ["parent_id"])
    op.create_table(
        "certifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=False),
        _tenant(),
        *_ts(),
        sa.PrimaryKeyConstraint("id", name="pk_certifications"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_certifications_tenant_code"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("carbon_footprint_kg", sa.BigInteger(), nullable=True),
        sa.Column("recyclable", sa.Boolean(), nullable=False),
        sa.Column("biodegradable", sa.Boolean(), nullable=False),
        sa.Column("sustainability_score", sa.BigInteger(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("meta_title", sa.String(200), nullable=False),
        sa.Column("meta_description", sa.String(400), nullable=False),
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("featured", sa.Boolean(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("rating_avg", sa.BigInteger(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("image_url", sa.String(500), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        _tenant(),
        *_ts(),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name="fk_products_category_id_categories", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("tenant_id", "sku", name="uq_products_tenant_sku"),
        sa.UniqueConstraint("tenant_id", "slug", name="uq_products_tenant_slug"),
        sa.CheckConstraint("status IN ('draft', 'active', 'archived')", name="ck_products_status"),
        sa.CheckConstraint("price >= 0", name="ck_products_price_nonneg"),
    )
    for name, cols in (
        ("created", ["created_at", "id"]),
        ("price", ["price", "id"]),
        ("score", ["sustainability_score", "id"]),
        ("rating", ["rating_avg", "id"]),
    ):
        op.create_index(f"ix_products_tenant_status_{name}", "products", ["tenant_id", "status", *cols])
    op.create_index("ix_products_category_id", "products", ["category_id"])
    op.create_table(
        "product_variants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("color", sa.String(60), nullable=True),
        sa.Column("size", sa.String(30), nullable=True),
        sa.Column("price_override", sa.BigInteger(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        _tenant(),
        *_ts(),
        sa.PrimaryKeyConstraint("id", name="pk_product_variants"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_variants_product_id_products", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("tenant_id", "sku", name="uq_product_variants_tenant_sku"),
    )
    op.create_index("ix_product_variants_product_id", "product_variants", ["product_id"])
    op.create_table(
        "product_facets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(60), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_product_facets"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_facets_product_id_products", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("product_id", "kind", "value", name="uq_product_facets_product_kind_value"),
    )
    op.create_index("ix_product_facets_tenant_kind_value", "product_facets", ["tenant_id", "kind", "value"])
    op.create_table(
        "product_certifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("certification_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(60), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("expiring_notified", sa.Boolean(), nullable=False),
        sa.Column("expired_notified", sa.Boolean(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_product_certifications"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_certifications_product_id_products", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name="fk_product_certifications_certification_id_certifications",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("product_id", "certification_id", name="uq_product_certifications_product_cert"),
    )
    op.create_index("ix_product_certifications_expiry", "product_certifications", ["expiry"])
    op.create_index("ix_product_certifications_certification_id", "product_certifications", ["certification_id"])
    op.create_table(
        "product_media",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("alt", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("thumbnails", sa.JSON(), nullable=False),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product_media"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_media_product_id_products", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_product_media_product_id", "product_media", ["product_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.String(120), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("verified_purchase", sa.Boolean(), nullable=False),
        _tenant(),
        *_ts(),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_reviews_product_id_products", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("product_id", "user_id", name="uq_reviews_product_user"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating_range"),
    )
    op.create_index("ix_reviews_product_status_created", "reviews", ["product_id", "status", "created_at"])
    op.create_table(
        "product_purchases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product_purchases"),
        sa.UniqueConstraint("tenant_id", "user_id", "product_id", name="uq_product_purchases_user_product"),
    )
    op.create_table(
        "catalog_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_catalog_versions"),
    )
    for table in TABLES:
        if table != "catalog_versions":
            op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)
    if is_postgres():
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE TEXT SEARCH CONFIGURATION ecovarejo_pt (COPY = pg_catalog.portuguese)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION ecovarejo_pt "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem"
        )
        op.execute(
            "CREATE INDEX ix_products_search_fts ON products "
            "USING gin (to_tsvector('ecovarejo_pt'::regconfig, search_text))"
        )
        # Typo tolerance looks at the head of the document (the name comes first): short, cheap rechecks.
        op.execute("CREATE INDEX ix_products_search_trgm ON products USING gin ((left(search_text, 60)) gin_trgm_ops)")


def downgrade() -> None:
    if is_postgres():
        op.execute("DROP INDEX IF EXISTS ix_products_search_trgm")
        op.execute("DROP INDEX IF EXISTS ix_products_search_fts")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS ecovarejo_pt")
    else:
        # The FTS5 index is made at run time by the repository (see products/search.py).
        for t in ("products_fts_vocab", "products_fts"):
            op.execute(f"DROP TABLE IF EXISTS {t}")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
