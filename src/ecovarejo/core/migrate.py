"""Alembic, driven from code (``ecovarejo migrate``), and helpers the migrations share.

Each context keeps its own branch of revisions (``branch_labels=("users",)``, depending on the
kernel's first revision), so contexts add migrations without colliding; ``upgrade heads`` applies all.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, op
from alembic.config import Config

from .settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
APP_ROLE_DEFAULT = "ecovarejo_app"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(settings: Settings, revision: str = "heads") -> None:
    if not settings.database_url:
        settings.ensure_data_dir()
    command.upgrade(alembic_config(settings.effective_database_url), revision)


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings.effective_database_url), revision)


def app_role() -> str:
    from .settings import get_settings

    return get_settings().db_app_role or APP_ROLE_DEFAULT


def is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def tenant_rls_sql(table: str, role: str) -> list[str]:
    """Row-level security for a tenant-owned table on PostgreSQL.

    The policy compares ``tenant_id`` with the transaction's ``app.tenant_id``; with no tenant set,
    the restricted role sees nothing. Rows of another tenant can neither be read nor written. The
    owner (migrations, the relay, platform jobs) keeps full access; tenant work runs as ``role``.
    """
    check = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({check}) WITH CHECK ({check})",
        f"CREATE POLICY owner_access ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)",
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"',
    ]


def enable_tenant_rls(table: str) -> None:
    """Apply :func:`tenant_rls_sql` in a migration (a no-op on SQLite)."""
    if not is_postgres():
        return
    for stmt in tenant_rls_sql(table, app_role()):
        op.execute(stmt)


def disable_tenant_rls(table: str) -> None:
    if not is_postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"DROP POLICY IF EXISTS owner_access ON {table}")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
