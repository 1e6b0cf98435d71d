"""A small filter language for listing entities, shared by every store.

The API turns GraphQL ``where`` inputs into these objects; the memory store evaluates
them in Python (:class:`Matcher`), the Neo4j store compiles them to parameterised Cypher
(kb.store.neo4j_filters).
Field names are checked against the ontology's property list, never passed through.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeAlias

from kb.identity import fold as _fold
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
# A scan compares the same names and the same query words again and again: fold each once.
fold = lru_cache(maxsize=2**16)(_fold)


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


def cond_matches(node: Node, cond: Cond) -> bool:
    """Whether one entity satisfies one condition."""
    values = _values(node, cond.field)
    if cond.op == "exists":
        return bool(values) == bool(cond.value if cond.value is not None else True)
    if cond.op == "in":
        wanted = cond.value if isinstance(cond.value, list | tuple) else [cond.value]
        return any(_cmp(v, "eq", w) for v in values for w in wanted)
    return any(_cmp(v, cond.op, cond.value) for v in values)


class ScanTimeout(Exception):
    """A scan ran past its deadline (see :class:`Matcher`)."""


class Deadline:
    """When a long read must stop: at ``time.monotonic()`` value ``at``, or at once after
    :meth:`cancel` (its caller went away). Shared with the thread doing the read."""

    def __init__(self, at: float) -> None:
        self.at = at

    def cancel(self) -> None:
        self.at = -math.inf

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def check(self) -> None:
        """ScanTimeout once the deadline has passed."""
        if time.monotonic() > self.at:
            raise ScanTimeout("the scan ran past its deadline")


NO_DEADLINE = Deadline(math.inf)


# The ids at the far end of an entity's relations of one type and direction (lazily, repeats allowed).
Neighbours = Callable[[str, HasRelation], Iterable[str]]
CHECK_EVERY = 256


class Matcher:
    """Evaluates one filter over the entities of one scan.

    A relationship filter counts distinct far ends and stops at ``min_count``; its inner filter
    is evaluated at most once per far entity (memoised by sub-filter and id), so a filter nested
    over hubs (officers of forces of officers of forces ...) costs a pass over the relations per
    level, not one per path. Entities are read only for the conditions on their properties.
    Past its deadline, evaluation stops with ScanTimeout.
    """

    def __init__(
        self, neighbours: Neighbours, get: Callable[[str], Node | None], deadline: Deadline = NO_DEADLINE
    ) -> None:
        self.neighbours, self.get, self.deadline = neighbours, get, deadline
        self.memo: dict[tuple[int, str], bool] = {}
        self.ticks = 0

    def __call__(self, node: Node, flt: Filter | None) -> bool:
        return flt is None or self._test(node.id, flt, [node])

    def test_id(self, node_id: str, flt: Filter) -> bool:
        """Like calling the matcher, reading the entity only if a condition needs it."""
        return self._test(node_id, flt, [])

    def _tick(self) -> None:
        self.ticks += 1
        if self.ticks % CHECK_EVERY == 0:
            self.deadline.check()

    def _test(self, nid: str, flt: Filter, got: list[Node | None]) -> bool:
        """``got`` holds the entity's record once read (the id is enough for relation filters)."""
        if isinstance(flt, And):
            return all(self._test(nid, f, got) for f in flt.items)
        if isinstance(flt, Or):
            return any(self._test(nid, f, got) for f in flt.items)
        if isinstance(flt, Not):
            return not self._test(nid, flt.item, got)
        if isinstance(flt, HasRelation):
            return self._has(nid, flt)
        if not got:
            got.append(self.get(nid))
        return got[0] is not None and cond_matches(got[0], flt)

    def _has(self, nid: str, rel: HasRelation) -> bool:
        if rel.min_count <= 0:
            return True
        hits = 0
        seen: set[str] = set()
        for other in self.neighbours(nid, rel):
            if other in seen:
                continue
            seen.add(other)
            self._tick()
            if rel.where is not None:
                key = (id(rel.where), other)
                ok = self.memo.get(key)
                if ok is None:
                    ok = self.memo[key] = self._test(other, rel.where, [])
                if not ok:
                    continue
            hits += 1
            if hits >= rel.min_count:
                return True
        return False
