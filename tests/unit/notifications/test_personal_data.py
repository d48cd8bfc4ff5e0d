"""The personal-data declaration names real tables and columns of this context, and all of its tables."""

from __future__ import annotations

from ecovarejo.core.db import Base
from ecovarejo.notifications import models  # noqa: F401 (registers the tables)
from ecovarejo.notifications.personal_data import DECLARATION


def test_map_matches_the_models() -> None:
    for decl in DECLARATION.tables:
        cols = Base.metadata.tables[decl.table].c
        assert {f.column for f in decl.fields} <= set(cols.keys()), decl.table
        assert decl.subject in cols
    mine = {t for t in Base.metadata.tables if t.startswith("notification_")}
    assert mine == {t.table for t in DECLARATION.tables}
