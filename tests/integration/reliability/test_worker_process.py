"""The worker and relay processes as Kubernetes runs them: their ops port answers /livez, /readyz and
/metrics, and SIGTERM ends them (the work in hand finished, nothing fetched after) with exit code 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import BROKER_URL, needs_nats
from tests.support import eventually


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # a busy loop on a loaded CI machine
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@needs_nats
@pytest.mark.parametrize("role", ["worker", "relay"])
def test_sigterm_stops_the_process_promptly_after_serving_its_ops_port(role: str, pg_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    env.update(
        ECOVAREJO_DATA_DIR=str(tmp_path / "var"),
        ECOVAREJO_LOG_LEVEL="WARNING",
        ECOVAREJO_DATABASE_URL=pg_url,
        ECOVAREJO_BROKER_URL=BROKER_URL,
        ECOVAREJO_BUS_NAMESPACE=f"t{uuid.uuid4().hex[:8]}",  # a stream of its own
        ECOVAREJO_SECRET_KEY="test-secret-key-not-for-production",
        ECOVAREJO_OPS_PORT=str(port),
    )
    args = [role, "--no-relay"] if role == "worker" else [role]
    proc = subprocess.Popen([sys.executable, "-m", "ecovarejo.cli", *args], env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:

        def ready() -> dict[str, object] | None:
            if proc.poll() is not None:
                raise RuntimeError(f"{role} exited early: {proc.returncode}")
            try:
                status, body = _get(f"{base}/readyz")
            except OSError:
                return None  # not listening yet
            return json.loads(body) if status == 200 else None

        # the subprocess imports the whole platform first: generous on a loaded CI machine
        readiness = _run(eventually(ready, timeout=90, message=f"{role} ready"))
        assert readiness["role"] == role
        assert readiness["checks"] == {"database": "ok", "bus": "ok", "consumers": "ok"}, readiness  # type: ignore[index]
        assert _get(f"{base}/livez")[0] == 200
        status, metrics = _get(f"{base}/metrics")
        assert status == 200
        text = metrics.decode()
        assert "ecovarejo_outbox_backlog" in text and "ecovarejo_consumer_up" in text
        if role == "worker":  # its consumers' loops (and the counters they move) are scraped here
            assert 'ecovarejo_consumer_up{task="nats-consumer:gateway.business-metrics:order-events"} 1.0' in text
            assert 'ecovarejo_consumer_up{task="outbox-relay"}' not in text
        else:
            assert 'ecovarejo_consumer_up{task="outbox-relay"} 1.0' in text

        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)  # the bound of the wait, not a speed claim
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read() if proc.stderr else ""
    assert code == 0, err
    assert f"{role} stopped in" in err
    print(f"{role}: SIGTERM to exit {took:.2f} s ({err.strip().splitlines()[-1]})")


def _run(awaitable):  # type: ignore[no-untyped-def]
    import asyncio

    return asyncio.run(awaitable)
