"""Turn the GraphQL ``where`` inputs into the store's filter language (:mod:`kb.store.query`).

The inputs are generated from the registry, so every field name that reaches the store is
an ontology property or relation: nothing the client types is passed through as a name.
"""

from __future__ import annotations

from typing import Any

from kb.api.errors import ApiError
from kb.api.types import WHERE_META, EdgeDirection, WhereField
from kb.model import Direction
from kb.ontology import ontology
from kb.store.query import And, Cond, Filter, HasRelation, Not, Or

# Properties holding SKOS concept keys: equality includes narrower concepts.
CONCEPT_FIELDS = ("category", "measureConcept")

# StringFilter / FloatFilter / BooleanFilter / IDFilter attribute -> store operator
_OPS = (("eq", "eq"), ("in_", "in"), ("contains", "contains"), ("starts_with", "startsWith"))
_RANGE = (("gt", "gt"), ("gte", "gte"), ("lt", "lt"), ("lte", "lte"))
MAX_CONDITIONS = 200


class _Budget:
    """Bounds the size of a filter tree (a huge `where` is a cheap way to load a server)."""

    def __init__(self) -> None:
        self.left = MAX_CONDITIONS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise ApiError(f"the `where` filter has more than {MAX_CONDITIONS} conditions")


def narrower(keys: list[str]) -> list[str]:
    """The concept keys and every concept below them (a 'dismissal' filter finds 'dismissed without notice')."""
    onto = ontology()
    children: dict[str, list[str]] = {}
    for scheme in onto.schemes.values():
        for c in scheme.concepts.values():
            if c.broader:
                children.setdefault(c.broader, []).append(c.key)
    out: dict[str, None] = {}
    todo = list(keys)
    while todo:
        k = todo.pop()
        if k not in out:
            out[k] = None
            todo.extend(children.get(k, ()))
    return list(out)


def _conds(field: str, flt: Any) -> list[Filter]:
    out: list[Filter] = []
    for attr, op in (*_OPS, *_RANGE):
        v = getattr(flt, attr, None)
        if v is None:
            continue
        if field in CONCEPT_FIELDS and op in ("eq", "in"):
            keys = narrower([v] if op == "eq" else list(v))
            out.append(Cond(field, "eq", keys[0]) if len(keys) == 1 else Cond(field, "in", keys))
            continue
        if op == "in":
            out.append(Cond(field, "in", [str(x) if isinstance(x, str) else x for x in v]))
        else:
            out.append(Cond(field, op, v))  # type: ignore[arg-type]
    exists = getattr(flt, "exists", None)
    if exists is not None:
        out.append(Cond(field, "exists", bool(exists)))
    return out


def _all(items: list[Filter]) -> Filter | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def to_filter(where: Any, budget: _Budget | None = None) -> Filter | None:
    """The store filter for a generated ``{Class}Where`` input (None when it says nothing)."""
    if where is None:
        return None
    budget = budget or _Budget()
    meta: dict[str, WhereField] | None = WHERE_META.get(type(where))
    if meta is None:
        raise ApiError(f"not a filter input: {type(where).__name__}")
    items: list[Filter] = []
    for attr, wf in meta.items():
        value = getattr(where, attr, None)
        if value is None:
            continue
        budget.spend()
        if wf.kind == "cond":
            items.extend(_conds(wf.name, value))
        elif wf.kind == "type":
            items.append(Cond("type", "in", [t.value for t in value]))
        elif wf.kind == "and":
            items.extend(f for f in (to_filter(w, budget) for w in value) if f is not None)
        elif wf.kind == "or":
            parts = [to_filter(w, budget) for w in value]
            if parts and any(p is None for p in parts):
                continue  # one alternative matches everything
            if parts:
                items.append(Or(tuple(p for p in parts if p is not None)))
        elif wf.kind == "not":
            inner = to_filter(value, budget)
            # NOT of "anything" is "nothing": an id no entity has.
            items.append(Not(inner) if inner is not None else Cond("id", "exists", False))
        elif wf.kind == "rel":
            items.append(HasRelation(wf.name, wf.direction, to_filter(value.some, budget), _min(value.min_count)))
        elif wf.kind == "related":
            for r in value:
                budget.spend()
                direction: Direction = r.direction.value if isinstance(r.direction, EdgeDirection) else "both"
                items.append(
                    HasRelation(r.relation_type.value, direction, to_filter(r.where, budget), _min(r.min_count))
                )
    return _all(items)


def _min(n: int) -> int:
    if n < 0:
        raise ApiError("`minCount` must not be negative")
    return n
