"""The contexts' own settings are part of the one :class:`Settings` and injected at bootstrap (issue #14):
a container built with given settings uses them, whatever the environment says."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecovarejo.bootstrap import build_container, load_contexts
from ecovarejo.core.settings import Settings
from ecovarejo.gateway.config import GatewaySettings
from ecovarejo.gateway.middleware import Gateway
from ecovarejo.logistics.ports import LogisticsPorts
from ecovarejo.logistics.settings import LogisticsSettings
from ecovarejo.notifications.channels.email import SmtpChannel
from ecovarejo.notifications.runtime import runtime_of
from ecovarejo.notifications.settings import NotificationSettings
from ecovarejo.payments.settings import PaymentsSettings
from ecovarejo.payments.setup import settings_of
from ecovarejo.products import public as products
from ecovarejo.products.media import MediaSettings
from tests.conftest import make_settings


def _settings(tmp_path: Path) -> Settings:
    return make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", tmp_path)


async def test_a_container_built_with_given_settings_uses_them(tmp_path: Path, monkeypatch) -> None:
    # what the environment says loses to what the caller built
    monkeypatch.setenv("ECOVAREJO_MEDIA_MAX_BYTES", "999")
    monkeypatch.setenv("ECOVAREJO_GATEWAY_METRICS_TOKEN", "from-the-environment")
    notifications = NotificationSettings(
        smtp_url="smtp://127.0.0.1:2525", smtp_tls="none", mail_from="loja@eco.example"
    )
    gateway = GatewaySettings(metrics_token="given-token", rate_limits=False)
    media_settings = MediaSettings(max_bytes=1234)
    payments = PaymentsSettings(provider_order="mercadopago,stripe", psp_webhook_secret="given")
    logistics = LogisticsSettings(cep_provider="offline", carrier_timeout=1.5)
    settings = _settings(tmp_path).with_sections(notifications, gateway, media_settings, payments, logistics)

    container = build_container(settings, contexts=load_contexts(None), run_relay=False, run_consumers=False)
    try:
        assert container.ports.get(NotificationSettings) is notifications
        rt = runtime_of(container)
        assert rt.config is notifications
        assert isinstance(rt.channels.get("email"), SmtpChannel)
        assert rt.sender.endswith("loja@eco.example>") or rt.sender == "loja@eco.example"

        assert container.ports.get(Gateway).settings is gateway
        assert container.ports.get(Gateway).settings.metrics_token == "given-token"

        assert products.media_settings(container) is media_settings
        assert products.media_settings(container).max_bytes == 1234

        assert settings_of(container) is payments
        assert settings_of(container).order == ["mercadopago", "stripe"]

        assert container.ports.get(LogisticsPorts).settings is logistics
    finally:
        await container.db.dispose()


def test_a_section_is_read_from_the_environment_once_per_settings(monkeypatch) -> None:
    monkeypatch.setenv("ECOVAREJO_GATEWAY_METRICS_TOKEN", "first")
    settings = Settings()
    first = settings.section(GatewaySettings)
    monkeypatch.setenv("ECOVAREJO_GATEWAY_METRICS_TOKEN", "second")
    assert settings.section(GatewaySettings) is first and first.metrics_token == "first"
    assert Settings().section(GatewaySettings).metrics_token == "second"  # another Settings, another read


def test_with_sections_copies(tmp_path: Path) -> None:
    base = _settings(tmp_path)
    given = PaymentsSettings(provider_order="stripe")
    other = base.with_sections(given)
    assert other.section(PaymentsSettings) is given
    assert base.section(PaymentsSettings) is not given
    assert other.model_copy(update={"log_level": "ERROR"}).section(PaymentsSettings) is given


@pytest.mark.parametrize(
    "cls", [NotificationSettings, GatewaySettings, MediaSettings, PaymentsSettings, LogisticsSettings]
)
def test_contexts_declare_their_settings(cls: type) -> None:
    """Each settings class is declared by its context, so bootstrap injects it."""
    declared = {section for spec in load_contexts(None) for section in spec.settings}
    assert cls in declared


def test_no_context_reads_its_settings_from_the_environment_itself() -> None:
    """Only the kernel's :meth:`Settings.section` (and ``get_settings``) build settings from the
    environment; contexts get theirs injected (``container.ports.get(NotificationSettings)``)."""
    import ast

    import ecovarejo

    package = Path(ecovarejo.__file__).parent
    found = []
    for path in package.rglob("*.py"):
        if path == package / "core" / "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and not node.args and not node.keywords:
                name = ast.unparse(node.func).rpartition(".")[2]
                if name.endswith("Settings"):
                    found.append(f"{path.relative_to(package)}:{node.lineno} {ast.unparse(node)}")
    assert found == []
