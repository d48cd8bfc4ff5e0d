from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fakes import serve
from .fakes.viacep import ViaCepFake


@pytest.fixture(scope="module")
def viacep_server() -> Iterator[tuple[ViaCepFake, str]]:
    fake = ViaCepFake()
    with serve(fake.app()) as url:  # type: ignore[arg-type]
        yield fake, url


@pytest.fixture
def viacep(viacep_server: tuple[ViaCepFake, str]) -> tuple[ViaCepFake, str]:
    fake, url = viacep_server
    fake.down, fake.delay, fake.calls = False, 0.0, 0
    return fake, url
