"""Alembic helpers that turn existing columns into encrypted ones (:mod:`ecovarejo.core.crypto`) and back.

``upgrade`` makes each column text and encrypts the values already there, inside the migration's
transaction (a failure rolls everything back), under a data key of the configured key-encryption key;
an empty table creates no key (the application does at its first write). A JSON column's stored text is
encrypted as it is (``EncryptedJSON`` reads it back as JSON); a JSON ``null`` becomes SQL NULL.
``downgrade`` decrypts and gives the columns their old types. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op

from . import crypto


@dataclass(frozen=True)
class Column:
    name: str
    #: The type before encryption (``sa.String(255)``, ``sa.JSON()``).
    old_type: Any
    nullable: bool = True

    @property
    def is_json(self) -> bool:
        return isinstance(self.old_type, sa.JSON)


def _ring(conn: sa.Connection, *, create: bool) -> crypto.Keyring:
    from .settings import get_settings

    settings = get_settings()
    ring = crypto.Keyring(crypto.Keks.from_settings(settings.data_kek, settings.load_secret_key()))
    ring.load_sync(conn, create=create)
    return ring


def _retype(table: str, columns: tuple[Column, ...], *, to_text: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table(table) as batch:
        for c in columns:
            extra: dict[str, Any] = {}
            if postgres and c.is_json:
                extra["postgresql_using"] = f"{c.name}::text" if to_text else f"{c.name}::json"
            batch.alter_column(
                c.name,
                type_=sa.Text() if to_text else c.old_type,
                existing_type=c.old_type if to_text else sa.Text(),
                existing_nullable=c.nullable,
                **extra,
            )


def _plain(table: str, columns: tuple[Column, ...]) -> sa.TableClause:
    return sa.table(table, sa.column("id", sa.Uuid()), *(sa.column(c.name, sa.Text()) for c in columns))


def encrypt(table: str, columns: tuple[Column, ...]) -> int:
    """Columns to text, existing values encrypted. Returns the values encrypted."""
    _retype(table, columns, to_text=True)
    conn = op.get_bind()
    t = _plain(table, columns)
    rows = conn.execute(sa.select(t).where(sa.or_(*(t.c[c.name].isnot(None) for c in columns)))).all()
    if not rows:
        return 0
    ring = _ring(conn, create=True)
    done = 0
    for row in rows:
        values: dict[str, Any] = {}
        for c in columns:
            value = row._mapping[c.name]
            if value is None or value.startswith(crypto.PREFIX):
                continue
            if c.is_json and value.strip() == "null":
                values[c.name] = None
                continue
            values[c.name] = ring.encrypt(value, f"{table}.{c.name}")
            done += 1
        if values:
            conn.execute(sa.update(t).where(t.c.id == row._mapping["id"]).values(values))
    return done


def decrypt(table: str, columns: tuple[Column, ...]) -> None:
    """Values back in clear (the keys must still be loadable), then the columns' old types."""
    conn = op.get_bind()
    t = _plain(table, columns)
    sealed = sa.or_(*(t.c[c.name].like(f"{crypto.PREFIX}%") for c in columns))
    rows = conn.execute(sa.select(t).where(sealed)).all()
    if rows:
        ring = _ring(conn, create=False)
        for row in rows:
            values = {
                c.name: ring.decrypt(v, f"{table}.{c.name}")
                for c in columns
                if (v := row._mapping[c.name]) is not None and v.startswith(crypto.PREFIX)
            }
            conn.execute(sa.update(t).where(t.c.id == row._mapping["id"]).values(values))
    _retype(table, columns, to_text=False)
