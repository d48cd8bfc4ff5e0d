"""The OpenAPI document tells the truth (issue #14): every JSON route names its response model, and every
operation its problem responses (``application/problem+json``). Live responses are checked against it
in ``tests/security/test_api_fuzz.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container
from ecovarejo.core.http import PROBLEM
from ecovarejo.core.openapi import ERROR_FORMAT
from tests.conftest import make_settings

#: Not JSON APIs: the GraphQL endpoint, HTML pages of the OAuth flow, file downloads, probes.
NOT_JSON = {
    ("get", "/readyz"),
    ("get", "/graphql"),
    ("post", "/graphql"),
    ("get", "/oauth/authorize"),
    ("post", "/oauth/authorize"),
    ("get", "/api/v1/products/export.csv"),
    ("get", "/api/v1/admin/notifications/outbox/{name}/raw"),
    ("get", "/api/v1/admin/shipping/shipments/{shipment_id}/label"),
    ("get", "/api/v1/admin/b2b/price-lists/{list_id}/rules.csv"),
}
#: JSON routes whose success body is a free-form object (``dict[str, Any]``: "type": "object", no
#: properties, any values). None is left: a new one fails the test below (give it a model).
LOOSE: set[tuple[str, str]] = set()
#: Operations whose errors follow another standard (OAuth: RFC 6749), documented in their own schema.
OAUTH_ERROR = {"$ref": "#/components/schemas/OAuthErrorOut"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    container = build_container(
        make_settings(f"sqlite+aiosqlite:///{tmp / 'unused.db'}", tmp), run_relay=False, run_consumers=False
    )
    yield create_app(container=container).openapi()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def test_every_operation_documents_its_problems(document: dict[str, Any]) -> None:
    assert "Problem" in document["components"]["schemas"]
    missing = []
    for method, path, op in _operations(document):
        responses = op["responses"]
        if PROBLEM not in responses.get("default", {}).get("content", {}):
            missing.append((method, path, "default"))
        for status, response in responses.items():
            if path == "/graphql":  # GraphQL answers errors in its own envelope (strawberry's routes)
                continue
            if not status.startswith(("4", "5")):
                continue
            content = response.get("content", {})
            if op.get(ERROR_FORMAT) == "rfc6749":
                if content.get("application/json", {}).get("schema") != OAUTH_ERROR:
                    missing.append((method, path, status))
            elif PROBLEM not in content:
                missing.append((method, path, status))
    assert missing == []


def test_problem_statuses_follow_the_route(document: dict[str, Any]) -> None:
    product = document["paths"]["/api/v1/products/{ref}"]["get"]["responses"]
    assert {"401", "404", "422", "429"} <= set(product)  # optional token, a resource, parameters, the gateway
    create = document["paths"]["/api/v1/products"]["post"]["responses"]
    assert {"401", "403", "409", "422"} <= set(create)  # a staff write
    assert "404" not in create
    validation = create["422"]["content"][PROBLEM]["schema"]
    assert validation == {"$ref": "#/components/schemas/Problem"}  # not FastAPI's HTTPValidationError


def test_every_json_route_names_its_response_model(document: dict[str, Any]) -> None:
    undocumented = set()
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            content = response.get("content", {})
            if (
                status.startswith("2")
                and "application/json" in content
                and not content["application/json"].get("schema")
            ):
                undocumented.add((method, path))
    assert undocumented - NOT_JSON == set()


def test_main_routes_name_their_models(document: dict[str, Any]) -> None:
    def ref(path: str, method: str, status: str = "200") -> Any:
        return document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    assert ref("/api/v1/products", "get") == {"$ref": "#/components/schemas/ProductPage"}
    assert ref("/api/v1/cart", "get") == {"$ref": "#/components/schemas/CartOut"}
    assert ref("/api/v1/orders", "post", "201") == {"$ref": "#/components/schemas/OrderView"}


def test_oauth_routes_document_their_own_errors(document: dict[str, Any]) -> None:
    token = document["paths"]["/oauth/token"]["post"]
    assert token[ERROR_FORMAT] == "rfc6749"
    assert {"200", "400", "401", "default"} == set(token["responses"])  # no derived 409/422 problems
    assert token["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OAuthTokenOut"
    }
    userinfo = document["paths"]["/oauth/userinfo"]["get"]["responses"]
    assert {"200", "401", "403", "default"} == set(userinfo)


def test_files_and_reports_document_their_bodies(document: dict[str, Any]) -> None:
    export = document["paths"]["/api/v1/privacy/exports/{token}"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/zip"}
    report = document["paths"]["/api/v1/analytics/reports/{name}"]["get"]["responses"]["200"]["content"]
    assert report["application/json"]["schema"] == {"$ref": "#/components/schemas/ReportOut"}
    assert {"text/csv", "application/vnd.apache.parquet"} <= set(report)
    jwks = document["paths"]["/.well-known/jwks.json"]["get"]["responses"]["200"]["content"]
    assert jwks["application/json"]["schema"] == {"$ref": "#/components/schemas/JWKSetOut"}


def _loose(document: dict[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if (
                status.startswith("2")
                and schema
                and schema.get("type") == "object"
                and not schema.get("properties")
                and schema.get("additionalProperties", True) in (True, {})  # a map of typed values is typed
            ):
                found.add((method, path))
    return found


def test_json_bodies_are_typed_field_by_field(document: dict[str, Any]) -> None:
    loose = _loose(document)
    assert loose - LOOSE == set()  # a new route answering dict[str, Any]: give it a model
    assert LOOSE - loose == set()  # typed now: take it off the list
