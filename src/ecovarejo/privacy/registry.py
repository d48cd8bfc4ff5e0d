"""The personal-data registry: every context's declaration (:mod:`ecovarejo.core.personal_data`) in one view.

The composition root hands the declarations in (``container.personal_data``); the registry answers which
tables and columns are personal, renders them for the docs and the ROPA, and checks that every model
column that looks personal is classified.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ecovarejo.core.personal_data import (
    BASIS_ARTICLE,
    Erasure,
    PersonalData,
    PersonalTable,
)


@dataclass(frozen=True)
class Registry:
    declarations: tuple[PersonalData, ...]
    #: The platform's secret: the key of the pseudonyms some tables are keyed by (behaviour events), so
    #: the export finds the person's rows there too. None: those tables are left out.
    secret: str | None = field(default=None, repr=False)

    def tables(self) -> Iterator[tuple[str, PersonalTable]]:
        """(context, table declaration) for every declared table."""
        for d in self.declarations:
            for t in d.tables:
                yield d.context, t

    def table(self, name: str) -> PersonalTable | None:
        return next((t for _, t in self.tables() if t.table == name), None)

    def shared_with(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for d in self.declarations:
            out.update(d.shared_with)
        return out


def problems(declarations: Iterable[PersonalData], columns_of: dict[str, set[str]]) -> list[str]:
    """Mistakes in the declarations themselves: unknown tables/columns, kept fields without a law."""
    out: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for d in declarations:
        for t in d.tables:
            cols = columns_of.get(t.table)
            if cols is None:
                out.append(f"{d.context}: table {t.table!r} does not exist")
                continue
            for key in (t.subject, t.via[0] if t.via else None):
                if key is not None and key not in cols:
                    out.append(f"{d.context}: {t.table}.{key} (subject) does not exist")
            for f in t.fields:
                if f.column not in cols:
                    out.append(f"{d.context}: {t.table}.{f.column} does not exist")
                if f.erasure is Erasure.KEEP and not f.law:
                    out.append(f"{d.context}: {t.table}.{f.column} is kept on erasure without the law that requires it")
                other = seen.setdefault((t.table, f.column), d.context)
                if other != d.context:
                    out.append(f"{t.table}.{f.column} declared by both {other} and {d.context}")
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def fields_markdown(registry: Registry) -> str:
    """One Markdown table row per personal field (docs/privacy.md, the ROPA)."""
    lines = [
        "| context | table.column | category | legal basis | retention | export | erasure | at rest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for context, t in registry.tables():
        for f in t.fields:
            erasure = "rows deleted" if t.delete_rows else f.erasure.value
            if t.subject is None and t.via is None and f.erasure is not Erasure.KEEP:
                erasure = "the subject's values scrubbed; purged after retention"
            if f.erasure is Erasure.KEEP and not t.delete_rows:
                erasure = f"kept: {f.law}"
            lines.append(
                f"| {context} | `{t.table}.{f.column}` | {f.category.value} | {BASIS_ARTICLE[f.basis]} | "
                f"{_cell(f.retention)} | {'yes' if f.export else 'no'} | {_cell(erasure)} | "
                f"{'encrypted' if f.encrypted else ''} |"
            )
    return "\n".join(lines) + "\n"
