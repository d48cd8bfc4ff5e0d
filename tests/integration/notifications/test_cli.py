"""``ecovarejo notifications ...`` as an operator runs it, against a real SMTP server."""

from __future__ import annotations

import base64

from typer.testing import CliRunner

from ecovarejo.cli import app
from ecovarejo.core.settings import get_settings

runner = CliRunner()


def _env(nsettings, **extra) -> dict[str, str]:
    return {
        "ECOVAREJO_DATABASE_URL": nsettings.database_url,
        "ECOVAREJO_DATA_DIR": str(nsettings.data_dir),
        "ECOVAREJO_SECRET_KEY": "cli-secret",
        "ECOVAREJO_LOG_LEVEL": "WARNING",
        **extra,
    }


def test_send_test_email_through_smtp(smtp_server, nsettings, monkeypatch) -> None:
    for k, v in _env(nsettings, ECOVAREJO_SMTP_URL=smtp_server.url, ECOVAREJO_SMTP_TLS="none").items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["notifications", "send-test", "ops@example.com", "--locale", "en"])
        assert result.exit_code == 0, result.output
        [mail] = smtp_server.handler.messages
        assert mail["To"] == "ops@example.com" and mail["Subject"] == "Test message from EcoVarejo"
        assert mail["Content-Language"] == "en"

        smtp_server.handler.fail_times = 10**6
        smtp_server.handler.fail_code = "550 5.7.1 Relaying denied"
        result = runner.invoke(app, ["notifications", "send-test", "ops@example.com"])
        assert result.exit_code == 1 and "dead" in result.output and "550" in result.output
    finally:
        get_settings.cache_clear()


def test_vapid_public_key_and_dispatch(nsettings, monkeypatch) -> None:
    for k, v in _env(nsettings).items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["notifications", "vapid-public-key"])
        assert result.exit_code == 0
        key = result.stdout.strip()
        assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) == 65
        assert runner.invoke(app, ["notifications", "vapid-public-key"]).stdout.strip() == key  # kept in DATA_DIR
        result = runner.invoke(app, ["notifications", "dispatch"])
        assert result.exit_code == 0 and "0 message(s)" in result.output
    finally:
        get_settings.cache_clear()
