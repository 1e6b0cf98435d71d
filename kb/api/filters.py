"""The GraphQL ``where`` inputs, generated from the registry, and their translation into the
store's filter language (:mod:`kb.store.query`).

Every field name that reaches the store is an ontology property or relation: nothing the
client types is passed through as a name. A filter is bounded before it runs: at most
MAX_CONDITIONS conditions (every value of an `in` list counts) and relationship filters nested
at most MAX_RELATION_DEPTH deep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import strawberry

from kb.api.errors import ApiError
from kb.api.objects import article, list_of
from kb.api.types import (
    MENTIONED_IN,
    ONTO,
    REL_FIELDS,
    EdgeDirection,
    Entity,
    EntityType,
    RelationType,
    RelField,
    node_type_for,
    scalar_of,
)
from kb.model import Direction
from kb.ontology import ClassDef
from kb.store.query import And, Cond, Filter, HasRelation, Not, Or

# Properties holding SKOS concept keys: equality includes narrower concepts.
CONCEPT_FIELDS = ("category", "measureConcept")
MAX_CONDITIONS = 200
MAX_RELATION_DEPTH = 6
NS = globals()

# ---- the inputs ---------------------------------------------------------------------------------------
_TEXT_OPS = {
    "eq": "Equal to.",
    "in_": "Equal to one of.",
    "contains": "Contains the text.",
    "starts_with": "Starts with the text (e.g. a year '2021').",
    "gt": "Sorts after (ISO dates compare as dates).",
    "gte": "Sorts after or equal.",
    "lt": "Sorts before.",
    "lte": "Sorts before or equal.",
}
_NUMBER_OPS = {"eq": "Equal to.", "in_": "Equal to one of.", "gt": "Greater than.", "gte": "Greater than or equal."}
_NUMBER_OPS |= {"lt": "Less than.", "lte": "Less than or equal."}
_EXISTS = {"exists": "True: has a value; false: has none."}


def _register(cls: Any) -> Any:
    NS[cls.__name__] = cls
    return cls


def _input(name: str, t: Any, ops: dict[str, str], description: str) -> Any:
    kinds = {"exists": bool, "in_": list[t]}
    attrs: dict[str, Any] = {"__module__": __name__, "__annotations__": {}}
    for op, d in ops.items():
        attrs["__annotations__"][op] = Optional[kinds.get(op, t)]  # noqa: UP045
        attrs[op] = strawberry.field(default=None, name="in" if op == "in_" else None, description=d)
    return _register(strawberry.input(type(name, (), attrs), description=description))


_TEXT_DOC = "Conditions on a text field. Comparisons ignore case and accents; on `name`, aliases match too."
StringFilter = _input("StringFilter", str, _TEXT_OPS | _EXISTS, _TEXT_DOC)
FloatFilter = _input("FloatFilter", float, _NUMBER_OPS | _EXISTS, "Conditions on a number.")
BooleanFilter = _input("BooleanFilter", bool, {"eq": "Equal to."} | _EXISTS, "Conditions on a true/false field.")
IDFilter = _input("IDFilter", strawberry.ID, {"eq": "Equal to.", "in_": "One of."}, "Conditions on an id.")
FILTER_FOR = {str: StringFilter, float: FloatFilter, int: FloatFilter, bool: BooleanFilter}


@dataclass(frozen=True)
class WhereField:
    """How one field of a generated ``where`` input maps to the store's filter language."""

    kind: str  # "cond", "rel", "and", "or", "not", "related", "type"
    name: str = ""
    direction: Direction = "both"


# python attribute -> mapping, per generated where input class
WHERE_META: dict[type, dict[str, WhereField]] = {}


