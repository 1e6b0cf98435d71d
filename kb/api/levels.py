"""Level-by-level execution for kb.api.executor: a whole answer from store records.

When every field below a root field's object is planned (kb.api.plans) and readable from
store records (kb.api.objects ``readers``), the answer is worked out one level at a time:
each relationship list is read for all the entities of a level in one batch (kb.api.direct
``many``), and every field is read from the records, with no GraphQL objects made. Anything
graphql-core would have to rule on (a null in a non-null field, a value that does not coerce,
an error) raises :class:`Bail`, and the executor answers object by object instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLOutputType, GraphQLSchema, is_abstract_type
from kb.api.objects import NodeObj
from kb.api.plans import (
    DIRECT,
    LEAF,
    LEAVES,
    MISSING,
    OBJECT,
    TYPENAME,
    FieldPlan,
    close_coroutines,
    leaf,
    leaf_list,
    readers_of,
)


class Bail(Exception):
    """Level-by-level execution met something it leaves to graphql-core's rules."""


class LevelByLevel:
    """The level-by-level methods of kb.api.executor's execution context."""

    schema: GraphQLSchema
    _kb_types: dict[tuple[GraphQLOutputType, type], GraphQLObjectType | None]
    _kb_columnar: dict[int, tuple[list[FieldPlan], bool]]

    def _kb_subplan(
        self, runtime: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[GroupedFieldSet, list[FieldPlan] | None, bool]:
        raise NotImplementedError

    def _kb_info(self, details: FieldDetailsList, where: Any) -> Any:
        raise NotImplementedError

    def _kb_columnar_ok(self, parent_type: GraphQLObjectType, plan: list[FieldPlan]) -> bool:
        """Whether everything below ``plan`` can be answered level by level from store records:
        every field a plain attribute the type's class can read from its record (see
        kb.api.objects ``readers``), ``__typename``, or a relationship list with a batch
        resolver, down to the leaves."""
        hit = self._kb_columnar.get(id(plan))
        if hit is not None and hit[0] is plan:
            return hit[1]
        self._kb_columnar[id(plan)] = (plan, False)  # the plan is kept alive by the entry
        readers = readers_of(parent_type) or {}
        ok = bool(readers)
        for _, kind, details, data in plan if ok else ():
            if kind == TYPENAME:
                continue
            if kind in (LEAF, LEAVES) and data[0] in readers:
                continue
            if kind == OBJECT and data[0] in readers:
                types: Any = self.schema.get_possible_types(data[2]) if is_abstract_type(data[2]) else [data[2]]
            elif kind == DIRECT and data[7] is not None:
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

    def _kb_columns(
        self, parent_type: GraphQLObjectType, records: list[Any], plan: list[FieldPlan]
    ) -> list[dict[str, Any]]:
        """The answers for ``records`` (the store records of objects of ``parent_type``), field by
        field across them, read from the records as the objects would show them.

        Raises :class:`Bail` on anything graphql-core would have to rule on (a null in a
        non-null field, a value that does not coerce, an error); it calls nothing but record
        readers and batch resolvers, so nothing has to be undone then.
        """
        out: list[dict[str, Any]] = [{} for _ in records]
        if not records:
            return out
        readers = readers_of(parent_type)
        if readers is None:
            raise Bail
        for name, kind, details, data in plan:
            if kind == LEAF:
                attr, coerce, non_null, text = data
                read = readers[attr]
                for record, result in zip(records, out, strict=True):
                    try:
                        value = read(record)
                    except Exception:
                        raise Bail from None
                    if not (text and type(value) is str):
                        value = leaf(value, coerce, non_null)
                        if value is MISSING:
                            raise Bail
                    result[name] = value
            elif kind == LEAVES:
                read = readers[data[0]]
                for record, result in zip(records, out, strict=True):
                    try:
                        value = leaf_list(read(record), data[1], data[2])
                    except Exception:
                        raise Bail from None
                    if value is MISSING:
                        raise Bail
                    result[name] = value
            elif kind == TYPENAME:
                for result in out:
                    result[name] = data[0]
            elif kind == OBJECT:
                self._kb_object_columns(records, out, name, details, data, readers[data[0]])
            elif kind == DIRECT:
                self._kb_direct_columns(records, out, name, details, data)
            else:
                raise Bail
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
                raise Bail from None
            if value is None:
                if isinstance(rtype, GraphQLNonNull):
                    raise Bail
                out[i][name] = None
                continue
            runtime = self._kb_record_type(inner, value)
            if runtime is None:
                raise Bail
            group = groups.get(runtime)
            if group is None:
                group = groups[runtime] = ([], [])
            group[0].append(i)
            group[1].append(value)
        for runtime, (index, values) in groups.items():
            _, plan, deferred = self._kb_subplan(runtime, details)
            if plan is None or deferred:
                raise Bail
            for i, answer in zip(index, self._kb_columns(runtime, values, plan), strict=True):
                out[i][name] = answer

    def _kb_direct_columns(
        self, records: list[Any], out: list[dict[str, Any]], name: str, details: FieldDetailsList, data: Any
    ) -> None:
        _, args, where, _, _, item_type, _, many = data
        if many is None:
            raise Bail
        try:
            lists = many(records, self._kb_info(details, where), **args)
        except Exception:
            raise Bail from None
        if type(lists) is not list or len(lists) != len(records):
            raise Bail
        items: list[Any] = []
        for lst in lists:
            if type(lst) is not list:
                close_coroutines(lists)  # a batch resolver broke its contract: leave no coroutine behind
                raise Bail
            items.extend(lst)
        _, plan, deferred = self._kb_subplan(item_type, details)
        if plan is None or deferred:
            raise Bail
        answers = self._kb_columns(item_type, items, plan)
        start = 0
        for result, lst in zip(out, lists, strict=True):
            end = start + len(lst)
            result[name] = answers[start:end]
            start = end

    def _kb_record_type(self, declared: GraphQLOutputType, node: Any) -> GraphQLObjectType | None:
        """The object type an entity record completes as under ``declared`` (its class's type,
        as for the object made from it), or None when that is not a plain match."""
        return self._kb_class_type(declared, NodeObj.class_of(node))

    def _kb_class_type(self, declared: GraphQLOutputType, cls: type) -> GraphQLObjectType | None:
        """The object type of a generated strawberry class when it is ``declared`` or one of its
        possible types, else None."""
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
