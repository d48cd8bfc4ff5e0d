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


@pytest.fixture
def payments_settings(tmp_path, stripe_fake, mp_fake, pagbank_fake):
    import base64
    import os

    from ecovarejo.payments.settings import PaymentsSettings

    key_file = tmp_path / "master.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    return PaymentsSettings(
        stripe_api_key="sk_test_local",
        stripe_publishable_key="pk_test_local",
        stripe_api_base=stripe_fake[1],
        stripe_webhook_secret="whsec_test",
        mercadopago_access_token="TEST-local",
        mercadopago_api_base=mp_fake[1],
        mercadopago_webhook_secret="mp-secret",
        pagseguro_token="pb-local",
        pagseguro_api_base=pagbank_fake[1],
        pagseguro_webhook_token="pb-webhook-token",
        provider_timeout=5.0,
        master_key_file=key_file,
    )


@pytest.fixture
async def wired(container, payments_settings):
    """The container with the providers layer installed against the fakes."""
    from ecovarejo.payments.setup import install_providers

    install_providers(container, payments_settings)
    return container
