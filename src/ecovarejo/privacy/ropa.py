"""The record of processing operations (LGPD art. 37), generated from the personal-data registry."""

from __future__ import annotations

import csv
import io

from ecovarejo.core.db import utcnow
from ecovarejo.core.personal_data import BASIS_ARTICLE, Erasure

from .registry import Registry
from .schemas import RopaFieldOut, RopaOut, RopaTableOut


def build(registry: Registry, controller: str) -> RopaOut:
    ops = []
    for context, t in registry.tables():
        fields = [
            RopaFieldOut(
                column=f.column,
                category=f.category.value,
                legal_basis=BASIS_ARTICLE[f.basis],
                retention=f.retention,
                exported=f.export,
                erasure="rows deleted" if t.delete_rows else f.erasure.value,
                law=f.law if f.erasure is Erasure.KEEP else None,
                purpose=f.purpose,
            )
            for f in t.fields
        ]
        ops.append(RopaTableOut(context=context, table=t.table, description=t.description, fields=fields))
    return RopaOut(controller=controller, generated_at=utcnow(), operations=ops, shared_with=registry.shared_with())


COLUMNS = ("context", "table", "column", "category", "basis", "retention", "exported", "erasure", "law", "purpose")


def to_csv(ropa: RopaOut) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        ["context", "table", "column", "category", "legal_basis", "retention", "exported", "erasure", "law", "purpose"]
    )
    for op in ropa.operations:
        for f in op.fields:
            w.writerow(
                [
                    op.context,
                    op.table,
                    f.column,
                    f.category,
                    f.legal_basis,
                    f.retention,
                    f.exported,
                    f.erasure,
                    f.law or "",
                    f.purpose,
                ]
            )
    return out.getvalue()
