from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.payments_providers.fakes import serve

from .fakes.focusnfe import FocusNfeFake


@pytest.fixture(scope="module")
def focus_server() -> Iterator[tuple[FocusNfeFake, str]]:
    fake = FocusNfeFake()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def focus(focus_server: tuple[FocusNfeFake, str]) -> tuple[FocusNfeFake, str]:
    focus_server[0].reset()
    return focus_server
