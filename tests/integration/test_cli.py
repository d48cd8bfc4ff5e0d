"""The ``ecovarejo`` command as a user runs it: real processes, real HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ecovarejo import __version__
from ecovarejo.bootstrap import build_container
from ecovarejo.cli import app
from ecovarejo.core.models import OutboxEvent, Tenant
from tests.conftest import BROKER_URL, make_settings, needs_nats
from tests.support import eventually, make_tenant

runner = CliRunner()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    env.update({"ECOVAREJO_DATA_DIR": str(tmp_path / "var"), "ECOVAREJO_LOG_LEVEL": "WARNING"}, **extra)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0 and __version__ in result.stdout


@pytest.mark.timeout(1200)  # two subprocess seeds on a loaded machine
def test_migrate_and_seed_demo_on_embedded_default(tmp_path: Path) -> None:
    env = _env(tmp_path)
    # seeding twice is harmless. A tenth of the year of order history: the full year costs ~23 s of CPU
    # per run (three quarters of it writing the analytics history) and proves nothing more about the commands;
    # the full-size seed is timed by bench/bench_seed.py and trained on in docs/ml.md
    seed = ["seed-demo", "--history-scale", "0.1"]
    for args in (["migrate"], seed, seed):
        proc = subprocess.run([sys.executable, "-m", "ecovarejo.cli", *args], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "var" / "ecovarejo.db").exists()

    async def tenants() -> set[str]:
        c = build_container(make_settings("", tmp_path, data_dir=tmp_path / "var"), contexts=[])
        async with c.db.system_session() as s:
            slugs = set((await s.scalars(select(Tenant.slug))).all())
        await c.db.dispose()
        return slugs

    assert {"default", "demo"} <= asyncio.run(tenants())


def test_serve_answers_over_http(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-m", "ecovarejo.cli", "migrate"], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecovarejo.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        body = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.2)
        assert b'"database":"ok"' in body
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


@needs_nats
@pytest.mark.parametrize("backend", ["postgres"])
async def test_relay_process_publishes_committed_events(settings, backend, tmp_path: Path) -> None:
    settings.embedded_workers = False
    c = build_container(settings, contexts=[])
    await c.start()
    tenant = await make_tenant(c)
    async with c.uow(tenant) as uow:
        uow.emit("order-events", "order.placed", {"n": 1})
        await uow.commit()
    env = _env(tmp_path, ECOVAREJO_DATABASE_URL=settings.database_url, ECOVAREJO_BROKER_URL=BROKER_URL)
    proc = subprocess.Popen([sys.executable, "-m", "ecovarejo.cli", "relay"], env=env, stderr=subprocess.PIPE)
    try:

        async def unpublished() -> int:
            async with c.db.system_session() as s:
                return int(
                    await s.scalar(
                        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                    )
                    or 0
                )

        # The subprocess imports the whole platform before its first batch: generous on a loaded machine.
        await eventually(lambda: unpublished_is_zero(unpublished), timeout=90, message="relay published the outbox")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        await c.stop()
    assert proc.returncode == 0


async def unpublished_is_zero(count: Callable[[], Awaitable[int]]) -> bool:
    return await count() == 0


def test_worker_starts_and_stops_cleanly(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-m", "ecovarejo.cli", "migrate"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecovarejo.cli", "worker"], env=env, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    while line and "worker" not in line:
        line = proc.stderr.readline()
    assert "relay=on" in line
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=90) == 0  # generous: a loaded CI machine, not a speed claim
