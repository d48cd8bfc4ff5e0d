"""GraphQL over the contexts' services: the same JWT as REST, errors with machine codes, depth and cost limits."""

from __future__ import annotations

import pytest
import strawberry
from gql.transport.exceptions import TransportQueryError
from graphql import parse

from ecovarejo.graphql.limits import query_cost
from ecovarejo.graphql.schema import MAX_DEPTH, extensions, format_error
from tests.support import token_for

REGISTER = {
    "email": "ana@example.com",
    "password": "correct horse battery staple 42",
    "first_name": "Ana",
    "last_name": "Souza",
    "accept_terms": True,
    "accept_privacy": True,
}


async def test_me_with_the_rest_jwt(graphql_app, settings) -> None:
    async with graphql_app(settings) as g:
        r = await g.http.post("/api/v1/auth/register", json=REGISTER)
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        from ecovarejo.core.models import DEFAULT_TENANT_ID

        token = token_for(g.container, DEFAULT_TENANT_ID, user_id=__import__("uuid").UUID(user_id))
        data = await g.execute("{ me { id email firstName lastName userType } }", token=token)
        assert data["me"] == {
            "id": user_id,
            "email": "ana@example.com",
            "firstName": "Ana",
            "lastName": "Souza",
            "userType": "customer",
        }


async def test_errors_carry_machine_codes(graphql_app, settings) -> None:
    async with graphql_app(settings) as g:
        with pytest.raises(TransportQueryError) as err:
            await g.execute("{ me { id } }")
        assert err.value.errors[0]["extensions"]["code"] == "unauthorized"
        assert err.value.errors[0]["extensions"]["status"] == 401
        with pytest.raises(TransportQueryError) as err:
            await g.execute("{ me { id } }", token="not-a-token")
        assert err.value.errors[0]["extensions"]["status"] == 401
        # unknown fields are validation errors, refused before anything runs
        r = await g.http.post("/graphql", json={"query": "{ me { id password } }"})
        body = r.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "graphql_validation_failed"


@strawberry.type
class Node:
    @strawberry.field
    def child(self) -> Node | None:
        return Node()

    @strawberry.field
    def name(self) -> str:
        return "n"


@strawberry.type
class NodeQuery:
    @strawberry.field
    def root(self) -> Node:
        return Node()


async def test_depth_limit_with_the_schema_extensions() -> None:
    schema = strawberry.Schema(query=NodeQuery, extensions=extensions())

    def nested(depth: int) -> str:
        """``depth`` levels of fields below the root field."""
        return "{ root { " + "child { " * (depth - 1) + "name" + " }" * (depth - 1) + " } }"

    ok = await schema.execute(nested(MAX_DEPTH))
    assert ok.errors is None
    refused = await schema.execute(nested(MAX_DEPTH + 1))
    assert refused.data is None
    assert format_error(refused.errors[0])["extensions"]["code"] == "query_too_deep"


@strawberry.type
class Leaf:
    name: str


@strawberry.type
class Branch:
    @strawberry.field
    def leaves(self, limit: int = 10) -> list[Leaf]:
        return []

    @strawberry.field
    def tag(self) -> str:
        return ""


@strawberry.type
class Page:
    @strawberry.field
    def items(self) -> list[Branch]:
        return []


@strawberry.type
class ToyQuery:
    @strawberry.field
    def page(self, limit: int = 24) -> Page:
        return Page()


def _cost(query: str, variables: dict | None = None) -> int:
    return query_cost(strawberry.Schema(query=ToyQuery)._schema, parse(query), variables)


def test_cost_counts_list_sizes_from_page_arguments() -> None:
    # page(1) + items(1 + 24 * (tag 1 + leaves (1 + 10 * name 1)))
    query = "{ page(limit: 24) { items { tag leaves(limit: 10) { name } } } }"
    assert _cost(query) == 1 + 1 + 24 * (1 + 1 + 10 * 1)
    # variables count with their values; fragments like the fields they stand for
    with_fragment = "query Q($n: Int!) { page(limit: $n) { ...P } } fragment P on Page { items { tag } }"
    assert _cost(with_fragment, {"n": 3}) == 1 + 1 + 3 * 1
    # no page argument: a default page of 10
    assert _cost("{ page { items { tag } } }") == 1 + 1 + 10 * 1


async def test_cost_limit_refuses_before_running() -> None:
    schema = strawberry.Schema(query=ToyQuery, extensions=extensions())
    cheap = await schema.execute("{ page(limit: 24) { items { tag } } }")
    assert cheap.errors is None
    costly = "query Q($n: Int!) { page(limit: $n) { items { tag leaves(limit: 100) { name } } } }"
    refused = await schema.execute(costly, variable_values={"n": 100})
    assert refused.data is None
    ext = format_error(refused.errors[0])["extensions"]
    assert ext["code"] == "query_too_costly"
    assert ext["cost"] == 1 + 1 + 100 * (1 + 1 + 100 * 1)


def test_the_schema_holds_only_the_served_contexts() -> None:
    from ecovarejo.graphql.schema import build_schema

    users_only = build_schema({"users", "graphql"}).as_str()
    assert "me: User!" in users_only
    assert "products(" not in users_only
    assert "type Mutation" not in users_only
