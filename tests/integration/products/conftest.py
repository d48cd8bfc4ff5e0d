"""Serve only what the catalog's tests exercise (the users context verifies tokens)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecovarejo.core.settings import Settings
from tests.conftest import make_settings
from tests.support import eventually

SERVICES = "users,products"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, services=SERVICES)


@pytest.fixture(autouse=True)
async def _settle_outbox(container):
    """Let the relay publish what a test committed before the container stops: stopping it in the
    middle of an in-process delivery on SQLite can leave that delivery's write lock behind."""
    yield
    await settle(container)


async def settle(container, timeout: float = 30.0) -> None:
    """Every event written so far is published (the in-process bus delivers before marking it)."""
    from sqlalchemy import func, select

    from ecovarejo.core.models import OutboxEvent

    async def published() -> bool:
        async with container.db.system_session() as s:
            q = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            return not await s.scalar(q)

    await eventually(published, timeout, message="events left unpublished")
