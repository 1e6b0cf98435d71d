"""A graphql-core execution context with short paths for the fields nested answers are made of.

A 2-hop answer (a force's first 20 officers and the allegations against each) holds about
175 fields. graphql-core spends most of such a request on them, not on the store: per field
it builds a ``Path`` and a resolve-info object, coerces arguments, then walks
``complete_value`` through non-null, list, leaf and object wrappers. Most of those fields are
plain attributes of the objects kb.api.objects builds, and the relationship lists come from
resolvers that read only ``info.context`` and scalar arguments (kb.api.direct).

:class:`KBExecutionContext` plans each selection set (kb.api.plans; plans are kept across
requests) and then answers in one of two ways:

* level by level (kb.api.levels), when everything below a root field's object is planned and
  readable from store records: each relationship list is read for a whole level at once, and
  no GraphQL objects are made;
* object by object otherwise: plain attributes read and coerced, direct relationship resolvers
  called with arguments coerced once, their lists completed without per-item wrappers.

Whatever is not planned, or any value that is not exactly what the plan expects (a null
where the schema says non-null, an object of another class, an awaitable), goes down
graphql-core's own path, so answers and errors are graphql-core's.
``tests/api/test_executor.py`` runs the examples and a set of edge cases both ways and compares.
"""

from __future__ import annotations

from typing import Any

from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from graphql.type.introspection import TypeNameMetaFieldDef
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)
from kb.api.direct import is_direct, many_of
from kb.api.levels import Bail, LevelByLevel
from kb.api.objects import NodeObj
from kb.api.plans import (
    DIRECT,
    LEAF,
    LEAVES,
    MISSING,
    OBJECT,
    SLOW,
    TYPENAME,
    FieldPlan,
    SharedPlans,
    is_cast,
    leaf,
    leaves,
    origin_of,
    python_name,
    shared_plans,
)


class KBExecutionContext(LevelByLevel, StrawberryGraphQLCoreExecutionContext):
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
            shared = shared_plans(self.schema, self.operation, self.fragment_definitions, self.variable_values.coerced)
        self._kb_shared = shared or SharedPlans(self.operation)
        self._kb_types = self._kb_shared.types
        self._kb_columnar = self._kb_shared.columnar
        self._kb_plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[FieldPlan] | None]] = {}
        self._kb_sub: dict[
            tuple[GraphQLObjectType, int], tuple[FieldDetailsList, GroupedFieldSet, list[FieldPlan] | None, bool]
        ] = {}
        self._kb_infos: dict[int, tuple[Any, GraphQLResolveInfo[Any]]] = {}

    # -- planning ------------------------------------------------------------------------------

    def _kb_plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[FieldPlan] | None:
        key = (parent_type.name, id(fields))
        hit = self._kb_plans.get(key)
        if hit is not None and hit[0] is fields:
            return hit[1]
        shared_key = ("fields:" + parent_type.name, tuple(id(d.node) for ds in fields.values() for d in ds))
        plan: list[FieldPlan] | None
        if shared_key in self._kb_shared.by_nodes:
            plan = self._kb_shared.by_nodes[shared_key]
        else:
            plan = [(name, *self._kb_field_plan(parent_type, details)) for name, details in fields.items()]
            if parent_type is not self._kb_root and all(kind == SLOW for _, kind, _, _ in plan):
                plan = None
            self._kb_shared.by_nodes[shared_key] = plan
        # The grouped field set is kept in the entry, so its id cannot be reused while cached.
        self._kb_plans[key] = (fields, plan)
        return plan

    def _kb_field_plan(
        self, parent_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[int, FieldDetailsList, tuple[Any, ...]]:
        slow = (SLOW, details, ())
        node = details[0].node
        if any(d.node.directives for d in details):  # @skip/@include were applied; anything else is rare
            return slow
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None:
            return slow
        if field_def is TypeNameMetaFieldDef:
            return (TYPENAME, details, (parent_type.name,))
        rtype: Any = field_def.type
        non_null = isinstance(rtype, GraphQLNonNull)
        inner: Any = rtype.of_type if non_null else rtype
        resolve = field_def.resolve
        if getattr(resolve, "_is_default", False) and not field_def.args and not node.arguments:
            attr = python_name(field_def)
            if attr is None:
                return slow
            if is_leaf_type(inner):
                text = inner is GraphQLString or inner is GraphQLID
                return (LEAF, details, (attr, inner.coerce_output_value, non_null, text))
            if isinstance(inner, GraphQLList) and isinstance(inner.of_type, GraphQLNonNull):
                item = inner.of_type.of_type
                if is_leaf_type(item):
                    return (LEAVES, details, (attr, item.coerce_output_value, non_null))
            if is_object_type(inner) or is_abstract_type(inner):
                return (OBJECT, details, (attr, rtype, inner))
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
                origin = origin_of(item.of_type)
                if origin is not None:
                    many = many_of(resolve)
                    data = (resolve, args, (field_def, parent_type), rtype, item, item.of_type, origin, many)
                    return (DIRECT, details, data)
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
            and type(source_value) is origin_of(parent_type)
            and isinstance(source_value, NodeObj)
            and self._kb_columnar_ok(parent_type, plan)
        ):
            try:
                answer: dict[str, Any] = self._kb_columns(parent_type, [source_value._node], plan)[0]
                return answer
            except Bail:
                pass  # something unusual below: graphql-core's rules, object by object
        return self._kb_execute(parent_type, source_value, path, plan, position_context)

    # -- level by level ------------------------------------------------------------------------

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

    def _kb_execute(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        plan: list[FieldPlan],
        position_context: Any = None,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields`` for a planned selection set."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for name, kind, details, data in plan:
                if kind == LEAF:
                    attr, coerce, non_null, text = data
                    try:
                        value = getattr(source_value, attr)
                    except Exception:
                        value = MISSING
                    if text and type(value) is str:  # String and ID give a str back unchanged
                        results[name] = value
                        continue
                    value = leaf(value, coerce, non_null)
                    if value is not MISSING:
                        results[name] = value
                        continue
                elif kind == LEAVES:
                    value = leaves(source_value, data)
                    if value is not MISSING:
                        results[name] = value
                        continue
                elif kind == OBJECT:
                    value = self._kb_object(parent_type, source_value, path, name, details, data)
                elif kind == DIRECT:
                    value = self._kb_direct(parent_type, source_value, path, name, details, data)
                elif kind == TYPENAME:
                    results[name] = data[0]
                    continue
                else:
                    value = MISSING
                if value is MISSING:
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
            return MISSING
        runtime = self._kb_runtime_type(inner, value)
        if runtime is None:
            return MISSING  # null, or not plainly one of ours: graphql-core decides
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
            if type(result) is not list or not all(type(i) is origin and not is_cast(i) for i in result):
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
        if value is None or is_cast(value):
            return None
        return self._kb_class_type(declared, type(value))

    def _kb_subplan(
        self, runtime: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[GroupedFieldSet, list[FieldPlan] | None, bool]:
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
