"""A graphql-core execution context with a short path for the fields a nested answer is made of.

A 2-hop answer (a force's first 20 officers and the allegations against each) holds about
175 fields. graphql-core spends most of the request on them, not on the store: per field it
builds a ``Path`` and a resolve-info object, coerces arguments, then walks ``complete_value``
through non-null, list, leaf and object wrappers. Most of those fields are plain attributes
of the objects kb.api.objects builds, and the relationship lists come from resolvers that read
only ``info.context`` and scalar arguments (kb.api.direct).

:class:`KBExecutionContext` plans each selection set once per request and then, for each
object, reads plain attributes and coerces them, calls direct relationship resolvers with
arguments coerced once, and completes their lists of edges without the per-item wrappers.
Whatever it does not plan for, or any value that is not exactly what the plan expects (a
null where the schema says non-null, an object of another class, an awaitable), goes down
graphql-core's own path for that field, so answers and errors are the same as graphql-core's.
``tests/test_executor.py`` runs the examples and a set of edge cases both ways and compares.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import orjson
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from graphql.type.introspection import TypeNameMetaFieldDef
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE as _CAST

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Node,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)
from kb.api.direct import is_direct, many_of
from kb.api.objects import EdgeObj, NodeObj

# Plan kinds for one field of a selection set.
_SLOW = 0  # graphql-core's execute_field
_LEAF = 1  # plain attribute holding a scalar or enum value
_LEAVES = 2  # plain attribute holding a list of scalar values
_OBJECT = 3  # plain attribute holding an object (possibly of an interface type)
_DIRECT = 4  # direct resolver returning a non-null list of non-null objects
_TYPENAME = 5  # __typename

_MISSING = object()


class _Bail(Exception):
    """Level-by-level execution met something it leaves to graphql-core's rules."""


# (response name, kind, field details, data for the kind)
_FieldPlan = tuple[str, int, FieldDetailsList, tuple[Any, ...]]


class _Plans:
    """The plans of one operation with one set of variable values (they depend on nothing
    else), kept across requests: a repeated query is planned once.

    Selection sets are keyed by their parent type and the ids of their field nodes; the entry
    holds the operation, so those nodes (and their ids) stay alive and unique.
    """

    def __init__(self, operation: Any) -> None:
        self.operation = operation
        self.by_nodes: dict[tuple[str, tuple[int, ...]], Any] = {}
        self.columnar: dict[int, tuple[list[_FieldPlan], bool]] = {}
        self.types: dict[tuple[GraphQLOutputType, type], GraphQLObjectType | None] = {}


# (schema id, operation id, coerced variables as JSON) -> plans; the most recent few hundred.
_SHARED: dict[tuple[int, int, bytes], tuple[Any, _Plans]] = {}
_SHARED_MAX = 256
# operation id -> (operation, the variables its plans depend on)
_PLAN_VARIABLES: dict[int, tuple[Any, frozenset[str]]] = {}


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
    hit = _PLAN_VARIABLES.get(id(operation))
    if hit is not None and hit[0] is operation:
        return hit[1]
    names: set[str] = _variables_in(list(fragments.values()))
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            names |= _variables_in([selection.directives, selection.selection_set])
        else:
            names |= _variables_in(selection)
    if len(_PLAN_VARIABLES) >= _SHARED_MAX:
        del _PLAN_VARIABLES[next(iter(_PLAN_VARIABLES))]
    found = frozenset(names)
    _PLAN_VARIABLES[id(operation)] = (operation, found)
    return found


