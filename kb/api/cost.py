"""What an operation may cost, checked after validation and before any resolver runs.

The cost bounds the objects an answer can hold: a field returning objects costs ``size x (1 +
cost of its selections)``; ``size`` is 1 for one object, else the list's page size: its ``first``
(literal or variable; when omitted, its default), for a page of a connection or the lists of a
graph or path the ``first`` / ``limit`` / ``maxHops`` of the field above, for introspection lists
their mean length in the schema, for any other list MAX_PAGE. Leaves cost nothing. Fragments
are costed once each, so estimating a hostile document is itself cheap.

:class:`Limits` also makes parsing strict (``{ force { } }`` is a syntax error, as the spec
says) and reports unknown fragments before strawberry's depth and alias rules trip over them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from functools import cache
from typing import Any

from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import SchemaExtension

import graphql as g
from kb.api.errors import MAX_PAGE, ApiError

MAX_COST = 50_000
MAX_TOKENS = 4000
# Page-size arguments and their caps (larger values are refused by the resolvers, clearly).
CAPS = {"first": MAX_PAGE, "limit": 500, "maxHops": 6}
# Lists whose length is an argument of the field above: (argument, factor, offset).
SIZED_BY_PARENT = {("Graph", "nodes"): ("limit", 1, 0), ("Graph", "edges"): ("limit", 2, 0)}
SIZED_BY_PARENT |= {("Path", "nodes"): ("maxHops", 1, 1), ("Path", "edges"): ("maxHops", 1, 0)}
# Lists with a fixed bound (their resolvers refuse longer answers).
FIXED_SIZES = {("Query", "outcomeCounts"): 10_000, ("Query", "allegationCounts"): 10_000}


Above = dict[str, int]  # the page arguments of the field above


@cache
def _introspection_sizes(schema: g.GraphQLSchema) -> dict[str, int]:
    """Mean lengths of the introspection lists over all the schema's types (and their fields)."""
    types = list(schema.type_map.values())
    fields = [
        f for t in types if isinstance(t, g.GraphQLObjectType | g.GraphQLInterfaceType) for f in t.fields.values()
    ]
    abstract = [t for t in types if g.is_abstract_type(t)]

    def per_type(kind: Any, attr: str) -> int:
        return max(1, round(sum(len(getattr(t, attr)) for t in types if isinstance(t, kind)) / len(types)))

    return {
        "types": len(types),
        "directives": len(schema.directives),
        "fields": max(1, round(len(fields) / len(types))),
        "args": max(1, round(sum(len(f.args) for f in fields) / max(1, len(fields)))),
        "inputFields": per_type(g.GraphQLInputObjectType, "fields"),
        "enumValues": per_type(g.GraphQLEnumType, "values"),
        "interfaces": per_type(g.GraphQLObjectType | g.GraphQLInterfaceType, "interfaces"),
        "possibleTypes": max(1, round(sum(len(schema.get_possible_types(t)) for t in abstract) / len(types))),
    }


class Estimator:
    """Estimates one document's operations against a schema (ApiError past ``limit``)."""

    def __init__(self, schema: g.GraphQLSchema, doc: g.DocumentNode, limit: int, variables: dict[str, Any]) -> None:
        self.schema, self.limit, self.variables = schema, limit, variables
        self.fragments = {d.name.value: d for d in doc.definitions if isinstance(d, g.FragmentDefinitionNode)}
        self.memo: dict[tuple[str, tuple[tuple[str, int], ...]], int] = {}
        self.sizes = _introspection_sizes(schema)

    def _arg(self, node: g.FieldNode, name: str) -> int | None:
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if given is None:
            return None
        value = g.value_from_ast(given, g.GraphQLInt, self.variables)  # a literal or a variable's value
        return min(max(value, 0), CAPS[name]) if type(value) is int else CAPS[name]

    def _size(self, node: g.FieldNode, parent: Any, field: Any, args: Above, above: Above) -> int:
        if not g.is_list_type(g.get_nullable_type(field.type)):
            return 1
        for name in ("first", "limit"):
            if name in field.args:
                return args[name]
        key = (parent.name, node.name.value)
        if key in FIXED_SIZES:
            return FIXED_SIZES[key]
        sized = ("first", 1, 0) if parent.name.endswith("Connection") else SIZED_BY_PARENT.get(key)
        if sized is not None:
            arg, factor, offset = sized
            return factor * above.get(arg, CAPS[arg]) + offset
        return self.sizes.get(node.name.value, MAX_PAGE) if parent.name.startswith("__") else MAX_PAGE

    def selection_set(self, sel: g.SelectionSetNode | None, parent: Any, above: Above, seen: frozenset[str]) -> int:
        total = 0
        for s in sel.selections if sel is not None else ():
            if isinstance(s, g.FieldNode):
                total += self.field(s, parent, above, seen)
            elif isinstance(s, g.InlineFragmentNode):
                t = self.schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                total += self.selection_set(s.selection_set, t, above, seen)
            elif isinstance(s, g.FragmentSpreadNode) and s.name.value not in seen and s.name.value in self.fragments:
                key = (s.name.value, tuple(sorted(above.items())))
                if key not in self.memo:
                    frag = self.fragments[s.name.value]
                    t = self.schema.get_type(frag.type_condition.name.value)
                    self.memo[key] = self.selection_set(frag.selection_set, t, above, seen | {s.name.value})
                total += self.memo[key]
            if total > self.limit:
                raise ApiError(
                    f"Query is too expensive: its answer could hold more than {self.limit:,} objects (each list "
                    "counts its page size, `first` or its default). Ask for smaller pages or fewer nested lists."
                )
        return total

    def field(self, node: g.FieldNode, parent: Any, above: Above, seen: frozenset[str]) -> int:
        name = node.name.value
        fields = getattr(parent, "fields", {})
        field: Any = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}.get(name) or fields.get(name)
        if field is None or g.is_leaf_type(g.get_named_type(field.type)):
            return 0
        args = {a: v for a in CAPS if (v := self._arg(node, a)) is not None}
        args |= {a: int(field.args[a].default_value) for a in CAPS if a in field.args and a not in args}
        child = self.selection_set(node.selection_set, g.get_named_type(field.type), args, seen)
        return self._size(node, parent, field, args, above) * (1 + child)


