"""``ecovarejo users keys ...``: rotation from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecovarejo.cli import app
from ecovarejo.core.settings import get_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ECOVAREJO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ECOVAREJO_JWT_PRIVATE_KEY_FILE", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_rotate_and_retire(data_dir: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["users", "keys", "list"])
    assert first.exit_code == 0
    [(old, role)] = [line.split("\t") for line in first.stdout.strip().splitlines()]
    assert role == "signing"
    assert runner.invoke(app, ["users", "keys", "rotate"]).exit_code == 0
    rows = [line.split("\t") for line in runner.invoke(app, ["users", "keys", "list"]).stdout.strip().splitlines()]
    assert rows[1] == [old, "verify-only"] and rows[0][1] == "signing"
    # "--": a kid (base64url) may begin with "-", which would read as an option
    assert runner.invoke(app, ["users", "keys", "retire", "--", old]).exit_code == 0
    rows = runner.invoke(app, ["users", "keys", "list"]).stdout.strip().splitlines()
    assert len(rows) == 1 and old not in rows[0]
    assert (data_dir / "keys" / "jwt-signing.pem").exists()
