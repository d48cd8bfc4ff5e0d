from types import SimpleNamespace

import pytest

from ecovarejo.core.ports import Ports
from ecovarejo.core.settings import Settings
from ecovarejo.payments.gateway import PaymentGateway
from ecovarejo.payments.sandbox import SandboxGateway
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import Providers, install_providers


def test_production_scale_out_needs_a_master_key_file(tmp_path) -> None:
    core = Settings(env="production", database_url="postgresql+asyncpg://db/x", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="MASTER_KEY_FILE"):
        install_providers(SimpleNamespace(settings=core, ports=Ports()), PaymentsSettings())


def test_embedded_mode_without_providers_keeps_the_sandbox(tmp_path) -> None:
    ports = Ports()
    sandbox = ports.provide(PaymentGateway, SandboxGateway())
    install_providers(SimpleNamespace(settings=Settings(data_dir=tmp_path), ports=ports), PaymentsSettings())
    assert ports.get(PaymentGateway) is sandbox and ports.get(Providers) == {}
    assert (tmp_path / "payments-master.key").exists()