def estimate(schema: g.GraphQLSchema, doc: g.DocumentNode, variables: Any, operation: str | None, limit: int) -> int:
    """Estimated cost of the operation that will run; ApiError above ``limit``."""
    ops = [d for d in doc.definitions if isinstance(d, g.OperationDefinitionNode)]
    ops = [d for d in ops if operation is None or (d.name is not None and d.name.value == operation)]
    values: dict[str, Any] = {}  # variables take their defaults where the request leaves them out
    for vd in (vd for op in ops for vd in op.variable_definitions or ()):
        if isinstance(vd.default_value, g.IntValueNode):
            values[vd.variable.name.value] = int(vd.default_value.value)
    values |= variables if isinstance(variables, dict) else {}
    est = Estimator(schema, doc, limit, values)
    root = schema.get_root_type
    return max((est.selection_set(op.selection_set, root(op.operation), {}, frozenset()) for op in ops), default=0)


# Validation results by (schema, query text, rules): hashing the text is cheap, hashing (or
# walking) the parsed document is not (milliseconds for a nested query).
_VALIDATED: OrderedDict[tuple[int, str, tuple[Any, ...]], list[g.GraphQLError]] = OrderedDict()


class Limits(SchemaExtension):
    """Strict parsing with a token limit; unknown fragments reported as graphql-core does (before
    the depth and alias rules, which fail on them); operations over ``max_cost`` refused."""

    def __init__(self, max_cost: int = MAX_COST, max_tokens: int = MAX_TOKENS) -> None:
        self.max_cost, self.max_tokens = max_cost, max_tokens

    def on_operation(self) -> Iterator[None]:
        options: dict[str, Any] = self.execution_context.parse_options  # type: ignore[assignment]
        options.update(max_tokens=self.max_tokens, allow_empty_selection_sets=False)
        yield

    def on_validate(self) -> Iterator[None]:
        # Validation here rather than by strawberry (whose ValidationCache hashes the document):
        # remembered per schema, query text and rules (the parser cache keeps one document per text).
        ec = self.execution_context
        if ec.graphql_document is not None and ec.query is not None:
            schema, rules = ec.schema._schema, tuple(ec.validation_rules)
            key = (id(schema), ec.query, rules)
            errors = _VALIDATED.get(key)
            if errors is None:
                # unknown fragments first (strawberry's depth rule fails on them)
                doc = ec.graphql_document
                errors = g.validate(schema, doc, [g.KnownFragmentNamesRule]) or g.validate(schema, doc, rules)
                _VALIDATED[key] = errors
                while len(_VALIDATED) > 256:
                    _VALIDATED.popitem(last=False)
            ec.pre_execution_errors = errors
        yield

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.graphql_document is not None and ec.result is None:
            try:
                estimate(ec.schema._schema, ec.graphql_document, ec.variables, ec.operation_name, self.max_cost)
            except ApiError as refused:
                ec.result = g.ExecutionResult(data=None, errors=[g.GraphQLError(str(refused))])
        yield
