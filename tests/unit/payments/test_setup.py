from types import SimpleNamespace

import pytest

from ecovarejo.core.settings import Settings
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import install_providers


def test_production_scale_out_needs_a_master_key_file(tmp_path) -> None:
    core = Settings(env="production", database_url="postgresql+asyncpg://db/x", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="MASTER_KEY_FILE"):
        install_providers(SimpleNamespace(settings=core, ports={}), PaymentsSettings())


def test_embedded_mode_without_providers_keeps_the_sandbox(tmp_path) -> None:
    ports: dict = {"payment_gateway": "sandbox"}
    install_providers(SimpleNamespace(settings=Settings(data_dir=tmp_path), ports=ports), PaymentsSettings())
    assert ports["payment_gateway"] == "sandbox" and ports["payment_providers"] == {}
    assert (tmp_path / "payments-master.key").exists()
