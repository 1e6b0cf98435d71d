"""The ``where`` inputs, generated from the registry, and their translation into the store's
filter language (:mod:`kb.store.query`). Every field name that reaches the store is an ontology
property or relation. A filter is bounded before it runs: at most MAX_CONDITIONS conditions
(each value of an `in` list counts), relationship filters nested at most MAX_RELATION_DEPTH deep."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Optional

import strawberry

from kb.api import types as t
from kb.api.errors import ApiError
from kb.api.objects import article, upper_snake
from kb.model import Direction
from kb.ontology import ClassDef
from kb.store.query import OPS, And, Cond, Filter, HasRelation, Not, Or

CONCEPT_FIELDS = ("category", "measureConcept")  # SKOS concept keys: equality includes narrower concepts
MAX_CONDITIONS = 200
MAX_RELATION_DEPTH = 6
# input attribute -> how it maps to the filter language: ("cond", property) ("rel", relation, direction)
# ("and",) ("or",) ("not",) ("type",) ("related",); per generated where input class
WHERE_META: dict[type, dict[str, tuple[str, ...]]] = {}


def _input(name: str, fields: Mapping[str, tuple[Any, str, str | None]], description: str, **defaults: Any) -> Any:
    """A generated input type: attribute -> (annotation, description, GraphQL name); default None."""
    attrs: dict[str, Any] = {"__module__": __name__, "__annotations__": {a: t for a, (t, _, _) in fields.items()}}
    for a, (_, desc, gql) in fields.items():
        attrs[a] = strawberry.field(default=defaults.get(a), name=gql, description=desc)
    cls = globals()[name] = strawberry.input(type(name, (), attrs), description=description)
    return cls


def _ops(t: Any, ops: dict[str, str]) -> dict[str, tuple[Any, str, str | None]]:
    """The operator fields of a value filter (``in`` takes a list, ``exists`` true or false)."""
    kind = {"in": list[t], "exists": bool}
    opt = {op: Optional[kind.get(op, t)] for op in ops}  # noqa: UP045
    return {op + ("_" if op == "in" else ""): (opt[op], d, "in" if op == "in" else None) for op, d in ops.items()}


_EXISTS = {"exists": "True: has a value; false: has none."}
_TEXT = {"eq": "Equal to.", "in": "Equal to one of.", "contains": "Contains the text."}
_TEXT |= {
    "startsWith": "Starts with the text (e.g. a year '2021').",
    "gt": "Sorts after (ISO dates compare as dates).",
}
_TEXT |= {"gte": "Sorts after or equal.", "lt": "Sorts before.", "lte": "Sorts before or equal."}
_NUMBER = {"eq": "Equal to.", "in": "Equal to one of.", "gt": "Greater than.", "gte": "Greater than or equal."}
_NUMBER |= {"lt": "Less than.", "lte": "Less than or equal."}
_TEXT_DOC = "Conditions on a text field. Comparisons ignore case and accents; on `name`, aliases match too."
StringFilter = _input("StringFilter", _ops(str, _TEXT | _EXISTS), _TEXT_DOC)
FloatFilter = _input("FloatFilter", _ops(float, _NUMBER | _EXISTS), "Conditions on a number.")
BooleanFilter = _input("BooleanFilter", _ops(bool, {"eq": "Equal to."} | _EXISTS), "Conditions on a true/false field.")
IDFilter = _input("IDFilter", _ops(strawberry.ID, {"eq": "Equal to.", "in": "One of."}), "Conditions on an id.")
FILTER_FOR = {str: StringFilter, float: FloatFilter, int: FloatFilter, bool: BooleanFilter}


def _where_type(cls: ClassDef | None, rels: list[t.RelField]) -> Any:
    """``{Class}Where``: AND / OR / NOT, a filter per property, a relationship filter per relationship field."""
    target = cls.name if cls else "Entity"
    name = f"{target}Where"
    fields: dict[str, tuple[Any, str, str | None]] = {
        "and_": (f"Optional[list[{name}]]", "All of these conditions hold.", "AND"),
        "or_": (f"Optional[list[{name}]]", "At least one of these conditions holds.", "OR"),
        "not_": (f"Optional[{name}]", "This condition does not hold.", "NOT"),
        "f_id": (Optional[IDFilter], "The entity id.", "id"),  # noqa: UP045
    }
    meta: dict[str, tuple[str, ...]] = {"and_": ("and",), "or_": ("or",), "not_": ("not",), "f_id": ("cond", "id")}
    if cls is None:
        fields["f_type"] = (Optional[list[t.EntityType]], "One of these classes (subclasses included).", "type")  # noqa: UP045
        meta["f_type"] = ("type",)
    for p in cls.properties if cls else tuple(t.ONTO.properties):
        desc = t.ONTO.properties[p].description + (" Aliases match too." if p == "name" else "")
        fields[f"p_{p}"], meta[f"p_{p}"] = (Optional[FILTER_FOR[t.scalar_of(p)]], desc, p), ("cond", p)  # noqa: UP045
    for rf in rels:
        way = "outgoing" if rf.direction == "out" else "incoming"
        desc = f"Has {rf.rel.name} relationships ({way}) to entities matching the filter."
        far = t.node_type_for(rf.other_classes).__name__
        fields[f"r_{rf.name}"] = (f"Optional[{far}RelationFilter]", desc, rf.name)
        meta[f"r_{rf.name}"] = ("rel", rf.rel.name, rf.direction)
    desc = "Has relationships of a given type and direction to entities matching a filter (any type)."
    fields["related"], meta["related"] = ("Optional[list[RelatedFilter]]", desc, "related"), ("related",)
    klass = _input(name, fields, f"Conditions on {cls.label if cls else 'any entity'} entities.")
    WHERE_META[klass] = meta
    # and the relationship filter whose far end is one of these entities
    rel_fields: dict[str, tuple[Any, str, str | None]] = {
        "some": (f"Optional[{name}]", "Conditions on the related entity (any when absent).", None),
        "min_count": (int, "At least this many related entities must match.", None),
    }
    rel_doc = f"A relationship filter whose far end is {article(target)}."
    _input(f"{target}RelationFilter", rel_fields, rel_doc, min_count=1)
    return klass


@strawberry.enum(description="Sort order.")
class SortDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


def _order_input(cls: ClassDef) -> Any:
    keys = {"ID": "id", "NAME": "name"}
    keys |= {upper_snake(p): p for p in cls.properties if p not in t.CORE_PROPS and not t.ONTO.properties[p].many}
    sort_enum = t.make_enum(f"{cls.name}SortField", keys, f"Keys {cls.label} lists can be sorted by (ties by id).")
    fields = {
        "field": (sort_enum, "The key to sort by.", None),
        "direction": (SortDirection, "Ascending or descending.", None),
    }
    defaults = {"field": next(iter(sort_enum)), "direction": SortDirection.ASC}
    return _input(f"{cls.name}Order", fields, f"Sort order for {cls.label} lists.", **defaults)


@strawberry.input(description="Has at least `minCount` relationships of a type to entities matching `where`.")
class RelatedFilter:
    relation_type: t.RelationType = strawberry.field(description="The relationship type.")
    direction: t.EdgeDirection = strawberry.field(
        default=t.EdgeDirection.BOTH, description="Direction, relative to the entity."
    )
    where: Optional[EntityWhere] = strawberry.field(default=None, description="Conditions on the related entity.")  # type: ignore[name-defined]  # noqa: F821, UP045
    min_count: int = strawberry.field(default=1, description="At least this many related entities must match.")


# The t.Entity filter has every relationship field whose name means one relation in the whole
# registry (so that a chain can be followed through an entity of any class).
_by_name: dict[str, list[t.RelField]] = {}
for _r in (r for r in t.ONTO.relations.values() if r.name != t.MENTIONED_IN):
    _by_name.setdefault(_r.forward, []).append(t.RelField(_r.forward, _r, "out"))
    _by_name.setdefault(_r.inverse, []).append(t.RelField(_r.inverse, _r, "in"))
_taken = set(t.ONTO.properties) | {"id", "type", "related"}
WHERE_TYPES: dict[str | None, Any] = {
    None: _where_type(None, [fs[0] for n, fs in _by_name.items() if len(fs) == 1 and n not in _taken])
}
ORDER_INPUTS: dict[str, Any] = {}
for _c in t.ONTO.classes.values():
    WHERE_TYPES[_c.name] = _where_type(_c, t.REL_FIELDS[_c.name])
    ORDER_INPUTS[_c.name] = _order_input(_c)


# ---- translation --------------------------------------------------------------------------------------
class _Budget:
    """Counts the conditions of one filter tree (a huge `where` is a cheap way to load a server)."""

    left = MAX_CONDITIONS

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise ApiError(f"the `where` filter has more than {MAX_CONDITIONS} conditions (each `in` value counts)")


def _conds(field: str, flt: Any, budget: _Budget) -> list[Filter]:
    out: list[Filter] = []
    for op in OPS:  # the value filters' fields are the store's operators (`in` is the attribute `in_`)
        if (v := getattr(flt, "in_" if op == "in" else op, None)) is None:
            continue
        budget.spend(len(v) if op == "in" else 0)
        if field in CONCEPT_FIELDS and op in ("eq", "in"):
            keys = t.ONTO.narrower([v] if op == "eq" else list(v))
            out.append(Cond(field, "eq", keys[0]) if len(keys) == 1 else Cond(field, "in", keys))
        else:
            out.append(Cond(field, op, list(v) if op == "in" else bool(v) if op == "exists" else v))  # type: ignore[arg-type]
    return out


def to_filter(where: Any, budget: _Budget | None = None, depth: int = 0) -> Filter | None:
    """The store filter for a generated ``{Class}Where`` input (None when it says nothing)."""
    if where is None:
        return None
    budget = budget or _Budget()
    items: list[Filter] = []

    def related(rel: str, direction: Direction, inner: Any, min_count: int) -> HasRelation:
        if depth >= MAX_RELATION_DEPTH:
            raise ApiError(f"relationship filters may be nested at most {MAX_RELATION_DEPTH} deep")
        if min_count < 0:
            raise ApiError("`minCount` must not be negative")
        return HasRelation(rel, direction, to_filter(inner, budget, depth + 1), min_count)

    for attr, (kind, *spec) in WHERE_META[type(where)].items():
        if (value := getattr(where, attr, None)) is None:
            continue
        budget.spend()
        if kind == "cond":
            items.extend(_conds(spec[0], value, budget))
        elif kind == "type":
            budget.spend(len(value))
            items.append(Cond("type", "in", [t.value for t in value]))
        elif kind == "and":
            items.extend(f for f in (to_filter(w, budget, depth) for w in value) if f is not None)
        elif kind == "or":
            parts = [to_filter(w, budget, depth) for w in value]
            if parts and all(p is not None for p in parts):  # an empty alternative matches everything
                items.append(Or(tuple(p for p in parts if p is not None)))
        elif kind == "not":
            inner = to_filter(value, budget, depth)
            # NOT of "anything" is "nothing": an id no entity has.
            items.append(Not(inner) if inner is not None else Cond("id", "exists", False))
        elif kind == "rel":
            items.append(related(spec[0], spec[1], value.some, value.min_count))  # type: ignore[arg-type]
        else:  # related
            for r in value:
                budget.spend()
                items.append(related(r.relation_type.value, r.direction.value, r.where, r.min_count))
    return None if not items else items[0] if len(items) == 1 else And(tuple(items))
