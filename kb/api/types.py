"""GraphQL types generated from the ontology registry: per class an object type (its properties
and relationship fields both ways), a sort order and a Relay connection; per relation and direction
a relationship type (its properties, evidence and far end). Descriptions come from the registry;
generated classes go in this module's namespace, where strawberry resolves annotations."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional, cast

import strawberry
from strawberry.relay import PageInfo

from kb.api import objects as o
from kb.api.context import Context, other_end
from kb.api.errors import DEFAULT_PAGE, MAX_PAGE, ApiError, check_first
from kb.model import Direction, Edge, Node
from kb.model import Evidence as EvidenceRecord
from kb.ontology import ClassDef, Ontology, RelationDef, ontology
from kb.store.query import Cond, cond_matches

MENTIONED_IN, ABOUT = "MENTIONED_IN", "ABOUT"
DIRECTIONS: tuple[Direction, Direction] = ("out", "in")
CORE_PROPS = ("name", "aliases")
ONTO: Ontology = ontology()
NS = globals()
Info = strawberry.Info[Context, None]
FIRST: Any = o.arg(int, f"At most this many (default {DEFAULT_PAGE}, max {MAX_PAGE}).")
SOURCES_DOC = "The sources that state it (articles, FOI responses, reference tables)."


def register(cls: Any) -> Any:
    NS[cls.__name__] = cls
    return cls


def scalar_of(prop: str) -> Any:
    return {"xsd:decimal": float, "xsd:integer": int, "xsd:boolean": bool}.get(ONTO.properties[prop].datatype, str)


def make_enum(name: str, values: dict[str, str], description: str) -> Any:
    return register(strawberry.enum(cast(Any, enum.Enum(name, values)), description=description))


EntityType = make_enum("EntityType", {c: c for c in ONTO.classes}, "An ontology class (see the type of that name).")
_RELS = [r for r in ONTO.relations if r != MENTIONED_IN]
_REL_DOC = "A relationship type of the ontology: " + "; ".join(f"{r}: {ONTO.relations[r].description}" for r in _RELS)
RelationType = make_enum("RelationType", {r: r for r in _RELS}, _REL_DOC)


@strawberry.enum(description="Which way to follow relationships, relative to the starting entity.")
class EdgeDirection(enum.Enum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


# ---- evidence, the Entity interface, page info, search hits, mentions --------------------------------
@strawberry.type(
    description="Why the KB holds a fact: the source, the quoted words or table cell, and how it was read."
)
class Evidence:
    """Shown straight from the store's evidence records (kb.model.Evidence), which have these attributes."""

    source_id: strawberry.ID = strawberry.field(description="Id of the source document.")
    quote: str | None = strawberry.field(
        description="The words of the source that state the fact (None for table cells)."
    )
    start: int | None = strawberry.field(description="Character offset where the quote starts in the source text.")
    end: int | None = strawberry.field(description="Character offset where the quote ends in the source text.")
    locator: str | None = strawberry.field(description="Where in a table the fact comes from (sheet, row, column).")
    method: str = strawberry.field(description="How the fact was read: rule, table, reference, model or manual.")
    confidence: float = strawberry.field(description="How sure the reading is, from 0 to 1.")

    @o.gql_field("The source document (title, url, publisher, date of publication).")
    async def source(self, info: Info) -> Optional[Source]:  # type: ignore[name-defined]  # noqa: F821, UP045
        return wrap(await info.context.node(str(self.source_id)), "Source")


def evidence_page(ctx: Context, evs: Sequence[EvidenceRecord], first: int) -> list[Evidence]:
    """The first evidence records, in a stable order (shown as Evidence objects)."""
    shown = o.sorted_evidence(evs)[: check_first(first)]
    ctx.budget.spend(len(shown), sum(len(e.quote or "") + 100 for e in shown))
    return cast(list[Evidence], shown)


def _evidence(root: Any, info: Info, first: FIRST = DEFAULT_PAGE) -> list[Evidence]:
    """A page of an entity's or a relationship's evidence."""
    return evidence_page(info.context, (root._node if isinstance(root, o.NodeObj) else root._edge).evidence, first)


async def _sources(root: Any, info: Info, first: FIRST = DEFAULT_PAGE) -> list[Source]:  # type: ignore[name-defined]  # noqa: F821
    """A page of the Source entities behind an entity's or a relationship's evidence (batched)."""
    evs, own = (root._node.evidence, root._node.id) if isinstance(root, o.NodeObj) else (root._edge.evidence, None)
    ids = sorted({e.source_id for e in evs} - {own})[: check_first(first)]
    info.context.budget.spend(len(ids))
    return [wrap(n) for n in await info.context.nodes(ids) if n is not None and n.type == "Source"]


