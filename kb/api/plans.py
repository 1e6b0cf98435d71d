"""Plans for kb.api.executor: what each field of a selection set needs, worked out once.

A plan lists, for each field of a selection set (on one object type), how to answer it:
a plain attribute holding a scalar (LEAF) or a list of them (LEAVES) or an object (OBJECT),
``__typename``, a direct relationship resolver (DIRECT, kb.api.direct), or graphql-core's own
path (SLOW). Plans depend on the operation and on the values of the variables used below its
root fields, nothing else, so :func:`shared_plans` keeps them across requests. The value
helpers here coerce a field's value exactly as graphql-core would, or say MISSING when
graphql-core has to rule on it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import orjson
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Undefined
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE as _CAST

from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLOutputType, Node, VariableNode
from kb.api.idcache import IdentityCache
from kb.api.objects import EdgeObj, NodeObj

# Plan kinds for one field of a selection set.
SLOW = 0  # graphql-core's execute_field
LEAF = 1  # plain attribute holding a scalar or enum value
LEAVES = 2  # plain attribute holding a list of scalar values
OBJECT = 3  # plain attribute holding an object (possibly of an interface type)
DIRECT = 4  # direct resolver returning a non-null list of non-null objects
TYPENAME = 5  # __typename

MISSING = object()

# (response name, kind, field details, data for the kind)
FieldPlan = tuple[str, int, FieldDetailsList, tuple[Any, ...]]


class SharedPlans:
    """The plans of one operation with one set of variable values (they depend on nothing
    else), kept across requests: a repeated query is planned once.

    Selection sets are keyed by their parent type and the ids of their field nodes; the entry
    holds the operation, so those nodes (and their ids) stay alive and unique.
    """

    def __init__(self, operation: Any) -> None:
        self.operation = operation
        self.by_nodes: dict[tuple[str, tuple[int, ...]], Any] = {}
        self.columnar: dict[int, tuple[list[FieldPlan], bool]] = {}
        self.types: dict[tuple[GraphQLOutputType, type], GraphQLObjectType | None] = {}


# (schema, operation) and their variables' values as JSON -> plans; the most recent few hundred.
SHARED: IdentityCache[SharedPlans] = IdentityCache(256)
# operation -> the variables its plans depend on
PLAN_VARIABLES: IdentityCache[frozenset[str]] = IdentityCache(256)


def _variables_in(node: Any) -> set[str]:
    """The names of the variables used anywhere in ``node`` (an AST node or a list of them)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, VariableNode):
            found.add(n.name.value)
        elif isinstance(n, list | tuple):
            stack.extend(n)
        elif isinstance(n, Node):
            stack.extend(getattr(n, k, None) for k in n.keys if k != "loc")
    return found


def _plan_variables(operation: Any, fragments: dict[str, Any]) -> frozenset[str]:
    """The variables plans depend on: all but those used only in root fields' arguments (an
    ``id``), which graphql-core coerces for each request anyway."""
    hit = PLAN_VARIABLES.get((operation,))
    if hit is not None:
        return hit
    names: set[str] = _variables_in(list(fragments.values()))
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            names |= _variables_in([selection.directives, selection.selection_set])
        else:
            names |= _variables_in(selection)
    return PLAN_VARIABLES.put((operation,), None, frozenset(names))


def shared_plans(schema: Any, operation: Any, fragments: dict[str, Any], coerced: dict[str, Any]) -> SharedPlans:
    names = _plan_variables(operation, fragments)
    try:
        frozen = orjson.dumps({k: v for k, v in coerced.items() if k in names}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # values JSON cannot hold: plans for this request only
        return SharedPlans(operation)
    return SHARED.get((schema, operation), frozen) or SHARED.put((schema, operation), frozen, SharedPlans(operation))


def python_name(field_def: GraphQLField) -> str | None:
    definition = (field_def.extensions or {}).get("strawberry-definition")
    name = getattr(definition, "python_name", None)
    return name if isinstance(name, str) else None


def readers_of(object_type: GraphQLObjectType) -> dict[str, Callable[[Any], Any]] | None:
    """How to read each attribute of ``object_type``'s objects from their records, when its
    class says (kb.api.objects NodeObj / EdgeObj)."""
    origin = origin_of(object_type)
    if origin is None or not issubclass(origin, NodeObj | EdgeObj):
        return None
    readers: dict[str, Callable[[Any], Any]] = origin.readers()
    return readers


def close_coroutines(values: list[Any]) -> None:
    """Close the coroutines among ``values`` (never started, so nothing else is affected)."""
    for v in values:
        if inspect.iscoroutine(v):
            v.close()


def is_cast(obj: Any) -> bool:
    """True for an object given another type with ``strawberry.cast`` (an instance attribute)."""
    attrs = getattr(obj, "__dict__", None)
    return _CAST in attrs if attrs is not None else hasattr(obj, _CAST)


def leaf(value: Any, coerce: Callable[[Any], Any], non_null: bool) -> Any:
    """A scalar attribute's value coerced as graphql-core would; MISSING when graphql-core
    must decide (a null in a non-null field, a value that does not coerce, an error)."""
    if value is MISSING:
        return MISSING
    if value is None:
        return MISSING if non_null else None
    if value is Undefined or isinstance(value, Exception):
        return MISSING
    try:
        out = coerce(value)
    except Exception:
        return MISSING
    return MISSING if out is None or out is Undefined else out


def leaves(source: Any, data: tuple[str, Callable[[Any], Any], bool]) -> Any:
    attr, coerce, non_null = data
    try:
        values = getattr(source, attr)
    except Exception:
        return MISSING
    return leaf_list(values, coerce, non_null)


def leaf_list(values: Any, coerce: Callable[[Any], Any], non_null: bool) -> Any:
    """A list of scalars coerced as graphql-core would; MISSING when graphql-core must decide."""
    if values is None:
        return MISSING if non_null else None
    if type(values) is not list:  # other iterables, exceptions, Undefined: graphql-core's path
        return MISSING
    out = []
    for v in values:
        if v is None or v is Undefined or isinstance(v, Exception):
            return MISSING
        try:
            c = coerce(v)
        except Exception:
            return MISSING
        if c is None or c is Undefined:
            return MISSING
        out.append(c)
    return out


def origin_of(object_type: GraphQLObjectType) -> type | None:
    """The Python class of a strawberry object type (its objects need no ``is_type_of`` call
    when they are of exactly that class: strawberry's check is an ``isinstance``)."""
    definition = (object_type.extensions or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None
