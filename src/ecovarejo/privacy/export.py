"""Access and portability (LGPD art. 18 II and V): everything the platform holds about a person, by walking
the personal-data registry, as a readable summary or a JSON + CSV archive."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from ecovarejo.core.personal_data import export_subject, plain
from ecovarejo.core.uow import UnitOfWork

from . import audit
from .registry import Registry


@dataclass(frozen=True)
class TableSummary:
    context: str
    table: str
    description: str
    rows: int
    categories: tuple[str, ...]
    legal_bases: tuple[str, ...]
    retention: tuple[str, ...]


async def collect(uow: UnitOfWork, registry: Registry, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Every exportable personal datum of the person, by table, across every context."""
    out: dict[str, list[dict[str, Any]]] = {}
    for declaration in registry.declarations:
        out.update(await export_subject(uow.session, declaration, user_id, secret=registry.secret))
    entries = await audit.recent(uow, subject_id=user_id, limit=1000)
    out["privacy_audit_log"] = [
        {"at": plain(e.at), "actor": e.actor, "action": e.action, "purpose": e.purpose} for e in entries
    ]
    return out


async def summary(uow: UnitOfWork, registry: Registry, user_id: uuid.UUID) -> list[TableSummary]:
    data = await collect(uow, registry, user_id)
    out = []
    for context, t in registry.tables():
        if t.table not in data:
            continue
        fields = [f for f in t.fields if f.export]
        out.append(
            TableSummary(
                context=context,
                table=t.table,
                description=t.description,
                rows=len(data[t.table]),
                categories=tuple(dict.fromkeys(f.category.value for f in fields)),
                legal_bases=tuple(dict.fromkeys(f.basis.value for f in fields)),
                retention=tuple(dict.fromkeys(f.retention for f in fields)),
            )
        )
    return out


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def archive(data: dict[str, list[dict[str, Any]]], *, subject_id: uuid.UUID, shared_with: dict[str, str]) -> bytes:
    """A zip with ``data.json`` (everything) and one CSV per table (spreadsheets)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        doc = {"subject_id": str(subject_id), "data": data, "shared_with": shared_with}
        z.writestr("data.json", json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        for table, rows in data.items():
            out = io.StringIO()
            columns = list(dict.fromkeys(k for row in rows for k in row))
            w = csv.DictWriter(out, fieldnames=columns)
            w.writeheader()
            for row in rows:
                w.writerow(
                    {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in row.items()}
                )
            z.writestr(f"{table}.csv", out.getvalue())
    return buf.getvalue()