@strawberry.interface(description="Anything in the KB. Every entity has an id, a name and the evidence for it.")
class Entity(o.NodeObj):
    id: strawberry.ID = strawberry.field(description="Stable id `{slug}/{key}`, e.g. `force/thames-valley`.")
    type: str = strawberry.field(description="The ontology class of the entity (e.g. PoliceForce, Officer).")
    name: str = strawberry.field(description=ONTO.properties["name"].description)
    aliases: list[str] = strawberry.field(description=ONTO.properties["aliases"].description)

    @o.gql_field("The entity's IRI; dereference it for HTML, Turtle or JSON-LD.")
    def iri(self, info: Info) -> str:
        return f"{info.context.base}/id/{self._node.id}"

    evidence = strawberry.field(
        resolver=_evidence, description="The evidence for the entity: its mentions, in every source."
    )
    sources = strawberry.field(resolver=_sources, description=SOURCES_DOC)


@strawberry.type(description="A search result: an entity and how well it matches.")
class SearchHit:
    score: float = strawberry.field(description="Relevance (higher is better): exact name 3, alias 2.5, prefix 2.")
    node: Entity = strawberry.field(description="The matching entity.")


@strawberry.type(description="An entity mentioned in a source, with what the source says about it.")
class Mention:
    _source_id: strawberry.Private[str]
    node: Entity = strawberry.field(description="The entity.")

    @o.gql_field("This source's evidence for the entity.")
    def evidence(self, info: Info, first: FIRST = DEFAULT_PAGE) -> list[Evidence]:
        evs = [e for e in self.node._node.evidence if e.source_id == self._source_id]
        return evidence_page(info.context, evs, first)


async def _mentions(root: Any, info: Info, first: FIRST = DEFAULT_PAGE) -> list[Mention]:
    info.context.budget.check()  # (the store has no batched form of mentions(); sources are few per request)
    ids = info.context.store.mentions(root._node.id)[: check_first(first)]
    info.context.budget.spend(2 * len(ids))
    return [Mention(_source_id=root._node.id, node=wrap(n)) for n in await info.context.nodes(ids) if n is not None]


# ---- relationship fields ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelField:
    """A relationship field on an entity type."""

    name: str
    rel: RelationDef
    direction: Direction  # "out": the entity is the relation's source

    @property
    def other_classes(self) -> tuple[str, ...]:
        return self.rel.range if self.direction == "out" else self.rel.domain


def relation_fields(cls: str) -> list[RelField]:
    """The relationship fields of a class, from the registry's forward/inverse names (a Source lists
    what it mentions through `mentions`, every entity its sources through `sources`)."""
    out = [RelField(r.forward, r, "out") for r in ONTO.relations.values() if any(ONTO.is_a(cls, d) for d in r.domain)]
    out += [RelField(r.inverse, r, "in") for r in ONTO.relations.values() if any(ONTO.is_a(cls, d) for d in r.range)]
    out = [rf for rf in out if rf.rel.name != MENTIONED_IN]
    names = ["id", "type", "iri", "evidence", "sources", *ONTO.classes[cls].properties, *(r.name for r in out)]
    if len(names) != len(set(names)):
        raise ValueError(f"ontology registry: GraphQL field name clash on {cls}: {sorted(names)}")
    return out


def node_type_for(classes: Sequence[str]) -> Any:
    """The GraphQL type of an entity of one of ``classes``: the class's own type when that is
    exact (one class, no subclasses), else the Entity interface."""
    if len(classes) == 1 and not any(c != classes[0] and ONTO.is_a(c, classes[0]) for c in ONTO.classes):
        return ENTITY_TYPES[classes[0]]
    return Entity


def wrap(node: Node | None, cls: str | None = None) -> Any:
    """The GraphQL object for a store node (its class's generated type; a type the registry no
    longer knows shows as an Organisation); None for no node, or for a node not of class ``cls``."""
    if node is None or (cls is not None and not ONTO.is_a(node.type, cls)):
        return None
    return (ENTITY_TYPES.get(node.type) or ENTITY_TYPES["Organisation"]).of(node)


def statistic_conds(stat: dict[str, Any]) -> list[Cond]:
    """The store conditions of the STAT_ARGS: a measure concept (with the narrower ones) or words of
    the measure, a period that ends on or after ``from`` and starts on or before ``to``."""
    out = []
    if m := stat["measure"]:
        concept = ONTO.concept("measure", m) is not None
        out.append(Cond("measureConcept", "in", ONTO.narrower([m])) if concept else Cond("measure", "contains", m))
    out += [Cond("periodEnd", "gte", stat["from_"])] if stat["from_"] else []
    out += [Cond("periodStart", "lte", stat["to"])] if stat["to"] else []
    return out


