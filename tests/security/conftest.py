"""The security regression suite: every reproduction of issue #12, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecovarejo.core.settings import Settings
from tests.conftest import make_settings

SERVICES = "users,products,inventory,orders,payments,notifications,graphql"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, services=SERVICES)
