"""Schemathesis against the running app (a real uvicorn process, the options ``ecovarejo serve`` uses):
the main routes, a few generated requests each, and not one server error. Bounded for CI time
(``ECOVAREJO_FUZZ_EXAMPLES`` per operation, default 3)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("ECOVAREJO_FUZZ_EXAMPLES", "3"))
MAIN_ROUTES = r"^/api/v1/(products|categories|cart|orders|payments|users|auth|notifications|shipping)"


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory, databases) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path_factory.mktemp("fuzz")
    env = {**os.environ, "ECOVAREJO_DATABASE_URL": databases.sqlite(), "ECOVAREJO_DATA_DIR": str(data),
           "ECOVAREJO_ENV": "test", "ECOVAREJO_SECRET_KEY": "fuzz-secret-key-not-for-production-0123456789",
           "ECOVAREJO_LOG_LEVEL": "WARNING", "ECOVAREJO_GATEWAY_RATE_LIMITS": "off",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2] / "src"),
                                           os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    code = ("import uvicorn\nfrom ecovarejo.core.serving import server_options\n"
            "from ecovarejo.core.settings import get_settings\n"
            f"uvicorn.run('ecovarejo.asgi:app', host='127.0.0.1', port={port}, log_level='warning', "
            "**server_options(get_settings()))\n")  # fmt: skip
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (data / "server.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def test_no_server_errors_on_the_main_routes(running_app: str) -> None:
    schema = schemathesis.openapi.from_url(running_app + "/openapi.json").include(path_regex=MAIN_ROUTES)
    errors: list[tuple[str, str, int, str]] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case) -> None:
            response = case.call(base_url=running_app, timeout=30)
            if response.status_code >= 500:
                errors.append((case.method, case.formatted_path, response.status_code, response.text[:300]))

        call()
    assert operations > 20
    assert errors == []