def page(edges: list[Edge], entity_id: str, direction: Direction, after: str | None) -> list[Edge]:
    """A relationship list as its field shows it: sorted by the far end then key, after ``after``."""
    ordered = sorted(edges, key=lambda e: (other_end(e, entity_id, direction), e.key))
    if after is None:
        return ordered
    pos = next((i for i, e in enumerate(ordered) if e.id == after), None)
    if pos is None:
        raise ApiError(f"`after` is not the id of one of these relationships: {after[:80]!r}")
    return ordered[pos + 1 :]


AFTER_ARG = o.arg(str | None, "Continue after the relationship with this `id` (lists are sorted by the far end's id).")
# A statistic's measure and period, for statistics lists (root and relationship fields alike).
STAT_ARGS: list[tuple[str, Any, Any]] = [
    ("measure", o.arg(str | None, "Measure concept key (narrower concepts included), or words of the measure."), None),
    ("from_", o.arg(str | None, "Period ends on or after this ISO date.", name="from"), None),
    ("to", o.arg(str | None, "Period starts on or before this ISO date."), None),
]


def _rel_field(rf: RelField, edge_cls: Any) -> Any:
    rel, direction, classes = rf.rel, rf.direction, rf.other_classes
    stats = rel.name == ABOUT and direction == "in"
    fits = {c: any(ONTO.is_a(c, k) for k in classes) for c in ONTO.classes}  # far-end classes shown

    async def resolve(root: Any, info: Info, first: int = DEFAULT_PAGE, after: str | None = None, **stat: Any) -> Any:
        check_first(first)
        ctx, nid, conds = info.context, root._node.id, statistic_conds(stat) if stats else []
        # The first page, or all of the list after a cursor or to filter statistics afterwards.
        limit = None if stats or after is not None else first
        pairs = await ctx.related((nid, rel.name, direction, limit))
        far = {id(e): n for e, n in pairs}
        out = [
            edge_cls.of(e, wrap(n))
            for e in page([e for e, _ in pairs], nid, direction, after)
            if (n := far[id(e)]) is not None and fits.get(n.type, False) and all(cond_matches(n, c) for c in conds)
        ][:first]
        ctx.budget.spend(2 * len(out), 200 * len(out))
        return out

    params = [("first", FIRST, DEFAULT_PAGE), ("after", AFTER_ARG, None), *(STAT_ARGS if stats else [])]
    other = o.article(" or ".join(classes))
    desc = f"{rel.name} relationships " + (f"from here to {other}" if direction == "out" else f"from {other} to here")
    resolver = o.signed(resolve, params, list[edge_cls])
    return strawberry.field(resolver=resolver, name=rf.name, description=f"{desc}: {rel.description}")


def edge_type(name: str, props: Sequence[str], node_t: Any, description: str, extra: dict[str, Any]) -> Any:
    """A relationship type: id, type, ends, the relation's properties, evidence and sources, and
    ``extra`` fields (the far end, or both ends for a graph)."""
    anns: dict[str, Any] = {"id": strawberry.ID, "type": str, "source": strawberry.ID, "target": strawberry.ID}
    ev_doc = "The evidence for this relationship: every source that states it, with its quote."
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": anns,
        "id": strawberry.field(description="Stable id of the relationship."),
        "type": strawberry.field(description="The relationship type."),
        "source": strawberry.field(description="Id of the subject (the relation's domain end)."),
        "target": strawberry.field(description="Id of the object (the relation's range end)."),
        "f_evidence": strawberry.field(resolver=_evidence, name="evidence", description=ev_doc),
        "f_sources": strawberry.field(resolver=_sources, name="sources", description=SOURCES_DOC),
        **extra,
    }
    if node_t is not None:
        anns["node"] = node_t
    for p in props:
        anns[f"p_{p}"] = Optional[str]  # noqa: UP045
        attrs[f"p_{p}"] = strawberry.field(name=p, description=ONTO.relation_props[p].description)
    cls: Any = type(name, (o.EdgeObj,), attrs)
    cls._props = tuple((f"p_{p}", p, o.as_string) for p in props)
    return register(strawberry.type(cls, description=description))


def _edge_type(rel: RelationDef, direction: Direction) -> Any:
    name = rel.name.title().replace("_", "") + ("Relationship" if direction == "out" else "InverseRelationship")
    far, near = (rel.range, rel.domain) if direction == "out" else (rel.domain, rel.range)
    node = {"node": strawberry.field(description=f"The {' or '.join(far)} at the other end.")}
    return edge_type(name, rel.props, node_type_for(far), f"{rel.description} Seen from the {' or '.join(near)}.", node)


