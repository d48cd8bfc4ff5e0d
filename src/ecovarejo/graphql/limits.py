"""Query cost limit: operations whose worst-case size is too large are refused before anything runs.

Each field costs 1; the fields under a list cost once per element, the element count being the
nearest ``limit``/``first`` argument (its literal or variable value; ``default_page`` when absent).
Depth is limited separately (Strawberry's ``QueryDepthLimiter``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

PAGE_ARGS = ("limit", "first")


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class _Coster:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], default_page: int):
        self.schema = schema
        self.variables = variables
        self.default_page = default_page
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def page_arg(self, node: FieldNode) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value not in PAGE_ARGS:
                continue
            if isinstance(arg.value, IntValueNode):
                return max(0, int(arg.value.value))
            if isinstance(arg.value, VariableNode):
                value = self.variables.get(arg.value.name.value)
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(0, value)
        return None

    def cost(
        self, selection_set: SelectionSetNode | None, parent: Any, pending: int | None, seen: frozenset[str]
    ) -> int:
        if selection_set is None or not isinstance(parent, GraphQLObjectType):
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                name = sel.name.value
                field = None if name.startswith("__") else parent.fields.get(name)
                if field is None:
                    continue
                child_type = get_named_type(field.type)
                page = self.page_arg(sel)
                if _is_list(field.type):
                    count = page if page is not None else pending if pending is not None else self.default_page
                    total += 1 + count * self.cost(sel.selection_set, child_type, None, seen)
                else:
                    total += 1 + self.cost(sel.selection_set, child_type, page, seen)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                total += self.cost(sel.selection_set, target, pending, seen)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is None or sel.name.value in seen:
                    continue
                target = self.schema.get_type(frag.type_condition.name.value)
                total += self.cost(frag.selection_set, target, pending, seen | {sel.name.value})
        return total


def _operations(document: DocumentNode, name: str | None) -> Iterator[OperationDefinitionNode]:
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode) and (name is None or (d.name and d.name.value == name)):
            yield d


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    default_page: int = 10,
) -> int:
    """The worst-case cost of the operation that would run (the most expensive one when unnamed)."""
    coster = _Coster(schema, document, variables or {}, default_page)
    costs = [
        coster.cost(op.selection_set, schema.get_root_type(op.operation), None, frozenset())
        for op in _operations(document, operation_name)
    ]
    return max(costs, default=0)


class CostLimiter(SchemaExtension):
    """Refuses an operation whose :func:`query_cost` is above ``max_cost`` (``query_too_costly``)."""

    def __init__(self, *, max_cost: int, default_page: int = 10) -> None:
        self.max_cost = max_cost
        self.default_page = default_page

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            cost = query_cost(
                ctx.schema._schema, ctx.graphql_document, ctx.variables, ctx.operation_name, self.default_page
            )
            if cost > self.max_cost:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {self.max_cost}",
                        extensions={"code": "query_too_costly", "cost": cost, "max_cost": self.max_cost},
                    )
                ]
        yield