def _where_type(cls: ClassDef | None, rels: list[RelField]) -> Any:
    """``{Class}Where``: AND / OR / NOT, a filter per property, a relationship filter per relationship field."""
    name = f"{cls.name if cls else 'Entity'}Where"
    anns: dict[str, Any] = {}
    attrs: dict[str, Any] = {"__module__": __name__, "__annotations__": anns}
    meta: dict[str, WhereField] = {}

    def add(py: str, gql: str, ann: Any, desc: str, wf: WhereField) -> None:
        anns[py] = f"Optional[{ann}]" if isinstance(ann, str) else Optional[ann]  # noqa: UP045
        attrs[py] = strawberry.field(default=None, name=gql, description=desc)
        meta[py] = wf

    add("and_", "AND", f"list[{name}]", "All of these conditions hold.", WhereField("and"))
    add("or_", "OR", f"list[{name}]", "At least one of these conditions holds.", WhereField("or"))
    add("not_", "NOT", name, "This condition does not hold.", WhereField("not"))
    add("f_id", "id", IDFilter, "The entity id.", WhereField("cond", "id"))
    if cls is None:
        add("f_type", "type", list_of(EntityType), "One of these classes (subclasses included).", WhereField("type"))
    for p in cls.properties if cls else tuple(ONTO.properties):
        desc = ONTO.properties[p].description + (" Aliases match too." if p == "name" else "")
        add(f"p_{p}", p, FILTER_FOR[scalar_of(p)], desc, WhereField("cond", p))
    for rf in rels:
        desc = f"Has {rf.rel.name} relationships ({'outgoing' if rf.direction == 'out' else 'incoming'}) to entities "
        ann = f"{node_type_for(rf.other_classes).__name__}RelationFilter"
        add(f"r_{rf.name}", rf.name, ann, desc + "matching the filter.", WhereField("rel", rf.rel.name, rf.direction))
    desc = "Has relationships of a given type and direction to entities matching a filter (any type)."
    add("related", "related", "list[RelatedFilter]", desc, WhereField("related"))
    label = cls.label if cls else "any entity"
    klass = _register(strawberry.input(type(name, (), attrs), description=f"Conditions on {label} entities."))
    WHERE_META[klass] = meta
    return klass


def _relation_filter_type(target: str) -> None:
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"some": f"Optional[{target}Where]", "min_count": "int"},
        "some": strawberry.field(default=None, description="Conditions on the related entity (any when absent)."),
        "min_count": strawberry.field(default=1, description="At least this many related entities must match."),
    }
    desc = f"A relationship filter whose far end is {article(target)}."
    _register(strawberry.input(type(f"{target}RelationFilter", (), attrs), description=desc))


# mypy sees a plain Enum; strawberry resolves the annotation to the generated RelationType.
if TYPE_CHECKING:
    from enum import Enum as RelationTypeEnum
else:
    RelationTypeEnum = RelationType


@strawberry.input(description="Has at least `minCount` relationships of a type to entities matching `where`.")
class RelatedFilter:
    relation_type: RelationTypeEnum = strawberry.field(description="The relationship type.")
    direction: EdgeDirection = strawberry.field(
        default=EdgeDirection.BOTH, description="Direction, relative to the entity."
    )
    where: Optional[EntityWhere] = strawberry.field(default=None, description="Conditions on the related entity.")  # type: ignore[name-defined]  # noqa: F821, UP045
    min_count: int = strawberry.field(default=1, description="At least this many related entities must match.")


# The Entity filter has every relationship field whose name means one relation in the whole
# registry (so that a chain can be followed through an entity of any class).
_by_name: dict[str, list[RelField]] = {}
for _r in ONTO.relations.values():
    if _r.name != MENTIONED_IN:
        _by_name.setdefault(_r.forward, []).append(RelField(_r.forward, _r, "out"))
        _by_name.setdefault(_r.inverse, []).append(RelField(_r.inverse, _r, "in"))
_taken = set(ONTO.properties) | {"id", "type", "related", "AND", "OR", "NOT"}
WHERE_TYPES: dict[str | None, Any] = {
    None: _where_type(None, [fs[0] for n, fs in _by_name.items() if len(fs) == 1 and n not in _taken])
}
_relation_filter_type(Entity.__name__)
for _c in ONTO.classes.values():
    WHERE_TYPES[_c.name] = _where_type(_c, REL_FIELDS[_c.name])
    _relation_filter_type(_c.name)


