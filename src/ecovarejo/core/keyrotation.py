"""The rotation of the data keys of :mod:`ecovarejo.core.crypto`: a new current key when due, keys
re-wrapped under the current KEK, rows re-encrypted in batches (each its own transaction, resumable), old
keys retired once unused. The privacy context runs it as a daily job (``privacy.key-rotation``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, func, select, type_coerce, update
from sqlalchemy.engine import Connection

from .crypto import (
    _KEYS,
    ACTIVE,
    DATA,
    PREFIX,
    RETIRED,
    ROTATION_DAYS,
    Keyring,
    _aware,
    _known,
    encrypted_columns,
    unwrap,
    using,
    wrap,
)


@dataclass
class RotationReport:
    current: int | None
    new_key: bool = False
    rewrapped: int = 0
    reencrypted: int = 0
    remaining: int = 0
    retired: list[int] = field(default_factory=list)
    by_column: dict[str, int] = field(default_factory=dict)


def prepare_sync(
    conn: Connection, ring: Keyring, *, now: datetime, every_days: float = ROTATION_DAYS, force_new_key: bool = False
) -> RotationReport:
    """The rotation's first step (one transaction): a new current data key when the current one is
    ``every_days`` old (or ``force_new_key``), and every key re-wrapped under the current KEK."""
    table = _KEYS
    with using(ring):
        ring.load_sync(conn, create=True)  # on PostgreSQL under the creators' lock
        report = RotationReport(current=ring.current)
        current_row = conn.execute(select(table).where(table.c.id == ring.current)).one()
        if force_new_key or _aware(current_row.created_at) <= now - timedelta(days=every_days):
            live = {r[0] for r in conn.execute(select(table.c.id)).all()}
            new_id = ring._insert(conn, DATA, live, now)
            conn.execute(
                update(table)
                .where(table.c.purpose == DATA, table.c.id != new_id, table.c.superseded_at.is_(None))
                .values(superseded_at=now)
            )
            ring.load_sync(conn, create=False)
            report.current, report.new_key = ring.current, True
        for r in conn.execute(select(table).where(table.c.status == ACTIVE, table.c.kek_id != ring.keks.current)):
            if r.wrapped is None:
                continue
            material = unwrap(ring.keks, r.id, r.purpose, r.wrapped)
            conn.execute(
                update(table)
                .where(table.c.id == r.id)
                .values(wrapped=wrap(ring.keks, r.id, r.purpose, material), kek_id=ring.keks.current)
            )
            report.rewrapped += 1
    return report


def _raw(column: Any) -> Any:
    """The column as stored (a pattern compared with it must not be encrypted as a value)."""
    return type_coerce(column, Text())


def _stale(column: Any, current: int | None) -> Any:
    return column.isnot(None) & ~_raw(column).like(f"{PREFIX}{current}:%")


def reencrypt_batch_sync(conn: Connection, ring: Keyring, *, batch: int = 500) -> dict[str, int]:
    """Re-encrypt up to ``batch`` rows per encrypted column that are not under the current key (older
    keys, or values written before encryption), rows locked; one transaction. Returns rows by column."""
    done: dict[str, int] = {}
    with using(ring):
        for t, column in encrypted_columns():
            index = column.type.index
            q = select(t.c.id, column, t.c.tenant_id).where(_stale(column, ring.current)).order_by(t.c.id).limit(batch)
            if conn.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            rows = conn.execute(q).all()
            for row_id, value, tenant_id in rows:
                values = {column.name: value}
                if index:
                    values[index] = ring.blind_index(tenant_id, value)
                conn.execute(update(t).where(t.c.id == row_id).values(values))
            if rows:
                done[f"{t.name}.{column.name}"] = len(rows)
    return done


def finish_sync(
    conn: Connection, ring: Keyring, report: RotationReport, *, now: datetime, retire_grace: timedelta | None = None
) -> RotationReport:
    """Record the progress on the current key; retire old data keys nothing uses any more, once every
    process has had ``retire_grace`` (two keyring reloads) to stop encrypting under them."""
    table = _KEYS
    report.remaining = sum(
        conn.execute(select(func.count()).select_from(t).where(_stale(column, ring.current))).scalar_one()
        for t, column in encrypted_columns()
    )
    conn.execute(
        update(table)
        .where(table.c.id == ring.current)
        .values(
            reencrypted=table.c.reencrypted + report.reencrypted,
            remaining=report.remaining,
            rotation_finished_at=now if report.remaining == 0 else None,
        )
    )
    if report.remaining:
        return report
    grace = timedelta(seconds=2 * ring.ttl) if retire_grace is None else retire_grace
    old = conn.execute(
        select(table.c.id).where(
            table.c.purpose == DATA,
            table.c.status == ACTIVE,
            table.c.id != ring.current,
            table.c.superseded_at <= now - grace,
        )
    ).all()
    for (key_id,) in old:
        if _still_used(conn, key_id):
            continue
        conn.execute(update(table).where(table.c.id == key_id).values(status=RETIRED, wrapped=None, retired_at=now))
        ring.data.pop(key_id, None)
        _known.pop(key_id, None)
        report.retired.append(key_id)
    return report


async def rotate(
    db: Any,
    *,
    now: datetime,
    every_days: float = ROTATION_DAYS,
    force_new_key: bool = False,
    batch: int = 500,
    max_batches: int | None = None,
    retire_grace: timedelta | None = None,
) -> RotationReport:
    """One run of the rotation job over ``db`` (a Database with a keyring): prepare, re-encrypt batch by
    batch (each its own transaction, so a run stopped half-way keeps what it did and the next continues),
    then record the progress and retire what is unused."""
    ring: Keyring = db.keyring
    async with db.engine.begin() as conn:
        report = await conn.run_sync(
            lambda c: prepare_sync(c, ring, now=now, every_days=every_days, force_new_key=force_new_key)
        )
    batches = 0
    while max_batches is None or batches < max_batches:
        async with db.engine.begin() as conn:
            done = await conn.run_sync(lambda c: reencrypt_batch_sync(c, ring, batch=batch))
        batches += 1
        for name, count in done.items():
            report.by_column[name] = report.by_column.get(name, 0) + count
            report.reencrypted += count
        if not done:
            break
    async with db.engine.begin() as conn:
        finished: RotationReport = await conn.run_sync(
            lambda c: finish_sync(c, ring, report, now=now, retire_grace=retire_grace)
        )
    return finished


def _still_used(conn: Connection, key_id: int) -> bool:
    for t, column in encrypted_columns():
        if conn.execute(select(t.c.id).where(_raw(column).like(f"{PREFIX}{key_id}:%")).limit(1)).first():
            return True
    return False


def status_sync(conn: Connection) -> list[dict[str, Any]]:
    """The key table without key material (``ecovarejo privacy keys status``)."""
    t = _KEYS
    rows = conn.execute(select(t).order_by(t.c.created_at)).all()
    return [
        {
            "id": r.id,
            "purpose": r.purpose,
            "status": r.status,
            "kek_id": r.kek_id,
            "created_at": _aware(r.created_at).isoformat(),
            "superseded_at": r.superseded_at and _aware(r.superseded_at).isoformat(),
            "retired_at": r.retired_at and _aware(r.retired_at).isoformat(),
            "reencrypted": r.reencrypted,
            "remaining": r.remaining,
        }
        for r in rows
    ]
