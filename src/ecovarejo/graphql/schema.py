"""The schema, assembled from the parts whose contexts are present, and its HTTP router.

Errors: a domain error keeps its machine ``code`` and HTTP ``status`` in ``extensions``; validation
failures get ``graphql_validation_failed`` (``query_too_deep`` / ``query_too_costly`` for the limits);
anything else is ``internal_error`` with its message hidden (a bug, logged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
import structlog
from fastapi import Request
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from ecovarejo.core.errors import DomainError

from .catalog import CatalogQuery
from .context import get_context
from .limits import CostLimiter
from .quotes import QuotesMutation, QuotesQuery
from .recommendations import RecommendationsQuery
from .shipping import ShippingQuery
from .shopping import ShoppingMutation, ShoppingQuery
from .users import UsersQuery

log = structlog.get_logger("ecovarejo.graphql")

MAX_DEPTH = 8
MAX_COST = 5000

#: (context it stands on, Query class, Mutation class) of each part; a part whose context is not served
#: by this process (``ECOVAREJO_SERVICES``) is left out. A new context's part is one more line here.
PARTS: tuple[tuple[str, type, type | None], ...] = (
    ("users", UsersQuery, None),
    ("products", CatalogQuery, None),
    ("orders", ShoppingQuery, ShoppingMutation),
    ("ml", RecommendationsQuery, None),
    ("logistics", ShippingQuery, None),
    ("b2b", QuotesQuery, QuotesMutation),
)


def _parts(served: set[str] | None) -> tuple[list[type], list[type]]:
    queries: list[type] = []
    mutations: list[type] = []
    for context, query, mutation in PARTS:
        if served is not None and context not in served:
            continue
        queries.append(query)
        if mutation:
            mutations.append(mutation)
    return queries, mutations


def format_error(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    out: dict[str, Any] = dict(error.formatted)
    if isinstance(original, DomainError):
        out["message"] = original.detail
        out["extensions"] = {"code": original.code, "status": original.status, **original.extra}
    elif original is None:
        ext = dict(error.extensions or {})
        if "code" not in ext:
            ext["code"] = "query_too_deep" if "exceeds maximum operation depth" in error.message else "graphql_error"
            if error.locations is not None and ext["code"] == "graphql_error":
                ext["code"] = "graphql_validation_failed"
        out["extensions"] = ext
    else:
        out["message"] = "Internal server error"
        out["extensions"] = {"code": "internal_error", "status": 500}
    return out


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            original = error.original_error
            if original is not None and not isinstance(original, DomainError):
                log.error("graphql_error", error=str(original), path=error.path, exc_info=original)


class Router(GraphQLRouter[Any, None]):
    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            response["errors"] = [format_error(e) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response


def build_schema(served: set[str] | None = None, *, introspection: bool = True) -> Schema:
    queries, mutations = _parts(served)
    if not queries:
        raise RuntimeError("GraphQL needs at least one of the users, products or orders contexts")
    query = merge_types("Query", tuple(queries))
    mutation = merge_types("Mutation", tuple(mutations)) if mutations else None
    ext: list[Any] = list(extensions())
    if not introspection:
        ext.append(DisableIntrospection)
    return Schema(query=query, mutation=mutation, extensions=ext)


def extensions() -> list[Callable[[], SchemaExtension]]:
    """Depth, cost, alias and token limits, checked before anything runs."""
    return [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=30),
        lambda: MaxTokensLimiter(max_token_count=4000),
        lambda: CostLimiter(max_cost=MAX_COST),
    ]


def build_router(served: set[str] | None = None, *, dev_tools: bool = True) -> Router:
    """GraphiQL and introspection only with ``dev_tools`` (off in production: ``ECOVAREJO_DEV_TOOLS``)."""
    return Router(
        build_schema(served, introspection=dev_tools), path="/graphql", context_getter=get_context,
        graphql_ide="graphiql" if dev_tools else None,
    )  # fmt: skip
