"""The personal-data map names real tables and columns of this context."""

from __future__ import annotations

from ecovarejo.core.db import Base
from ecovarejo.notifications import models  # noqa: F401 (registers the tables)
from ecovarejo.notifications.personal_data import PERSONAL_DATA, SUBJECT_KEY


def test_map_matches_the_models() -> None:
    for table, columns in PERSONAL_DATA.items():
        cols = Base.metadata.tables[table].c
        assert set(columns) <= set(cols.keys()), table
        assert SUBJECT_KEY[table] in cols
    mine = {t for t in Base.metadata.tables if t.startswith("notification_")}
    assert mine == set(PERSONAL_DATA)
