"""A small filter language for listing entities, shared by every store.

The API turns GraphQL ``where`` inputs into these objects; the memory store evaluates
them in Python (:func:`matches`), the Neo4j store compiles them to parameterised Cypher.
Field names are checked against the ontology's property list, never passed through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from kb.identity import fold
from kb.model import Direction, Node, PropValue

Op: TypeAlias = Literal["eq", "in", "contains", "startsWith", "gt", "gte", "lt", "lte", "exists"]
OPS: tuple[str, ...] = ("eq", "in", "contains", "startsWith", "gt", "gte", "lt", "lte", "exists")
# Fields every node has besides its ontology properties.
CORE_FIELDS: tuple[str, ...] = ("id", "type", "name", "aliases")


@dataclass(frozen=True, slots=True)
class Cond:
    """``field op value``. String comparisons are case-insensitive; "aliases" matches any
    alias and "name" also matches aliases for contains/startsWith/eq."""

    field: str
    op: Op
    value: PropValue | Sequence[PropValue] | None = None


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Filter


@dataclass(frozen=True, slots=True)
class HasRelation:
    """At least ``min_count`` relations of ``rel_type`` whose other end matches ``where``."""

    rel_type: str
    direction: Direction = "both"
    where: Filter | None = None
    min_count: int = 1


Filter: TypeAlias = Cond | And | Or | Not | HasRelation


def _values(node: Node, field: str) -> list[PropValue]:
    if field == "id":
        return [node.id]
    if field == "type":
        return [node.type]
    if field == "name":
        return [node.name, *node.aliases]
    if field == "aliases":
        return list(node.aliases)
    v = node.props.get(field)
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def _cmp(a: PropValue, op: str, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        fa, fb = fold(a), fold(b)
        if op == "eq":
            return fa == fb
        if op == "contains":
            return fb in fa
        if op == "startsWith":
            return fa.startswith(fb)
        # dates and other strings compare lexically (ISO dates sort correctly)
        return {"gt": fa > fb, "gte": fa >= fb, "lt": fa < fb, "lte": fa <= fb}.get(op, False)
    if isinstance(a, bool) or isinstance(b, bool):
        return op == "eq" and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return {
            "eq": a == b,
            "gt": a > b,
            "gte": a >= b,
            "lt": a < b,
            "lte": a <= b,
        }.get(op, False)
    return False


NeighbourFn = Callable[[Node, HasRelation], Sequence[Node]]


def matches(node: Node, flt: Filter | None, neighbours: NeighbourFn | None = None) -> bool:
    """Evaluate a filter on one node; ``neighbours`` resolves HasRelation conditions."""
    if flt is None:
        return True
    if isinstance(flt, And):
        return all(matches(node, f, neighbours) for f in flt.items)
    if isinstance(flt, Or):
        return any(matches(node, f, neighbours) for f in flt.items)
    if isinstance(flt, Not):
        return not matches(node, flt.item, neighbours)
    if isinstance(flt, HasRelation):
        if neighbours is None:
            raise ValueError("relation filters need a neighbour lookup")
        others = neighbours(node, flt)
        hits = sum(1 for o in others if matches(o, flt.where, neighbours))
        return hits >= flt.min_count
    values = _values(node, flt.field)
    if flt.op == "exists":
        return bool(values) == bool(flt.value if flt.value is not None else True)
    if flt.op == "in":
        wanted = flt.value if isinstance(flt.value, list | tuple) else [flt.value]
        return any(_cmp(v, "eq", w) for v in values for w in wanted)
    return any(_cmp(v, flt.op, flt.value) for v in values)
