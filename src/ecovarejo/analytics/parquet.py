"""Columnar export of the facts: Parquet files partitioned by tenant and day, the layout Spark, Trino and
DuckDB read as one table (``<out>/<table>/tenant_id=<id>/day=<YYYY-MM-DD>/*.parquet``, hive style).

This is the scale-out path of docs/analytics.md: the operational database keeps the facts and the
reports; a shop that outgrows it exports (daily, or once) and queries the files with an existing engine.
Re-exporting a range replaces those days' files (idempotent). Also a single report as one Parquet file.

pyarrow is imported here only (an optional dependency, ``pip install ecovarejo[parquet]``).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput

from . import repository as repo
from .reports import Report


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - the dependency is optional
        raise InvalidInput(
            "Parquet needs pyarrow: pip install 'ecovarejo[parquet]'", code="parquet_unavailable"
        ) from exc
    return pa, pq


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


async def export_facts(
    container: Container,
    tenant_id: uuid.UUID,
    out: Path,
    start: date,
    end: date,
    *,
    progress: Callable[[str, int], None] | None = None,
    chunk_days: int = 31,
) -> dict[str, int]:
    """Write the tenant's facts of ``start``..``end`` (São Paulo days); returns the rows per table."""
    pa, pq = _pyarrow()
    written: dict[str, int] = {}
    for name in repo.FACT_TABLES:
        root = out / name / f"tenant_id={tenant_id}"
        total = 0
        day = start
        while day <= end:
            last = min(end, day + timedelta(days=chunk_days - 1))
            async with container.uow(tenant_id, read_only=True) as uow:
                columns, rows = await repo.fact_rows(uow, name, day, last)
            if rows:
                data = {c: [_plain(r[i]) for r in rows] for i, c in enumerate(columns)}
                table = pa.table(data)
                pq.write_to_dataset(
                    table, root_path=str(root), partition_cols=["day"], existing_data_behavior="delete_matching",
                    basename_template="part-{i}.parquet",
                )  # fmt: skip
            total += len(rows)
            if progress:
                progress(name, total)
            day = last + timedelta(days=1)
        written[name] = total
    return written


def report_parquet(r: Report) -> bytes:
    """One report's table as a Parquet file (columns as the report names them; money and kg as text,
    exact)."""
    pa, pq = _pyarrow()

    def cell(v: Any) -> Any:
        if isinstance(v, (date, datetime)):
            return v.isoformat()
        if isinstance(v, (bool, int, float, str)) or v is None:
            return v
        return str(v)

    names = [str(c) for c in r.columns]
    data = {n: [cell(row[i]) for row in r.rows] for i, n in enumerate(names)}
    buf = io.BytesIO()
    pq.write_table(pa.table(data), buf)
    return buf.getvalue()
