"""Schemathesis against the running app (a real uvicorn process, the options ``ecovarejo serve`` uses):
the main routes, a few generated requests each, and not one server error; every response conforms to
the OpenAPI document (its status is documented, its content type and body match the schema: problem
responses included). Bounded for CI time (``ECOVAREJO_FUZZ_EXAMPLES`` per operation, default 3)."""

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
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

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
        deadline = time.monotonic() + 240  # the server starts slowly on a loaded CI machine
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


CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
#: Real requests whose (successful) responses must match the document too: generated input mostly
#: meets validation and authentication errors.
REAL = [
    ("GET", "/api/v1/products", {"limit": 5, "facets": True}),
    ("GET", "/api/v1/categories", {}),
    ("GET", "/api/v1/cart", {}),
    ("GET", "/api/v1/certifications", {}),
    ("GET", "/.well-known/jwks.json", {}),
]
#: Real requests answered with an error in a format of their own (OAuth: RFC 6749), also documented.
REAL_ERRORS = [("GET", "/oauth/userinfo", 401)]


def _conforms(case, response, failures: list[tuple[str, str, int, str]]) -> None:
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except (Exception, pytest.fail.Exception) as exc:  # schemathesis' failure (group) says what did not match
        failures.append((case.method, case.formatted_path, response.status_code, str(exc)[:400]))


@pytest.fixture(scope="module")
def document(running_app: str) -> dict:
    """The served OpenAPI document (fetched once: generating it is slow on a loaded machine)."""
    return httpx.get(running_app + "/openapi.json", timeout=120).json()


def test_no_server_errors_on_the_main_routes(running_app: str, document: dict) -> None:
    schema = schemathesis.openapi.from_dict(document).include(path_regex=MAIN_ROUTES)
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


def test_responses_conform_to_the_openapi_document(running_app: str, document: dict) -> None:
    """One generated request per main operation (most meet validation, authentication or a missing
    resource: the problem responses), its response checked against the document."""
    schema = schemathesis.openapi.from_dict(document).include(path_regex=MAIN_ROUTES)
    failures: list[tuple[str, str, int, str]] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=1, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case) -> None:
            _conforms(case, case.call(base_url=running_app, timeout=30), failures)

        call()
    assert failures == []


def test_real_responses_conform_to_the_openapi_document(running_app: str, document: dict) -> None:
    schema = schemathesis.openapi.from_dict(document)
    failures: list[tuple[str, str, int, str]] = []
    for method, path, query in REAL:
        case = schema[path][method].Case(query=query)
        response = case.call(base_url=running_app, timeout=30)
        assert response.status_code == 200, (path, response.text[:300])
        _conforms(case, response, failures)
    for method, path, status in REAL_ERRORS:
        case = schema[path][method].Case()
        response = case.call(base_url=running_app, timeout=30)
        assert response.status_code == status, (path, response.text[:300])
        _conforms(case, response, failures)
    assert failures == []
