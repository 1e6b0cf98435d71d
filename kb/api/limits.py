"""A cost estimate for GraphQL operations, checked after validation and before any resolver runs.

Cost of a field = 1 + multiplier x cost of its selections. The multiplier is the field's page
size: its ``first`` / ``limit`` argument (a literal or the variable's value), else the argument's
default, except for relationship lists, whose default is the cap but whose typical size is far
smaller.
Fragments are costed once each (memoised) and cycles are cut, so estimating a hostile
document is itself cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import SchemaExtension, ValidationCache

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from kb.api.errors import MAX_PAGE
from kb.api.idcache import IdentityCache

MAX_COMPLEXITY = 50_000
# Typical number of relationships of one type on one entity, for lists without `first`.
ESTIMATED_DEGREE = 5
# Page-size arguments and their caps: larger values are refused by the resolvers with a clear
# message, so the estimate clamps them rather than report a less specific cost error.
PAGE_ARGS = {"first": MAX_PAGE, "limit": 500}


class _TooCostly(Exception):
    pass


def _named(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def _is_list(t: Any) -> bool:
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


class Estimator:
    """Estimates one document's operations against a schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        limit: int,
        variables: dict[str, Any] | None = None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.limit = limit
        self.variables = variables or {}
        self.memo: dict[str, int] = {}

    def _multiplier(self, node: FieldNode, field: Any) -> int:
        for arg_name, cap in PAGE_ARGS.items():
            if arg_name not in field.args:
                continue
            given = next((a for a in node.arguments or () if a.name.value == arg_name), None)
            if given is None:
                default = field.args[arg_name].default_value
                n = int(default) if isinstance(default, int) else MAX_PAGE
                return ESTIMATED_DEGREE if _is_list(field.type) and n >= MAX_PAGE else n
            if isinstance(given.value, IntValueNode):
                return min(max(int(given.value.value), 0), cap)
            if isinstance(given.value, VariableNode):
                v = self.variables.get(given.value.name.value)
                return min(max(v, 0), cap) if isinstance(v, int) and not isinstance(v, bool) else cap
        return 1

    def selection_set(
        self, sel: SelectionSetNode | None, parent: GraphQLNamedType | None, visiting: frozenset[str]
    ) -> int:
        if sel is None or parent is None:
            return 0
        total = 0
        for s in sel.selections:
            if isinstance(s, FieldNode):
                total += self.field(s, parent, visiting)
            elif isinstance(s, InlineFragmentNode):
                t = self.schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                total += self.selection_set(s.selection_set, t, visiting)
            elif isinstance(s, FragmentSpreadNode):
                total += self.fragment(s.name.value, visiting)
            if total > self.limit:
                raise _TooCostly
        return total

    def fragment(self, name: str, visiting: frozenset[str]) -> int:
        if name in visiting:
            return 0  # a cycle: graphql's NoFragmentCycles rule reports it
        if name in self.memo:
            return self.memo[name]
        frag = self.fragments.get(name)
        if frag is None:
            return 0
        t = self.schema.get_type(frag.type_condition.name.value)
        cost = self.selection_set(frag.selection_set, t, visiting | {name})
        self.memo[name] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType, visiting: frozenset[str]) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        if name == "__schema":
            field: Any = SchemaMetaFieldDef
        elif name == "__type":
            field = TypeMetaFieldDef
        elif isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field = parent.fields.get(name)
        else:
            field = None
        if field is None:
            return 1  # unknown field: FieldsOnCorrectType reports it
        child = self.selection_set(node.selection_set, _named(field.type), visiting)
        return 1 + self._multiplier(node, field) * child

    def operation(self, op: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(op.operation)
        return self.selection_set(op.selection_set, root, frozenset())


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    limit: int,
) -> int:
    """Estimated cost of the operation that will run (capped just above ``limit``)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [d for d in ops if d.name is not None and d.name.value == operation_name]
    # Variables default where the request leaves them out.
    values: dict[str, Any] = {}
    for op in ops:
        for vd in op.variable_definitions or ():
            if isinstance(vd.default_value, IntValueNode):
                values[vd.variable.name.value] = int(vd.default_value.value)
    values.update(variables or {})
    est = Estimator(schema, fragments, limit, values)
    try:
        return max((est.operation(op) for op in ops), default=0)
    except _TooCostly:
        return limit + 1


# Recent estimates and validation results, by the parsed document's identity (kb.api.idcache).
_ESTIMATES: IdentityCache[int] = IdentityCache(512)
_VALIDATED: IdentityCache[Any] = IdentityCache(256)


def cached_estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    limit: int,
) -> int:
    """:func:`estimate`, remembered for the last few hundred (schema, document, variables)."""
    try:
        frozen = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a value orjson cannot encode: estimate afresh
        return estimate(schema, document, variables, operation_name, limit)
    extra = (operation_name, frozen, limit)
    cost = _ESTIMATES.get((schema, document), extra)
    if cost is None:
        cost = _ESTIMATES.put((schema, document), extra, estimate(schema, document, variables, operation_name, limit))
    return cost


class DocumentValidationCache(ValidationCache):
    """strawberry's ValidationCache, found by the parsed document's identity first.

    strawberry's cache is an ``lru_cache`` on (schema, document, rules): every lookup hashes
    the whole document tree, about 15 µs for a 2-hop query, on every request. The parser cache
    hands out the same document object for the same query text, so its identity finds the
    result; anything else goes through strawberry's cache as before.
    """

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        schema, document, rules = ec.schema._schema, ec.graphql_document, ec.validation_rules
        errors = _VALIDATED.get((schema, document), rules)
        if errors is None:
            errors = _VALIDATED.put((schema, document), rules, self.cached_validate_document(schema, document, rules))
        ec.pre_execution_errors = errors
        if not errors and hasattr(ec.context, "validated"):
            ec.context.validated = document  # kb.api.context.Context: for kb.api.fastpost
        yield


class CostLimiter(SchemaExtension):
    """Refuses operations whose estimated cost exceeds ``max_cost``, before execution starts."""

    def __init__(self, max_cost: int = MAX_COMPLEXITY) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.graphql_document is not None and ec.result is None:
            schema = ec.schema._schema
            cost = cached_estimate(schema, ec.graphql_document, ec.variables, ec.operation_name, self.max_cost)
            if cost > self.max_cost:
                ec.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"Query is too expensive: its estimated cost exceeds {self.max_cost}. "
                            "Ask for smaller pages (`first`) or fewer nested lists."
                        )
                    ],
                )
        yield
