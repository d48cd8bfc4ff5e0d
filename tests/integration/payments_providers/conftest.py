from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fakes import serve
from .fakes.mercadopago_api import MercadoPagoFake
from .fakes.pagbank_api import PagBankFake
from .fakes.stripe_api import StripeFake


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[tuple[StripeFake, str]]:
    fake = StripeFake()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def stripe_fake(stripe_server: tuple[StripeFake, str]) -> tuple[StripeFake, str]:
    fake, url = stripe_server
    fake.fail_next = 0
    fake.delay_after_charge = fake.delay_before_charge = 0.0
    fake.requests.clear()
    return fake, url


@pytest.fixture(scope="module")
def mp_server() -> Iterator[tuple[MercadoPagoFake, str]]:
    fake = MercadoPagoFake()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def mp_fake(mp_server: tuple[MercadoPagoFake, str]) -> tuple[MercadoPagoFake, str]:
    fake, url = mp_server
    fake.fail_next = 0
    fake.delay_after_charge = fake.delay_before_charge = 0.0
    fake.requests.clear()
    return fake, url


@pytest.fixture(scope="module")
def pagbank_server() -> Iterator[tuple[PagBankFake, str]]:
    fake = PagBankFake()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def pagbank_fake(pagbank_server: tuple[PagBankFake, str]) -> tuple[PagBankFake, str]:
    fake, url = pagbank_server
    fake.fail_next = 0
    fake.delay_after_charge = fake.delay_before_charge = 0.0
    fake.requests.clear()
    return fake, url
