"""Issue #12 point 7: where a request body expects a boolean or an integer, only a JSON boolean or
integer is accepted (``{"quantity": false}``, ``{"accept_terms": 1}``, ``{"featured": "yes"}`` are 422, not
silently coerced). Strings never take numbers (``{"email": 0}`` is 422) — Pydantic v2 does not coerce
them; the walk checks that too. Every request body of every route is walked, nested models included, so
a new field is covered the day it lands."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator

import pytest
from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container
from tests.conftest import make_settings
from tests.support import make_tenant


def _routes(routes: list) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included routers
            yield from _routes(route.original_router.routes)


def _members(annotation: object) -> tuple[object, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        return tuple(m for a in typing.get_args(annotation) if a is not Ellipsis for m in _members(a))
    return (annotation,)


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.model_fields.values():
        for member in _members(field.annotation):
            if isinstance(member, type) and issubclass(member, BaseModel):
                yield from _models(member, seen)


def _request_models(tmp_path, sqlite_url) -> list[type[BaseModel]]:
    app = create_app(container=build_container(make_settings(sqlite_url, tmp_path)))
    seen: set[type[BaseModel]] = set()
    found: list[type[BaseModel]] = []
    for route in _routes(app.routes):
        if any(isinstance(p.field_info, params.Form) for p in route.dependant.body_params):
            continue  # an HTML form's fields are text by nature ("on", "true"); JSON bodies are walked
        body = route.body_field.field_info.annotation if route.body_field is not None else None
        for member in _members(body):
            if isinstance(member, type) and issubclass(member, BaseModel):
                found.extend(_models(member, seen))
    return found


WRONG = {bool: (0, 1, "true", "on"), int: (True, False, "2", 2.5), str: (0, 1.5, True)}


def _coerced(model: type[BaseModel], key: str, value: object) -> bool:
    try:
        model.model_validate({key: value})
    except ValidationError as exc:
        return not any(e["loc"][:1] == (key,) for e in exc.errors())
    return True


def test_request_bodies_take_booleans_integers_and_strings_only_as_such(tmp_path, sqlite_url) -> None:
    models = _request_models(tmp_path, sqlite_url)
    assert len(models) > 40  # the walk reaches the app's bodies (not an empty pass)
    lax = []
    checked = 0
    for model in models:
        for name, field in model.model_fields.items():
            key = field.alias or name
            for kind, values in WRONG.items():
                if kind in _members(field.annotation):
                    others = set(_members(field.annotation)) - {kind}
                    checked += 1
                    lax += [
                        f"{model.__name__}.{key}={v!r}"
                        for v in values
                        # a union that also takes the value's own type (``int | str``) is not lax
                        if type(v) not in others and _coerced(model, key, v)
                    ]
    assert checked > 100
    assert not lax, "request fields that coerce: " + ", ".join(lax)


@pytest.mark.parametrize("body", [{"email": 0, "password": "x" * 12}, {"email": ["a@b.co"], "password": "x" * 12}])
async def test_login_refuses_a_number_or_a_list_for_the_email(client, container, body) -> None:
    tenant = await make_tenant(container)
    r = await client.post("/api/v1/auth/login", json=body, headers={"X-Tenant-ID": str(tenant)})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