def _shared_plans(schema: Any, operation: Any, fragments: dict[str, Any], coerced: dict[str, Any]) -> _Plans:
    names = _plan_variables(operation, fragments)
    try:
        frozen = orjson.dumps({k: v for k, v in coerced.items() if k in names}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # values JSON cannot hold: plans for this request only
        return _Plans(operation)
    key = (id(schema), id(operation), frozen)
    hit = _SHARED.get(key)
    if hit is not None and hit[0] is schema and hit[1].operation is operation:
        return hit[1]
    plans = _Plans(operation)
    if len(_SHARED) >= _SHARED_MAX:
        del _SHARED[next(iter(_SHARED))]
    _SHARED[key] = (schema, plans)
    return plans


class KBExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with planned selection sets (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Field middleware (a strawberry extension with a ``resolve`` hook) sees every field call.
        middleware = self.middleware_manager
        self._kb_fast = (middleware is None or not middleware.middlewares) and self.error_propagation
        self._kb_root = self.schema.query_type
        # Plans depend on the operation and the variables only: shared by the requests that repeat
        # them. The per-request memos below find them by the ids of this request's objects.
        shared = None
        if self._kb_fast:
            shared = _shared_plans(self.schema, self.operation, self.fragment_definitions, self.variable_values.coerced)
        self._kb_shared = shared or _Plans(self.operation)
        self._kb_types = self._kb_shared.types
        self._kb_columnar = self._kb_shared.columnar
        self._kb_plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[_FieldPlan] | None]] = {}
        self._kb_sub: dict[
            tuple[GraphQLObjectType, int], tuple[FieldDetailsList, GroupedFieldSet, list[_FieldPlan] | None, bool]
        ] = {}
        self._kb_infos: dict[int, tuple[Any, GraphQLResolveInfo[Any]]] = {}

    # -- planning ------------------------------------------------------------------------------

    def _kb_plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[_FieldPlan] | None:
        key = (parent_type.name, id(fields))
        hit = self._kb_plans.get(key)
        if hit is not None and hit[0] is fields:
            return hit[1]
        shared_key = ("fields:" + parent_type.name, tuple(id(d.node) for ds in fields.values() for d in ds))
        plan: list[_FieldPlan] | None
        if shared_key in self._kb_shared.by_nodes:
            plan = self._kb_shared.by_nodes[shared_key]
        else:
            plan = [(name, *self._kb_field_plan(parent_type, details)) for name, details in fields.items()]
            if parent_type is not self._kb_root and all(kind == _SLOW for _, kind, _, _ in plan):
                plan = None
            self._kb_shared.by_nodes[shared_key] = plan
        # The grouped field set is kept in the entry, so its id cannot be reused while cached.
        self._kb_plans[key] = (fields, plan)
        return plan

    def _kb_field_plan(
        self, parent_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[int, FieldDetailsList, tuple[Any, ...]]:
        slow = (_SLOW, details, ())
        node = details[0].node
        if any(d.node.directives for d in details):  # @skip/@include were applied; anything else is rare
            return slow
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None:
            return slow
        if field_def is TypeNameMetaFieldDef:
            return (_TYPENAME, details, (parent_type.name,))
        rtype: Any = field_def.type
        non_null = isinstance(rtype, GraphQLNonNull)
        inner: Any = rtype.of_type if non_null else rtype
        resolve = field_def.resolve
        if getattr(resolve, "_is_default", False) and not field_def.args and not node.arguments:
            attr = _python_name(field_def)
            if attr is None:
                return slow
            if is_leaf_type(inner):
                text = inner is GraphQLString or inner is GraphQLID
                return (_LEAF, details, (attr, inner.coerce_output_value, non_null, text))
            if isinstance(inner, GraphQLList) and isinstance(inner.of_type, GraphQLNonNull):
                item = inner.of_type.of_type
                if is_leaf_type(item):
                    return (_LEAVES, details, (attr, item.coerce_output_value, non_null))
            if is_object_type(inner) or is_abstract_type(inner):
                return (_OBJECT, details, (attr, rtype, inner))
            return slow
        if resolve is not None and is_direct(resolve) and non_null and isinstance(inner, GraphQLList):
            item = inner.of_type
            if isinstance(item, GraphQLNonNull) and is_object_type(item.of_type):
                try:
                    variables = self.variable_values
                    fragment_vars = details[0].fragment_variable_values
                    args = get_argument_values(field_def, node, variables, fragment_vars, self.hide_suggestions)
                except Exception:  # graphql-core reports it, on its own path
                    return slow
                origin = _origin(item.of_type)
                if origin is not None:
                    many = many_of(resolve)
                    data = (resolve, args, (field_def, parent_type), rtype, item, item.of_type, origin, many)
                    return (_DIRECT, details, data)
        return slow

    def _kb_info(self, details: FieldDetailsList, where: tuple[GraphQLField, GraphQLObjectType]) -> Any:
        """This request's resolve info for a direct field. A direct resolver reads only
        ``info.context`` (kb.api.direct), and graphql-core's completion reads the field and
        parent type names: one info object per field serves every call."""
        hit = self._kb_infos.get(id(where))
        if hit is not None and hit[0] is where:
            return hit[1]
        field_def, parent_type = where
        info = self.build_resolve_info(field_def, [d.node for d in details], parent_type, None)  # type: ignore[arg-type]
        self._kb_infos[id(where)] = (where, info)
        return info

    # -- execution -----------------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._kb_plan(parent_type, grouped_field_set) if self._kb_fast else None
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        # Not for an item of a list graphql-core completes: its siblings are executed one by one,
        # and their relationship lists are batched by the DataLoaders instead.
        if (
            (path is None or not isinstance(path.key, int))
            and type(source_value) is _origin(parent_type)
            and isinstance(source_value, NodeObj)
            and self._kb_columnar_ok(parent_type, plan)
        ):
            try:
                answer: dict[str, Any] = self._kb_columns(parent_type, [source_value._node], plan)[0]
                return answer
            except _Bail:
                pass  # something unusual below: graphql-core's rules, object by object
        return self._kb_execute(parent_type, source_value, path, plan, position_context)

    # -- level by level ------------------------------------------------------------------------

    def _kb_columnar_ok(self, parent_type: GraphQLObjectType, plan: list[_FieldPlan]) -> bool:
        """Whether everything below ``plan`` can be answered level by level from store records:
        every field a plain attribute the type's class can read from its record (see
        kb.api.objects ``readers``), ``__typename``, or a relationship list with a batch
        resolver, down to the leaves."""
        hit = self._kb_columnar.get(id(plan))
        if hit is not None and hit[0] is plan:
            return hit[1]
        self._kb_columnar[id(plan)] = (plan, False)  # the plan is kept alive by the entry
        readers = _readers(parent_type) or {}
        ok = bool(readers)
        for _, kind, details, data in plan if ok else ():
            if kind == _TYPENAME:
                continue
            if kind in (_LEAF, _LEAVES) and data[0] in readers:
                continue
            if kind == _OBJECT and data[0] in readers:
                types: Any = self.schema.get_possible_types(data[2]) if is_abstract_type(data[2]) else [data[2]]
            elif kind == _DIRECT and data[7] is not None:
                types = [data[5]]
            else:
                ok = False
                break
            for runtime in types:
                _, sub, deferred = self._kb_subplan(runtime, details)
                if sub is None or deferred or not self._kb_columnar_ok(runtime, sub):
                    ok = False
                    break
            if not ok:
                break
        self._kb_columnar[id(plan)] = (plan, ok)
        return ok

    def _kb_root_field(
        self, root_type: GraphQLObjectType, source: Any, details: FieldDetailsList, path: Path, position_context: Any
    ) -> Any:
        """A root field, its resolver told not to read ahead when everything below it will be
        executed level by level (each level then reads for all its entities at once)."""
        context = self.context_value
        field_def = self.schema.get_field(root_type, details[0].node.name.value)
        if not getattr(context, "lookahead", False) or field_def is None:
            return self.execute_field(root_type, source, details, path, position_context)
        named: Any = field_def.type
        while isinstance(named, GraphQLNonNull | GraphQLList):
            named = named.of_type
        if is_object_type(named):
            types: Any = [named]
        elif is_abstract_type(named):
            types = self.schema.get_possible_types(named)
        else:
            types = []
        batched = bool(types)
        for runtime in types:
            _, plan, deferred = self._kb_subplan(runtime, details)
            if plan is None or deferred or not self._kb_columnar_ok(runtime, plan):
                batched = False
                break
        context.lookahead = not batched
        try:
            return self.execute_field(root_type, source, details, path, position_context)
        finally:
            context.lookahead = True

    def _kb_columns(
        self, parent_type: GraphQLObjectType, records: list[Any], plan: list[_FieldPlan]
    ) -> list[dict[str, Any]]:
        """The answers for ``records`` (the store records of objects of ``parent_type``), field by
        field across them, read from the records as the objects would show them.

        Raises :class:`_Bail` on anything graphql-core would have to rule on (a null in a
        non-null field, a value that does not coerce, an error); it calls nothing but record
        readers and batch resolvers, so nothing has to be undone then.
        """
        out: list[dict[str, Any]] = [{} for _ in records]
        if not records:
            return out
        readers = _readers(parent_type)
        if readers is None:
            raise _Bail
        for name, kind, details, data in plan:
            if kind == _LEAF:
                attr, coerce, non_null, text = data
                read = readers[attr]
                for record, result in zip(records, out, strict=True):
                    try:
                        value = read(record)
                    except Exception:
                        raise _Bail from None
                    if not (text and type(value) is str):
                        value = _leaf(value, coerce, non_null)
                        if value is _MISSING:
                            raise _Bail
                    result[name] = value
            elif kind == _LEAVES:
                read = readers[data[0]]
                for record, result in zip(records, out, strict=True):
                    try:
                        value = _leaf_list(read(record), data[1], data[2])
                    except Exception:
                        raise _Bail from None
                    if value is _MISSING:
                        raise _Bail
                    result[name] = value
            elif kind == _TYPENAME:
                for result in out:
                    result[name] = data[0]
            elif kind == _OBJECT:
                self._kb_object_columns(records, out, name, details, data, readers[data[0]])
            elif kind == _DIRECT:
                self._kb_direct_columns(records, out, name, details, data)
            else:
                raise _Bail
        return out

    def _kb_object_columns(
        self,
        records: list[Any],
        out: list[dict[str, Any]],
        name: str,
        details: FieldDetailsList,
        data: Any,
        read: Callable[[Any], Any],
    ) -> None:
        _, rtype, inner = data
        groups: dict[GraphQLObjectType, tuple[list[int], list[Any]]] = {}
        for i, record in enumerate(records):
            try:
                value = read(record)
            except Exception:
                raise _Bail from None
            if value is None:
                if isinstance(rtype, GraphQLNonNull):
                    raise _Bail
                out[i][name] = None
                continue
            runtime = self._kb_record_type(inner, value)
            if runtime is None:
                raise _Bail
            group = groups.get(runtime)
            if group is None:
                group = groups[runtime] = ([], [])
            group[0].append(i)
            group[1].append(value)
        for runtime, (index, values) in groups.items():
            _, plan, deferred = self._kb_subplan(runtime, details)
            if plan is None or deferred:
                raise _Bail
            for i, answer in zip(index, self._kb_columns(runtime, values, plan), strict=True):
                out[i][name] = answer

    def _kb_direct_columns(
        self, records: list[Any], out: list[dict[str, Any]], name: str, details: FieldDetailsList, data: Any
    ) -> None:
        _, args, where, _, _, item_type, _, many = data
        if many is None:
            raise _Bail
        try:
            lists = many(records, self._kb_info(details, where), **args)
        except Exception:
            raise _Bail from None
        if type(lists) is not list or len(lists) != len(records):
            raise _Bail
        items: list[Any] = []
        for lst in lists:
            if type(lst) is not list:
                _close(lists)  # a batch resolver broke its contract: leave no coroutine behind
                raise _Bail
            items.extend(lst)
        _, plan, deferred = self._kb_subplan(item_type, details)
        if plan is None or deferred:
            raise _Bail
        answers = self._kb_columns(item_type, items, plan)
        start = 0
        for result, lst in zip(out, lists, strict=True):
            end = start + len(lst)
            result[name] = answers[start:end]
            start = end

    def _kb_record_type(self, declared: GraphQLOutputType, node: Any) -> GraphQLObjectType | None:
        """The object type an entity record completes as under ``declared`` (its class's type,
        as for the object made from it), or None when that is not a plain match."""
        cls = NodeObj.class_of(node)
        key = (declared, cls)
        try:
            return self._kb_types[key]
        except KeyError:
            pass
        found: GraphQLObjectType | None = None
        definition = getattr(cls, "__strawberry_definition__", None)
        if definition is not None and getattr(definition, "origin", None) is cls:
            candidate = self.schema.get_type(definition.name)
            if isinstance(candidate, GraphQLObjectType) and (
                candidate is declared or (is_abstract_type(declared) and self.schema.is_sub_type(declared, candidate))
            ):
                found = candidate
        self._kb_types[key] = found
        return found

    def _kb_execute(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        plan: list[_FieldPlan],
        position_context: Any = None,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields`` for a planned selection set."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for name, kind, details, data in plan:
                if kind == _LEAF:
                    attr, coerce, non_null, text = data
                    try:
                        value = getattr(source_value, attr)
                    except Exception:
                        value = _MISSING
                    if text and type(value) is str:  # String and ID give a str back unchanged
                        results[name] = value
                        continue
                    value = _leaf(value, coerce, non_null)
                    if value is not _MISSING:
                        results[name] = value
                        continue
                elif kind == _LEAVES:
                    value = _leaves(source_value, data)
                    if value is not _MISSING:
                        results[name] = value
                        continue
                elif kind == _OBJECT:
                    value = self._kb_object(parent_type, source_value, path, name, details, data)
                elif kind == _DIRECT:
                    value = self._kb_direct(parent_type, source_value, path, name, details, data)
                elif kind == _TYPENAME:
                    results[name] = data[0]
                    continue
                else:
                    value = _MISSING
                if value is _MISSING:
                    field_path = Path(path, name, parent_type.name)
                    if parent_type is self._kb_root:
                        value = self._kb_root_field(parent_type, source_value, details, field_path, position_context)
                    else:
                        value = self.execute_field(parent_type, source_value, details, field_path, position_context)
                    if value is Undefined:
                        continue
                results[name] = value
                if is_awaitable(value):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _kb_object(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        name: str,
        details: FieldDetailsList,
        data: tuple[Any, ...],
    ) -> Any:
        attr, rtype, inner = data
        try:
            value = getattr(source, attr)
        except Exception:
            return _MISSING
        runtime = self._kb_runtime_type(inner, value)
        if runtime is None:
            return _MISSING  # null, or not plainly one of ours: graphql-core decides
        field_path = Path(path, name, parent_type.name)
        try:
            out = self._kb_subfields(runtime, details, field_path, value)
        except Exception as error:
            self.handle_field_error(error, rtype, details, field_path)
            return None
        if self.is_awaitable(out):
            return self._kb_guard(out, rtype, details, field_path)
        return out

    def _kb_direct(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        name: str,
        details: FieldDetailsList,
        data: tuple[Any, ...],
    ) -> Any:
        resolve, args, where, rtype, item_nn, item_type, origin, _ = data
        info = self._kb_info(details, where)
        field_path = Path(path, name, parent_type.name)
        try:
            result = resolve(source, info, **args)
            if type(result) is not list or not all(type(i) is origin and not _is_cast(i) for i in result):
                # graphql-core's completion, from the resolver's result (not called again)
                if self.is_awaitable(result):
                    return self.complete_awaitable_value(rtype, details, info, field_path, result, None)
                completed = self.complete_value(rtype, details, info, field_path, result, None)
                if self.is_awaitable(completed):
                    return self._kb_guard(completed, rtype, details, field_path)
                return completed
            out: list[Any] = []
            pending: list[int] = []
            plan = self._kb_subplan(item_type, details)[1]
            for index, item in enumerate(result):
                item_path = field_path.add_key(index, None)
                try:
                    if plan is not None:
                        done = self._kb_execute(item_type, item, item_path, plan)
                    else:
                        done = self._kb_subfields(item_type, details, item_path, item)
                except Exception as error:
                    self.handle_field_error(error, item_nn, details, item_path)  # raises: items are non-null
                    done = None
                if self.is_awaitable(done):
                    done = self._kb_guard(done, item_nn, details, item_path)
                    pending.append(index)
                out.append(done)
        except Exception as error:
            self.handle_field_error(error, rtype, details, field_path)
            return None
        if not pending:
            return out

        async def gather_items() -> list[Any]:
            awaited = await gather_with_cancel(*(out[i] for i in pending))
            for i, v in zip(pending, awaited, strict=True):
                out[i] = v
            return out

        return self._kb_guard(gather_items(), rtype, details, field_path)

    def _kb_runtime_type(self, declared: GraphQLOutputType, value: Any) -> GraphQLObjectType | None:
        """The object type ``value`` completes as under ``declared`` when that needs no resolver
        call: an object of exactly one generated strawberry class, not type-cast; else None."""
        if value is None or _is_cast(value):
            return None
        key = (declared, type(value))
        try:
            return self._kb_types[key]
        except KeyError:
            pass
        found: GraphQLObjectType | None = None
        definition = getattr(type(value), "__strawberry_definition__", None)
        if definition is not None and getattr(definition, "origin", None) is type(value):
            candidate = self.schema.get_type(definition.name)
            if isinstance(candidate, GraphQLObjectType) and (
                candidate is declared or (is_abstract_type(declared) and self.schema.is_sub_type(declared, candidate))
            ):
                found = candidate
        self._kb_types[key] = found
        return found

    def _kb_subplan(
        self, runtime: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[GroupedFieldSet, list[_FieldPlan] | None, bool]:
        """The fields selected on ``runtime`` below ``details``, their plan (None: not planned)
        and whether they defer anything."""
        key = (runtime, id(details))
        hit = self._kb_sub.get(key)
        if hit is None or hit[0] is not details:
            shared_key = ("below:" + runtime.name, tuple(id(d.node) for d in details))
            found = self._kb_shared.by_nodes.get(shared_key)
            if found is None:
                collected = self.collect_subfields(runtime, details)
                fields = collected.grouped_field_set
                deferred = bool(collected.new_defer_usages)
                plan = None if deferred else self._kb_plan(runtime, fields)
                found = self._kb_shared.by_nodes[shared_key] = (fields, plan, deferred)
            # ``details`` is kept in the entry, so its id cannot be reused while cached.
            hit = self._kb_sub[key] = (details, *found)
        return hit[1], hit[2], hit[3]

    def _kb_subfields(self, runtime: GraphQLObjectType, details: FieldDetailsList, path: Path, value: Any) -> Any:
        fields, plan, deferred = self._kb_subplan(runtime, details)
        if plan is not None:
            return self._kb_execute(runtime, value, path, plan)
        if deferred:
            return self.collect_and_execute_subfields(runtime, details, path, value, None)
        return super().execute_fields(runtime, value, path, fields, None)

    async def _kb_guard(self, awaitable: Any, rtype: GraphQLOutputType, details: FieldDetailsList, path: Path) -> Any:
        try:
            return await awaitable
        except Exception as error:
            self.handle_field_error(error, rtype, details, path)
            return None


def _python_name(field_def: GraphQLField) -> str | None:
    definition = (field_def.extensions or {}).get("strawberry-definition")
    name = getattr(definition, "python_name", None)
    return name if isinstance(name, str) else None


def _readers(object_type: GraphQLObjectType) -> dict[str, Callable[[Any], Any]] | None:
    """How to read each attribute of ``object_type``'s objects from their records, when its
    class says (kb.api.objects NodeObj / EdgeObj)."""
    origin = _origin(object_type)
    if origin is None or not issubclass(origin, NodeObj | EdgeObj):
        return None
    readers: dict[str, Callable[[Any], Any]] = origin.readers()
    return readers


def _close(values: list[Any]) -> None:
    """Close the coroutines among ``values`` (never started, so nothing else is affected)."""
    for v in values:
        if inspect.iscoroutine(v):
            v.close()


def _is_cast(obj: Any) -> bool:
    """True for an object given another type with ``strawberry.cast`` (an instance attribute)."""
    attrs = getattr(obj, "__dict__", None)
    return _CAST in attrs if attrs is not None else hasattr(obj, _CAST)


def _leaf(value: Any, coerce: Callable[[Any], Any], non_null: bool) -> Any:
    """A scalar attribute's value coerced as graphql-core would; _MISSING when graphql-core
    must decide (a null in a non-null field, a value that does not coerce, an error)."""
    if value is _MISSING:
        return _MISSING
    if value is None:
        return _MISSING if non_null else None
    if value is Undefined or isinstance(value, Exception):
        return _MISSING
    try:
        out = coerce(value)
    except Exception:
        return _MISSING
    return _MISSING if out is None or out is Undefined else out


def _leaves(source: Any, data: tuple[str, Callable[[Any], Any], bool]) -> Any:
    attr, coerce, non_null = data
    try:
        values = getattr(source, attr)
    except Exception:
        return _MISSING
    return _leaf_list(values, coerce, non_null)


def _leaf_list(values: Any, coerce: Callable[[Any], Any], non_null: bool) -> Any:
    """A list of scalars coerced as graphql-core would; _MISSING when graphql-core must decide."""
    if values is None:
        return _MISSING if non_null else None
    if type(values) is not list:  # other iterables, exceptions, Undefined: graphql-core's path
        return _MISSING
    out = []
    for v in values:
        if v is None or v is Undefined or isinstance(v, Exception):
            return _MISSING
        try:
            c = coerce(v)
        except Exception:
            return _MISSING
        if c is None or c is Undefined:
            return _MISSING
        out.append(c)
    return out


def _origin(object_type: GraphQLObjectType) -> type | None:
    """The Python class of a strawberry object type (its objects need no ``is_type_of`` call
    when they are of exactly that class: strawberry's check is an ``isinstance``)."""
    definition = (object_type.extensions or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None