# ---- connections -------------------------------------------------------------------------------------
def plain_type(name: str, fields: dict[str, tuple[Any, str]], description: str) -> Any:
    """A GraphQL object type whose fields are plain attributes."""
    attrs: dict[str, Any] = {"__module__": __name__, "__annotations__": {k: t for k, (t, _) in fields.items()}}
    attrs.update({k: strawberry.field(description=d) for k, (_, d) in fields.items()})
    return register(strawberry.type(type(name, (), attrs), description=description))


def _connection_type(cls: ClassDef) -> Any:
    node_t: Any = node_type_for([cls.name])
    edge_fields = {"node": (node_t, "The entity."), "cursor": (str, "Opaque cursor; pass as `after`.")}
    edge_cls: Any = plain_type(f"{cls.name}Edge", edge_fields, f"{o.article(cls.label).capitalize()} in a list.")
    fields = {
        "edges": (list[edge_cls], "The page."),
        "nodes": (list[node_t], "The page's entities (without cursors)."),
        "total_count": (int, "How many entities match, over all pages."),
        "page_info": (PageInfo, "Paging."),
    }
    conn = plain_type(f"{cls.name}Connection", fields, f"A page of {cls.label} entities.")

    def of(records: Sequence[Node], cursors: list[str], total: int, has_next: bool, has_previous: bool) -> Any:
        nodes = [wrap(n) for n in records]
        start, end = (cursors[0], cursors[-1]) if cursors else (None, None)
        info = PageInfo(has_next_page=has_next, has_previous_page=has_previous, start_cursor=start, end_cursor=end)
        edges = [edge_cls(node=n, cursor=c) for n, c in zip(nodes, cursors, strict=True)]
        return conn(edges=edges, nodes=nodes, total_count=total, page_info=info)

    conn.of = of
    return conn


# ---- build everything, in dependency order ------------------------------------------------------------
ENTITY_TYPES: dict[str, Any] = {}
EDGE_TYPES: dict[tuple[str, Direction], Any] = {}
CONNECTIONS: dict[str, Any] = {}
REL_FIELDS: dict[str, list[RelField]] = {c: relation_fields(c) for c in ONTO.classes}
# a property's field type and converter, by datatype (integers show as Float: they may not fit an Int)
_SHOWN: dict[Any, tuple[Any, Any]] = {float: (float, o.as_float), int: (float, o.as_float), bool: (bool, o.as_bool)}

# 1. bare entity classes (fields are added before strawberry sees them)
for _c in ONTO.classes.values():
    ENTITY_TYPES[_c.name] = NS[_c.name] = type(_c.name, (Entity,), {"__module__": __name__, "__annotations__": {}})
# 2. relationship types (they refer to the bare classes)
for _r in ONTO.relations.values():
    for _d in DIRECTIONS if _r.name != MENTIONED_IN else ():
        EDGE_TYPES[(_r.name, _d)] = _edge_type(_r, _d)
# 3. fields of the entity classes (properties are plain attributes), then let strawberry process them
for _c in ONTO.classes.values():
    _k = ENTITY_TYPES[_c.name]
    for _p in (p for p in _c.properties if p not in CORE_PROPS):
        _t, _conv = _SHOWN.get(scalar_of(_p), (str, o.as_string))
        _many = ONTO.properties[_p].many
        _k.__annotations__[f"p_{_p}"] = list[str] if _many else Optional[_t]  # noqa: UP045
        setattr(_k, f"p_{_p}", strawberry.field(name=_p, description=ONTO.properties[_p].description))
        _k._props += ((f"p_{_p}", _p, o.as_strings if _many else _conv),)
    for _rf in REL_FIELDS[_c.name]:
        setattr(_k, f"r_{_rf.name}", _rel_field(_rf, EDGE_TYPES[(_rf.rel.name, _rf.direction)]))
    if _c.name == "Source":
        _mdoc = "The entities this source gives evidence for, with the evidence it gives."
        _k.r_mentions = strawberry.field(
            resolver=_mentions, name=ONTO.relations[MENTIONED_IN].inverse, description=_mdoc
        )
    strawberry.type(_k, description=_c.description)
# 4. connections
CONNECTIONS.update((c, _connection_type(ONTO.classes[c])) for c in ONTO.classes)


def root_names(cls: ClassDef) -> tuple[str, str]:
    """Root field names for a class: (one, list), from the last word of its label
    ('Police force' -> force / forces, 'Oversight body' -> body / bodies), or from the
    class name where two labels end alike."""
    words = {c.name: c.label.split()[-1].lower() for c in ONTO.classes.values()}
    one = words[cls.name]
    if list(words.values()).count(one) > 1:
        one = cls.name[:1].lower() + cls.name[1:]
    return one, o.plural(one)
