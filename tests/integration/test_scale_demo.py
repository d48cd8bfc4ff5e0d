"""The scale-out run, reduced for CI: nginx with TLS 1.3 in front of 2 API processes, 2 workers and 2
relays over the real PostgreSQL/Redis/NATS; kill -9 of one of each mid-run; zero lost or duplicated
effects afterwards (bench/scale_demo.py proves it and exits 1 otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BROKER_URL, REDIS_URL, needs_nats, needs_pg, needs_redis

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [needs_pg, needs_redis, needs_nats]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_scale_out_survives_kill_9_with_no_lost_or_duplicated_effect(db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    cmd = [
        sys.executable, "-m", "bench.scale_demo", "--database-url", db_url, "--redis", REDIS_URL,
        "--nats", BROKER_URL, "--apis", "2", "--workers", "2", "--relays", "2", "--duration", "15",
        "--concurrency", "6", "--drain-timeout", "60",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "kill -9: api-0, worker-0, relay-0" in out
    assert "TLS: TLSv1.3 (TLS 1.2 refused)" in out
    assert "http -> 301 https://" in out  # nginx redirects HTTP
    assert "HSTS: max-age=63072000; includeSubDomains; preload" in out  # and sends HSTS over TLS 1.3
    assert "unpublished 0, not handled by a consumer that wants them: 0" in out
    assert "dead letters: 0" in out
    assert "OK: zero lost or duplicated effects after the kills" in out
