from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ecovarejo.core.container import Container


@pytest.fixture
async def web(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client: HTTPS (so Secure cookies round-trip), cookies kept, no redirects followed."""
    from ecovarejo.app import create_app

    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


from .helpers import csrf_from  # noqa: E402,F401  (re-exported for the tests)
