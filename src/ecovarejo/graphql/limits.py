"""Query cost limit: a validation rule that refuses operations whose worst-case size is too large.

Each field costs 1; the fields under a list cost once per element, the element count being the
nearest ``limit``/``first`` argument (a literal; variables and absent arguments count as
``default_page``). Depth is limited separately (Strawberry's ``QueryDepthLimiter``).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
)

PAGE_ARGS = ("limit", "first")


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _page_arg(node: FieldNode) -> int | None:
    for arg in node.arguments or ():
        if arg.name.value in PAGE_ARGS and isinstance(arg.value, IntValueNode):
            return max(0, int(arg.value.value))
    return None


def cost_limit_rule(max_cost: int, default_page: int = 25) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            schema = self.context.schema
            root = schema.get_root_type(node.operation)
            if root is None:
                return
            fragments = {
                d.name.value: d for d in self.context.document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            cost = self._cost(node.selection_set, root, fragments, None, frozenset())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {max_cost}",
                        node,
                        extensions={"code": "query_too_costly", "cost": cost, "max_cost": max_cost},
                    )
                )

        def _cost(
            self,
            selection_set: SelectionSetNode | None,
            parent: Any,
            fragments: dict[str, FragmentDefinitionNode],
            pending: int | None,
            seen: frozenset[str],
        ) -> int:
            if selection_set is None or not isinstance(parent, GraphQLObjectType):
                return 0
            total = 0
            for sel in selection_set.selections:
                if isinstance(sel, FieldNode):
                    name = sel.name.value
                    if name.startswith("__"):
                        continue
                    field = parent.fields.get(name)
                    if field is None:
                        continue
                    child_type = get_named_type(field.type)
                    page = _page_arg(sel)
                    if _is_list(field.type):
                        count = page if page is not None else pending if pending is not None else default_page
                        total += 1 + count * self._cost(sel.selection_set, child_type, fragments, None, seen)
                    else:
                        total += 1 + self._cost(sel.selection_set, child_type, fragments, page, seen)
                elif isinstance(sel, InlineFragmentNode):
                    cond = sel.type_condition
                    target = self.context.schema.get_type(cond.name.value) if cond else parent
                    total += self._cost(sel.selection_set, target, fragments, pending, seen)
                elif isinstance(sel, FragmentSpreadNode):
                    frag_name = sel.name.value
                    frag = fragments.get(frag_name)
                    if frag is None or frag_name in seen:
                        continue
                    target = self.context.schema.get_type(frag.type_condition.name.value)
                    total += self._cost(frag.selection_set, target, fragments, pending, seen | {frag_name})
            return total

    return CostLimit
