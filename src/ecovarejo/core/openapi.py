"""The OpenAPI document tells the truth about errors: every operation lists the problem responses
(RFC 9457, ``application/problem+json``) it can return, derived from what the route is, plus a
``default`` problem for anything else (an overloaded database, an unexpected error).

What a route can return, by its shape:

- 401 when it reads the caller's token (``optional_principal``, ``current_principal``), 403 when it
  needs a signed-in caller (permissions, roles, other people's resources);
- 404 when its path names a resource; 409 when it writes (a conflict with the current state);
- 422 when it takes parameters or a body (FastAPI's validation, rendered as a problem by
  :func:`ecovarejo.core.http.install_error_handlers`, and the domain's ``InvalidInput``);
- 429 on ``/api/`` (the gateway's rate limits).

A route may declare more (``responses={402: {...}}``); what it declares is kept. A route whose errors
follow another standard (the OAuth endpoints: RFC 6749 ``{"error", "error_description"}``) says so with
``openapi_extra={ERROR_FORMAT: "rfc6749"}`` and declares its own error responses; nothing is derived
for it but the ``default`` problem (an unexpected error is still a problem).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from .auth import current_principal, optional_principal
from .http import PROBLEM

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is the machine-readable reason.",
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": ["string", "null"]},
                    "type": {"type": ["string", "null"]},
                },
            },
        },
    },
    "additionalProperties": True,
}

REASONS = {
    400: "Bad request",
    401: "Missing, invalid or expired access token",
    403: "Not allowed for this caller",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Payload too large",
    422: "Invalid parameters or body",
    429: "Rate limited",
}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Operation extension naming a route's own error format (see the module's docstring).
ERROR_FORMAT = "x-error-format"


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def error_statuses(route: APIRoute, method: str) -> set[int]:
    """The problem statuses ``route`` can answer ``method`` with (besides the ``default``)."""
    out: set[int] = set()
    if (route.openapi_extra or {}).get(ERROR_FORMAT):
        return out
    calls = set(_calls(route.dependant))
    if optional_principal in calls or current_principal in calls:
        out.add(401)
    if current_principal in calls:
        out.add(403)
    if route.dependant.path_params:
        out.add(404)
    if method in WRITES:
        out.add(409)
    if route.dependant.path_params or route.dependant.query_params or route.dependant.body_params:
        out.add(422)
    if route.path.startswith("/api/"):
        out.add(429)
    return out


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_problems(schema: dict[str, Any], routes: Iterable[APIRoute]) -> dict[str, Any]:
    """Adds the problem responses to ``schema`` (in place; idempotent)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    paths = schema.get("paths", {})
    for route in routes:
        if not route.include_in_schema or route.path not in paths:
            continue
        for method in route.methods or ():
            op = paths[route.path].get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            for status in sorted(error_statuses(route, method)):
                declared = responses.get(str(status))
                if declared is None or status == 422:  # FastAPI's 422 is HTTPValidationError: ours is a problem
                    description = declared.get("description", REASONS[status]) if declared else REASONS[status]
                    responses[str(status)] = _problem(REASONS[status] if status == 422 else description)
            responses.setdefault("default", _problem("Any other error (e.g. 503 overloaded, 500 unexpected)"))
    return schema


def _flatten(routes: Iterable[Any]) -> Iterable[APIRoute]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif (router := getattr(r, "original_router", None)) is not None:  # an included router
            yield from _flatten(router.routes)


def install_openapi(app: FastAPI) -> None:
    """Every generated OpenAPI document of ``app`` documents its problem responses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_problems(generate(), _flatten(app.routes))

    app.openapi = openapi  # type: ignore[method-assign]
