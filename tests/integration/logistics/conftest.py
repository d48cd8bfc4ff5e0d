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


from .fakes.correios import CorreiosFake  # noqa: E402
from .fakes.melhorenvio import TOKEN as ME_TOKEN  # noqa: E402
from .fakes.melhorenvio import MelhorEnvioFake  # noqa: E402


@pytest.fixture(scope="module")
def correios_server() -> Iterator[tuple[CorreiosFake, str]]:
    fake = CorreiosFake()
    with serve(fake.app()) as url:  # type: ignore[arg-type]
        yield fake, url


@pytest.fixture
def correios(correios_server: tuple[CorreiosFake, str]) -> tuple[CorreiosFake, str]:
    correios_server[0].reset()
    return correios_server


@pytest.fixture(scope="module")
def melhorenvio_server() -> Iterator[tuple[MelhorEnvioFake, str]]:
    fake = MelhorEnvioFake()
    with serve(fake.app()) as url:  # type: ignore[arg-type]
        yield fake, url


@pytest.fixture
def melhorenvio(melhorenvio_server: tuple[MelhorEnvioFake, str]) -> tuple[MelhorEnvioFake, str]:
    melhorenvio_server[0].reset()
    return melhorenvio_server


@pytest.fixture
def carrier_settings(viacep, correios, melhorenvio):
    from ecovarejo.logistics.settings import LogisticsSettings

    return LogisticsSettings(
        cep_provider="viacep",
        viacep_base=viacep[1],
        correios_api_base=correios[1],
        correios_user="loja",
        correios_access_code="codigo-de-acesso",
        correios_postcard="0067599079",
        correios_contract="9912208555",
        melhorenvio_api_base=melhorenvio[1],
        melhorenvio_token=ME_TOKEN,
        melhorenvio_webhook_secret="me-app-secret",
        carrier_timeout=1.0,
        breaker_failures=2,
        breaker_cooldown=3600,
    )


@pytest.fixture
async def shop(container, carrier_settings):
    from .shop import open_shop

    return await open_shop(container, carrier_settings)