# ---- translation --------------------------------------------------------------------------------------
_OPS: tuple[tuple[str, str], ...] = (
    ("eq", "eq"),
    ("in_", "in"),
    ("contains", "contains"),
    ("starts_with", "startsWith"),
)
_OPS += (("gt", "gt"), ("gte", "gte"), ("lt", "lt"), ("lte", "lte"))


class _Budget:
    """Counts the conditions of one filter tree (a huge `where` is a cheap way to load a server)."""

    left = MAX_CONDITIONS

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise ApiError(f"the `where` filter has more than {MAX_CONDITIONS} conditions (each `in` value counts)")


def narrower(keys: list[str]) -> list[str]:
    """The concept keys and every concept below them (a 'dismissal' filter finds 'dismissed without notice')."""
    children: dict[str, list[str]] = {}
    for c in (c for s in ONTO.schemes.values() for c in s.concepts.values() if c.broader):
        children.setdefault(c.broader or "", []).append(c.key)
    out: dict[str, None] = {}
    todo = list(keys)
    while todo:
        k = todo.pop()
        if k not in out:
            out[k] = None
            todo.extend(children.get(k, ()))
    return list(out)


def _conds(field: str, flt: Any, budget: _Budget) -> list[Filter]:
    out: list[Filter] = []
    for attr, op in _OPS:
        v = getattr(flt, attr, None)
        if v is None:
            continue
        if op == "in":
            budget.spend(len(v))
        if field in CONCEPT_FIELDS and op in ("eq", "in"):
            keys = narrower([v] if op == "eq" else list(v))
            out.append(Cond(field, "eq", keys[0]) if len(keys) == 1 else Cond(field, "in", keys))
        else:
            out.append(Cond(field, op, list(v) if op == "in" else v))  # type: ignore[arg-type]
    if getattr(flt, "exists", None) is not None:
        out.append(Cond(field, "exists", bool(flt.exists)))
    return out


def to_filter(where: Any, budget: _Budget | None = None, depth: int = 0) -> Filter | None:
    """The store filter for a generated ``{Class}Where`` input (None when it says nothing)."""
    if where is None:
        return None
    budget = budget or _Budget()
    meta: dict[str, WhereField] | None = WHERE_META.get(type(where))
    if meta is None:
        raise ApiError(f"not a filter input: {type(where).__name__}")
    items: list[Filter] = []

    def related(rel: str, direction: Direction, inner: Any, min_count: int) -> HasRelation:
        if depth >= MAX_RELATION_DEPTH:
            raise ApiError(f"relationship filters may be nested at most {MAX_RELATION_DEPTH} deep")
        if min_count < 0:
            raise ApiError("`minCount` must not be negative")
        return HasRelation(rel, direction, to_filter(inner, budget, depth + 1), min_count)

    for attr, wf in meta.items():
        value = getattr(where, attr, None)
        if value is None:
            continue
        budget.spend()
        if wf.kind == "cond":
            items.extend(_conds(wf.name, value, budget))
        elif wf.kind == "type":
            budget.spend(len(value))
            items.append(Cond("type", "in", [t.value for t in value]))
        elif wf.kind == "and":
            items.extend(f for f in (to_filter(w, budget, depth) for w in value) if f is not None)
        elif wf.kind == "or":
            parts = [to_filter(w, budget, depth) for w in value]
            if parts and all(p is not None for p in parts):  # an empty alternative matches everything
                items.append(Or(tuple(p for p in parts if p is not None)))
        elif wf.kind == "not":
            inner = to_filter(value, budget, depth)
            # NOT of "anything" is "nothing": an id no entity has.
            items.append(Not(inner) if inner is not None else Cond("id", "exists", False))
        elif wf.kind == "rel":
            items.append(related(wf.name, wf.direction, value.some, value.min_count))
        else:  # related
            for r in value:
                budget.spend()
                way: Direction = r.direction.value if isinstance(r.direction, EdgeDirection) else "both"
                items.append(related(r.relation_type.value, way, r.where, r.min_count))
    return None if not items else items[0] if len(items) == 1 else And(tuple(items))
