"""``ecovarejo ml train`` as a user runs it: each model's metric printed next to its baseline."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ecovarejo.bootstrap import build_container
from tests.conftest import make_settings
from tests.support import make_tenant

from . import history


@pytest.mark.timeout(900)  # trains every model
async def test_ml_train_prints_metric_next_to_baseline(sqlite_url, tmp_path) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        tid = await make_tenant(container, slug="loja-ml")
        await history.orders(container, tid, await history.catalog(container, tid))
    finally:
        await container.stop()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    env.update(ECOVAREJO_DATABASE_URL=sqlite_url, ECOVAREJO_DATA_DIR=str(tmp_path / "var"),
               ECOVAREJO_LOG_LEVEL="WARNING", COLUMNS="200",
               ECOVAREJO_SECRET_KEY=settings.secret_key)  # the same key that wrapped the data keys  # fmt: skip
    cmd = [sys.executable, "-m", "ecovarejo.cli", "ml", "train", "--tenant", "loja-ml"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "loja-ml · recommendations v1: score" in done.stderr and "vs baseline" in done.stderr
    assert "— promoted (score" in done.stderr, done.stderr
    assert "loja-ml · fraud v1: average_precision" in done.stderr and "not promoted (not enough data" in done.stderr
    assert "recommendations" in done.stdout and "yes" in done.stdout and "no" in done.stdout
    bad = subprocess.run([*cmd, "--model", "horoscope"], env=env, capture_output=True, text=True, timeout=600)
    assert bad.returncode != 0 and "unknown model" in bad.stderr
