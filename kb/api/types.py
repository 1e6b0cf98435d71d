"""GraphQL types generated from the ontology registry (never written out by hand).

For every ontology class there is an object type with the class's properties and its
relationship fields in both directions (``forward`` / ``inverse`` names from the registry);
for every relation and direction a relationship type carrying the relation's own
properties, its evidence and the entity at the far end; for every class a ``where`` input,
a sort-field enum and a Relay connection. Every type and field takes its description from
the registry. Generated classes are also placed in this module's namespace so that
strawberry can resolve the names it meets in annotations.
"""

from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Optional, cast

import strawberry

from kb.api.context import Context, other_end
from kb.api.direct import direct
from kb.api.errors import MAX_PAGE, ApiError, check_first
from kb.api.objects import (
    EdgeObj,
    NodeObj,
    as_bool,
    as_float,
    as_string,
    as_strings,
    gql_field,
    list_of,
    lower_first,
    pascal,
    plural,
    signed,
    sorted_evidence,
    source_ids,
    upper_snake,
)
from kb.api.prefetch import cache_nodes, page, read_lists
from kb.model import Direction, Edge, Node
from kb.model import Evidence as EvidenceRecord
from kb.ontology import ClassDef, Ontology, PropertyDef, RelationDef, ontology

EMPTY = inspect.Parameter.empty
MENTIONED_IN = "MENTIONED_IN"
ABOUT = "ABOUT"
CORE_PROPS = ("name", "aliases")
# Relationship lists are capped like every page; the default is the cap.
REL_DEFAULT_FIRST = MAX_PAGE
DIRECTIONS: tuple[Direction, Direction] = ("out", "in")

ONTO: Ontology = ontology()
NS = globals()


def _register(cls: Any) -> Any:
    NS[cls.__name__] = cls
    return cls


def _scalar(pdef: PropertyDef) -> Any:
    if pdef.datatype == "xsd:decimal":
        return float
    if pdef.datatype == "xsd:integer":
        return int
    if pdef.datatype == "xsd:boolean":
        return bool
    return str


# ---------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------
EntityType = _register(
    strawberry.enum(
        cast(Any, enum.Enum("EntityType", {c: c for c in ONTO.classes})),
        description="An ontology class (see the type of the same name for its description).",
    )
)
RELATION_NAMES = tuple(r for r in ONTO.relations if r != MENTIONED_IN)
RelationType = _register(
    strawberry.enum(
        cast(Any, enum.Enum("RelationType", {r: r for r in RELATION_NAMES})),
        description="A relationship type of the ontology: "
        + "; ".join(f"{r}: {ONTO.relations[r].description}" for r in RELATION_NAMES),
    )
)


@strawberry.enum(description="Which way to follow relationships, relative to the starting entity.")
class EdgeDirection(enum.Enum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


@strawberry.enum(description="Sort order.")
class SortDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


# ---------------------------------------------------------------------------------------
# Static types: evidence, the Entity interface, page info, search hits
# ---------------------------------------------------------------------------------------
async def _source_of_evidence_fn(root: Any, info: strawberry.Info[Context, None]) -> Any:
    node = await info.context.nodes.load(root._ev.source_id)
    return wrap(node) if node is not None and node.type == "Source" else None


@strawberry.type(
    description="Why the KB holds a fact: the source, the quoted words or table cell, and how it was read."
)
class Evidence:
    _ev: strawberry.Private[EvidenceRecord]

    @gql_field(description="Id of the source document.")
    def source_id(self) -> strawberry.ID:
        return strawberry.ID(self._ev.source_id)

    @gql_field(description="The words of the source that state the fact (None for table cells).")
    def quote(self) -> str | None:
        return self._ev.quote

    @gql_field(description="Character offset where the quote starts in the source text.")
    def start(self) -> int | None:
        return self._ev.start

    @gql_field(description="Character offset where the quote ends in the source text.")
    def end(self) -> int | None:
        return self._ev.end

    @gql_field(description="Where in a table the fact comes from (sheet, row, column), for table sources.")
    def locator(self) -> str | None:
        return self._ev.locator

    @gql_field(description="How the fact was read: rule, table, reference, model or manual.")
    def method(self) -> str:
        return self._ev.method

    @gql_field(description="How sure the reading is, from 0 to 1.")
    def confidence(self) -> float:
        return self._ev.confidence

    source = strawberry.field(
        resolver=signed(_source_of_evidence_fn, [], "Optional[Source]"),
        description="The source document (title, url, publisher, date of publication).",
    )


def evidence_objs(evs: tuple[EvidenceRecord, ...] | list[EvidenceRecord]) -> list[Any]:
    """GraphQL Evidence objects, in a stable order."""
    return [NS["Evidence"](_ev=e) for e in sorted_evidence(evs)]


async def sources_of(root: Any, info: strawberry.Info[Context, None]) -> list[Any]:
    """The Source entities behind an entity's or a relationship's evidence (batched)."""
    evs = root._node.evidence if isinstance(root, NodeObj) else root._edge.evidence
    own = root._node.id if isinstance(root, NodeObj) else None
    nodes = await info.context.nodes.load_many([s for s in source_ids(evs) if s != own])
    return [wrap(n) for n in nodes if n is not None and n.type == "Source"]


@strawberry.interface(description="Anything in the KB. Every entity has an id, a name and the evidence for it.")
class Entity(NodeObj):
    # Plain attributes, set by NodeObj.of (strawberry's fast path).
    id: strawberry.ID = strawberry.field(description="Stable id `{slug}/{key}`, e.g. `force/thames-valley`.")
    type: str = strawberry.field(description="The ontology class of the entity (e.g. PoliceForce, Officer).")
    name: str = strawberry.field(description=ONTO.properties["name"].description)
    aliases: list[str] = strawberry.field(description=ONTO.properties["aliases"].description)

    @gql_field(description="The entity's IRI; dereference it for HTML, Turtle or JSON-LD.")
    def iri(self, info: strawberry.Info[Context, None]) -> str:
        return f"{info.context.base}/id/{self._node.id}"

    @gql_field(description="The evidence for the entity: every mention, in every source.")
    def evidence(self) -> list[Evidence]:
        return evidence_objs(self._node.evidence)


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when there are more results after endCursor.")
    has_previous_page: bool = strawberry.field(description="True when this page was asked for with `after`.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first result on this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last result; pass it as `after`.")


@strawberry.type(description="A search result: an entity and how well it matches.")
class SearchHit:
    score: float = strawberry.field(description="Relevance (higher is better): exact name 3, alias 2.5, prefix 2.")
    _entity: strawberry.Private[Node]

    @gql_field(description="The matching entity.")
    def node(self) -> Entity:
        return wrap(self._entity)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------
# Filter inputs
# ---------------------------------------------------------------------------------------
@strawberry.input(
    description="Conditions on a text field. Comparisons ignore case and accents; on `name`, aliases match too."
)
class StringFilter:
    eq: str | None = strawberry.field(default=None, description="Equal to.")
    in_: list[str] | None = strawberry.field(default=None, name="in", description="Equal to one of.")
    contains: str | None = strawberry.field(default=None, description="Contains the text.")
    starts_with: str | None = strawberry.field(default=None, description="Starts with the text (e.g. a year '2021').")
    gt: str | None = strawberry.field(default=None, description="Sorts after (ISO dates compare as dates).")
    gte: str | None = strawberry.field(default=None, description="Sorts after or equal.")
    lt: str | None = strawberry.field(default=None, description="Sorts before.")
    lte: str | None = strawberry.field(default=None, description="Sorts before or equal.")
    exists: bool | None = strawberry.field(default=None, description="True: has a value; false: has none.")


@strawberry.input(description="Conditions on a number.")
class FloatFilter:
    eq: float | None = strawberry.field(default=None, description="Equal to.")
    in_: list[float] | None = strawberry.field(default=None, name="in", description="Equal to one of.")
    gt: float | None = strawberry.field(default=None, description="Greater than.")
    gte: float | None = strawberry.field(default=None, description="Greater than or equal.")
    lt: float | None = strawberry.field(default=None, description="Less than.")
    lte: float | None = strawberry.field(default=None, description="Less than or equal.")
    exists: bool | None = strawberry.field(default=None, description="True: has a value; false: has none.")


@strawberry.input(description="Conditions on a true/false field.")
class BooleanFilter:
    eq: bool | None = strawberry.field(default=None, description="Equal to.")
    exists: bool | None = strawberry.field(default=None, description="True: has a value; false: has none.")


@strawberry.input(description="Conditions on an id.")
class IDFilter:
    eq: strawberry.ID | None = strawberry.field(default=None, description="Equal to.")
    in_: list[strawberry.ID] | None = strawberry.field(default=None, name="in", description="One of.")


FILTER_FOR = {str: StringFilter, float: FloatFilter, int: FloatFilter, bool: BooleanFilter}


@dataclass(frozen=True)
class WhereField:
    """How one field of a generated ``where`` input maps to the store's filter language."""

    kind: str  # "cond", "rel", "and", "or", "not", "related", "type"
    name: str = ""
    direction: Direction = "both"


# python attribute -> mapping, per generated where input class
WHERE_META: dict[type, dict[str, WhereField]] = {}


# ---------------------------------------------------------------------------------------
# Per-class generation
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelField:
    """A relationship field on an entity type."""

    name: str
    rel: RelationDef
    direction: Direction  # "out": the entity is the relation's source

    @property
    def other_classes(self) -> tuple[str, ...]:
        return self.rel.range if self.direction == "out" else self.rel.domain


def _subclasses(cls: str) -> list[str]:
    return [c for c in ONTO.classes if c != cls and ONTO.is_a(c, cls)]


def relation_fields(cls: str) -> list[RelField]:
    """The relationship fields of a class, from the registry's forward/inverse names."""
    out: list[RelField] = []
    for rel in ONTO.relations.values():
        if rel.name == MENTIONED_IN:
            # Entities expose their sources through `sources`; a Source lists what it mentions.
            continue
        if any(ONTO.is_a(cls, d) for d in rel.domain):
            out.append(RelField(rel.forward, rel, "out"))
        if any(ONTO.is_a(cls, r) for r in rel.range):
            out.append(RelField(rel.inverse, rel, "in"))
    return out


def _check_names(cls: ClassDef, rels: list[RelField]) -> None:
    names = ["id", "type", "name", "aliases", "iri", "evidence", "sources"]
    names += [p for p in cls.properties if p not in CORE_PROPS]
    names += [r.name for r in rels]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"ontology registry: GraphQL field name clash on {cls.name}: {sorted(dup)}")


def node_type_for(classes: tuple[str, ...] | list[str]) -> Any:
    """The GraphQL type of an entity of one of ``classes``: the class's own type when that is
    exact (one class, no subclasses), else the Entity interface."""
    if len(classes) == 1 and not _subclasses(classes[0]):
        return ENTITY_TYPES[classes[0]]
    return Entity


def accepts(classes: tuple[str, ...] | list[str], node: Node) -> bool:
    return any(ONTO.is_a(node.type, c) for c in classes)


def class_of(node: Node) -> Any:
    """The generated class of a store node's GraphQL type."""
    cls = ENTITY_TYPES.get(node.type)
    if cls is None:  # a type the registry no longer knows: show it as its nearest class
        cls = ENTITY_TYPES["Organisation"]
    return cls


def wrap(node: Node) -> Any:
    """The GraphQL object for a store node (its class's generated type)."""
    return class_of(node).of(node)


EdgeObj._wrap = staticmethod(wrap)
NodeObj.class_of = staticmethod(class_of)


def _prop_field(pname: str) -> tuple[Any, Any, Any]:
    """(annotation, strawberry field, converter) of an ontology property as a plain attribute."""
    pdef = ONTO.properties[pname]
    scalar = _scalar(pdef)
    field = strawberry.field(name=pname, description=pdef.description)
    if pdef.many:
        return list[str], field, as_strings
    conv = {float: as_float, bool: as_bool, int: as_float}.get(scalar, as_string)
    ret: Any = Optional[float] if scalar in (float, int) else Optional[scalar]  # noqa: UP045
    return ret, field, conv


# Relation-specific arguments: statistics about a subject can be narrowed by measure and period.
FROM_ARG = Annotated[Optional[str], strawberry.argument(name="from", description="On or after this ISO date.")]  # noqa: UP045
TO_ARG = Annotated[Optional[str], strawberry.argument(name="to", description="On or before this ISO date.")]  # noqa: UP045
MEASURE_ARG = Annotated[
    Optional[str],  # noqa: UP045
    strawberry.argument(description="Measure concept key, or words the measure contains."),
]


def statistic_matches(node: Node, measure: str | None, date_from: str | None, date_to: str | None) -> bool:
    """True when a Statistic node's measure and period fit the arguments."""
    from kb.identity import fold

    if measure:
        m = fold(measure)
        concept = fold(str(node.props.get("measureConcept", "")))
        if m != concept and m not in fold(str(node.props.get("measure", ""))):
            return False
    start = as_string(node.props.get("periodStart"))
    end = as_string(node.props.get("periodEnd")) or start
    if date_from and (end is None or end < date_from):
        return False
    return not (date_to and (start is None or start > date_to))


def _rel_field(rf: RelField, edge_cls: Any) -> Any:
    rel, direction = rf.rel, rf.direction
    classes = rf.other_classes
    stats = rel.name == ABOUT and direction == "in"

    def shown(edges: list[Edge], nid: str, first: int, after: str | None) -> list[Edge]:
        if after is not None and not any(e.id == after for e in edges):
            raise ApiError(f"`after` is not the id of one of these relationships: {after[:80]!r}")
        return page(edges, nid, direction, after, None if stats else first)

    fits: dict[str, bool] = {}  # entity type -> whether this field shows it

    def build(edges: list[Edge], others: list[Node | None], first: int, stat_args: tuple[Any, ...]) -> list[Any]:
        return [edge_cls.of(e, n, direction) for e, n in pairs(edges, others, first, stat_args)]

    def pairs(
        edges: list[Edge], others: list[Node | None], first: int, stat_args: tuple[Any, ...]
    ) -> list[tuple[Edge, Node]]:
        """The relationships shown, each with its far end (those the field can show)."""
        out = []
        for e, n in zip(edges, others, strict=True):
            if n is None:
                continue
            ok = fits.get(n.type)
            if ok is None:
                ok = fits[n.type] = accepts(classes, n)
            if not ok:
                continue
            if stats and not statistic_matches(n, *stat_args):
                continue
            out.append((e, n))
        return out[:first]

    async def load(ctx: Context, nid: str, first: int, after: str | None, stat_args: tuple[Any, ...]) -> list[Any]:
        edges = shown(await ctx.edges.load((nid, rel.name, direction)), nid, first, after)
        others = await ctx.nodes.load_many([other_end(e, nid, direction) for e in edges])
        return build(edges, others, first, stat_args)

    def resolve(
        root: Any,
        info: strawberry.Info[Context, None],
        first: int = REL_DEFAULT_FIRST,
        after: str | None = None,
        measure: str | None = None,
        from_: str | None = None,
        to: str | None = None,
    ) -> Any:
        check_first(first)
        ctx = info.context
        nid = root._node.id
        stat_args = (measure, from_, to)
        pre = ctx.read_ahead((nid, rel.name, direction), None if stats else first, after)
        if pre is not None:  # read ahead by the root or list field above (kb.api.prefetch)
            edges = shown(pre, nid, first, after)
            others = [ctx.node_cache.get(other_end(e, nid, direction)) for e in edges]
            if all(o is not None for o in others):
                return build(edges, others, first, stat_args)
        return load(ctx, nid, first, after, stat_args)

    def resolve_many(
        nodes: list[Node],
        info: strawberry.Info[Context, None],
        first: int = REL_DEFAULT_FIRST,
        after: str | None = None,
        measure: str | None = None,
        from_: str | None = None,
        to: str | None = None,
    ) -> list[list[tuple[Edge, Node]]]:
        """``resolve`` for many entity records at once, answering with records, each
        relationship with its far end (kb.api.direct ``many``): one read for all their lists,
        one for the far ends."""
        check_first(first)
        ctx = info.context
        shown_first = None if stats else first
        keys = [(node.id, rel.name, direction) for node in nodes]
        # what prefetch would read for these fields: a first page, or all of a list paged with
        # `after` or filtered afterwards (statistics)
        limit = None if stats or after is not None else first
        read_lists(ctx, {k: limit for k in keys})
        pages: list[tuple[str, list[Edge]]] = []
        for key in keys:
            pre = ctx.read_ahead(key, shown_first, after)
            if pre is None:
                raise RuntimeError(f"relationship list not read: {key}")
            pages.append((key[0], shown(pre, key[0], first, after)))
        cache_nodes(ctx, {other_end(e, nid, direction) for nid, edges in pages for e in edges})
        cache = ctx.node_cache
        stat_args = (measure, from_, to)
        return [
            pairs(edges, [cache.get(other_end(e, nid, direction)) for e in edges], first, stat_args)
            for nid, edges in pages
        ]

    params: list[tuple[str, Any, Any]] = [
        (
            "first",
            Annotated[int, strawberry.argument(description=f"At most this many (max {MAX_PAGE}).")],
            REL_DEFAULT_FIRST,
        ),
        (
            "after",
            Annotated[
                Optional[str],  # noqa: UP045
                strawberry.argument(
                    description="Continue after the relationship with this `id` (lists are sorted by the far end's id)."
                ),
            ],
            None,
        ),
    ]
    if stats:
        params += [("measure", MEASURE_ARG, None), ("from_", FROM_ARG, None), ("to", TO_ARG, None)]
    other = " or ".join(classes)
    if direction == "out":
        desc = f"{rel.name} relationships from here to {article(other)}: {rel.description}"
    else:
        desc = f"{rel.name} relationships from {article(other)} to here: {rel.description}"
    # graphql-core calls it directly (kb.api.direct): it reads only info.context and scalar arguments
    resolver = signed(direct(resolve, {"from": "from_"}, many=resolve_many), params, list[edge_cls])
    return strawberry.field(resolver=resolver, name=rf.name, description=desc)


def article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _edge_type(rel: RelationDef, direction: Direction) -> Any:
    name = pascal(rel.name) + ("Relationship" if direction == "out" else "InverseRelationship")
    other_classes = rel.range if direction == "out" else rel.domain
    node_t = node_type_for(other_classes)
    # Scalars and the far end are plain attributes set by EdgeObj.of (strawberry's fast path).
    anns: dict[str, Any] = {
        "id": strawberry.ID,
        "type": str,
        "source": strawberry.ID,
        "target": strawberry.ID,
        "node": node_t,
    }
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": anns,
        "id": strawberry.field(description="Stable id of the relationship."),
        "type": strawberry.field(description="The relationship type."),
        "source": strawberry.field(description="Id of the subject (the relation's domain end)."),
        "target": strawberry.field(description="Id of the object (the relation's range end)."),
        "node": strawberry.field(description=f"The {' or '.join(other_classes)} at the other end."),
    }

    def _evidence(root: Any) -> list[Any]:
        return evidence_objs(root._edge.evidence)

    for p in rel.props:
        anns[f"p_{p}"] = Optional[str]  # noqa: UP045
        attrs[f"p_{p}"] = strawberry.field(name=p, description=ONTO.relation_props[p].description)
    attrs["f_evidence"] = strawberry.field(
        resolver=signed(_evidence, [], list[Evidence], info=False),
        name="evidence",
        description="The evidence for this relationship: every source that states it, with its quote.",
    )
    attrs["f_sources"] = strawberry.field(
        resolver=signed(sources_of, [], "list[Source]"),
        name="sources",
        description="The sources that state this relationship.",
    )
    cls: Any = type(name, (EdgeObj,), attrs)
    cls._props = tuple((f"p_{p}", p, as_string) for p in rel.props)
    desc = rel.description + (
        f" Seen from the {' or '.join(rel.domain)}."
        if direction == "out"
        else f" Seen from the {' or '.join(rel.range)}."
    )
    return _register(strawberry.type(cls, description=desc))


def _sources_field() -> Any:
    return strawberry.field(
        resolver=signed(sources_of, [], "list[Source]"),
        name="sources",
        description="The sources that mention this entity (articles, FOI responses, reference tables).",
    )


def _mentions_field() -> Any:
    async def mentions(root: Any, info: strawberry.Info[Context, None], first: int = REL_DEFAULT_FIRST) -> list[Any]:
        check_first(first)
        sid = root._node.id
        ids = (await info.context.mentions.load(sid))[:first]
        nodes = await info.context.nodes.load_many(ids)
        return [NS["Mention"](_entity=n, _source_id=sid) for n in nodes if n is not None]

    params = [
        (
            "first",
            Annotated[int, strawberry.argument(description=f"At most this many (max {MAX_PAGE}).")],
            REL_DEFAULT_FIRST,
        )
    ]
    return strawberry.field(
        resolver=signed(mentions, params, "list[Mention]"),
        name=ONTO.relations[MENTIONED_IN].inverse,
        description="The entities this source gives evidence for, with the evidence it gives.",
    )


@strawberry.type(description="An entity mentioned in a source, with what the source says about it.")
class Mention:
    _entity: strawberry.Private[Node]
    _source_id: strawberry.Private[str]

    @gql_field(description="The entity.")
    def node(self) -> Entity:
        return wrap(self._entity)  # type: ignore[no-any-return]

    @gql_field(description="This source's evidence for the entity.")
    def evidence(self) -> list[Evidence]:
        return evidence_objs([e for e in self._entity.evidence if e.source_id == self._source_id])


# ---- where inputs ------------------------------------------------------------------------
def _where_name(cls: str | None) -> str:
    return f"{cls or 'Entity'}Where"


def _where_type(cls: ClassDef | None, rels: list[RelField]) -> Any:
    """``{Class}Where``: AND / OR / NOT, a filter per property, a relationship filter per relationship field."""
    name = _where_name(cls.name if cls else None)
    anns: dict[str, Any] = {}
    attrs: dict[str, Any] = {"__module__": __name__}
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
    props = cls.properties if cls else tuple(ONTO.properties)
    for p in props:
        pdef = ONTO.properties[p]
        desc = pdef.description + (" Aliases match too." if p == "name" else "")
        add(f"p_{p}", p, FILTER_FOR[_scalar(pdef)], desc, WhereField("cond", p))
    for rf in rels:
        target = node_type_for(rf.other_classes)
        tname = target.__name__ if target is not Entity else "Entity"
        add(
            f"r_{rf.name}",
            rf.name,
            f"{tname}RelationFilter",
            f"Has {rf.rel.name} relationships ({'outgoing' if rf.direction == 'out' else 'incoming'}) "
            f"to entities matching the filter.",
            WhereField("rel", rf.rel.name, rf.direction),
        )
    add(
        "related",
        "related",
        "list[RelatedFilter]",
        "Has relationships of a given type and direction to entities matching a filter (any type).",
        WhereField("related"),
    )
    attrs["__annotations__"] = anns
    klass = type(name, (), attrs)
    klass = _register(
        strawberry.input(klass, description=f"Conditions on {cls.label if cls else 'any entity'} entities.")
    )
    WHERE_META[klass] = meta
    return klass


def _relation_filter_type(target: str) -> Any:
    name = f"{target}RelationFilter"
    anns = {"some": f"Optional[{target}Where]", "min_count": "int"}
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": anns,
        "some": strawberry.field(default=None, description="Conditions on the related entity (any when absent)."),
        "min_count": strawberry.field(default=1, description="At least this many related entities must match."),
    }
    return _register(
        strawberry.input(
            type(name, (), attrs), description=f"A relationship filter whose far end is {article(target)}."
        )
    )


# mypy sees a plain Enum; strawberry resolves the annotation to the generated RelationType.
if TYPE_CHECKING:
    RelationTypeEnum = enum.Enum
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


# ---- sort enums and connections -------------------------------------------------------
def _sort_enum(cls: ClassDef) -> Any:
    keys = {"ID": "id", "NAME": "name"}
    for p in cls.properties:
        if p not in CORE_PROPS and not ONTO.properties[p].many:
            keys[upper_snake(p)] = p
    e = enum.Enum(f"{cls.name}SortField", keys)  # type: ignore[misc]
    return _register(strawberry.enum(e, description=f"Keys {cls.label} lists can be sorted by (ties by id)."))


def _order_input(cls: ClassDef, sort_enum: Any) -> Any:
    name = f"{cls.name}Order"
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"field": sort_enum, "direction": SortDirection},
        "field": strawberry.field(default=next(iter(sort_enum)), description="The key to sort by."),
        "direction": strawberry.field(default=SortDirection.ASC, description="Ascending or descending."),
    }
    return _register(strawberry.input(type(name, (), attrs), description=f"Sort order for {cls.label} lists."))


@dataclass
class ConnectionData:
    nodes: list[Node]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool


def _connection_types(cls: ClassDef) -> Any:
    node_t = node_type_for([cls.name])

    def e_node(root: Any) -> Any:
        return wrap(root._n)

    def e_cursor(root: Any) -> str:
        return str(root._c)

    edge_attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"_n": strawberry.Private[Node], "_c": strawberry.Private[str]},
        "f_node": strawberry.field(
            resolver=signed(e_node, [], node_t, info=False), name="node", description="The entity."
        ),
        "f_cursor": strawberry.field(
            resolver=signed(e_cursor, [], str, info=False), name="cursor", description="Opaque cursor; pass as `after`."
        ),
    }
    edge_cls = _register(
        strawberry.type(
            type(f"{cls.name}Edge", (), edge_attrs), description=f"{article(cls.label).capitalize()} in a list."
        )
    )

    def c_edges(root: Any) -> list[Any]:
        d: ConnectionData = root._d
        return [edge_cls(_n=n, _c=c) for n, c in zip(d.nodes, d.cursors, strict=True)]

    def c_nodes(root: Any) -> list[Any]:
        return [wrap(n) for n in root._d.nodes]

    def c_total(root: Any) -> int:
        return int(root._d.total)

    def c_info(root: Any) -> PageInfo:
        d: ConnectionData = root._d
        return PageInfo(
            has_next_page=d.has_next,
            has_previous_page=d.has_previous,
            start_cursor=d.cursors[0] if d.cursors else None,
            end_cursor=d.cursors[-1] if d.cursors else None,
        )

    conn_attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"_d": strawberry.Private[ConnectionData]},
        "f_edges": strawberry.field(
            resolver=signed(c_edges, [], list_of(edge_cls), info=False), name="edges", description="The page."
        ),
        "f_nodes": strawberry.field(
            resolver=signed(c_nodes, [], list_of(node_t), info=False),
            name="nodes",
            description="The page's entities (without cursors).",
        ),
        "f_total": strawberry.field(
            resolver=signed(c_total, [], int, info=False),
            name="totalCount",
            description="How many entities match, over all pages.",
        ),
        "f_info": strawberry.field(
            resolver=signed(c_info, [], PageInfo, info=False), name="pageInfo", description="Paging."
        ),
    }
    return _register(
        strawberry.type(type(f"{cls.name}Connection", (), conn_attrs), description=f"A page of {cls.label} entities.")
    )


# ---------------------------------------------------------------------------------------
# Build everything, in dependency order
# ---------------------------------------------------------------------------------------
ENTITY_TYPES: dict[str, Any] = {}
EDGE_TYPES: dict[tuple[str, Direction], Any] = {}
WHERE_TYPES: dict[str | None, Any] = {}
SORT_ENUMS: dict[str, Any] = {}
ORDER_INPUTS: dict[str, Any] = {}
CONNECTIONS: dict[str, Any] = {}
REL_FIELDS: dict[str, list[RelField]] = {c: relation_fields(c) for c in ONTO.classes}
REL_FIELDS_BY_NAME: dict[str, dict[str, RelField]] = {c: {rf.name: rf for rf in fs} for c, fs in REL_FIELDS.items()}

# 1. bare entity classes (fields are added before strawberry sees them)
_raw: dict[str, Any] = {}
for _c in ONTO.classes.values():
    _check_names(_c, REL_FIELDS[_c.name])
    _raw[_c.name] = type(_c.name, (Entity,), {"__module__": __name__, "__annotations__": {}})
    ENTITY_TYPES[_c.name] = _raw[_c.name]
    NS[_c.name] = _raw[_c.name]
# 2. relationship types (they refer to the bare classes)
for _r in ONTO.relations.values():
    if _r.name != MENTIONED_IN:
        for _d in DIRECTIONS:
            EDGE_TYPES[(_r.name, _d)] = _edge_type(_r, _d)
# 3. fields of the entity classes, then let strawberry process them
for _c in ONTO.classes.values():
    _k = _raw[_c.name]
    _conv = []
    for _p in _c.properties:
        if _p not in CORE_PROPS:
            _ann, _field, _cv = _prop_field(_p)
            _k.__annotations__[f"p_{_p}"] = _ann
            setattr(_k, f"p_{_p}", _field)
            _conv.append((f"p_{_p}", _p, _cv))
    _k._props = tuple(_conv)
    setattr(_k, "f_sources", _sources_field())  # noqa: B010
    for _rf in REL_FIELDS[_c.name]:
        setattr(_k, f"r_{_rf.name}", _rel_field(_rf, EDGE_TYPES[(_rf.rel.name, _rf.direction)]))
    if _c.name == "Source":
        setattr(_k, "r_mentions", _mentions_field())  # noqa: B010
    strawberry.type(_k, description=_c.description)
# 4. inputs, sort keys and connections
WHERE_TYPES[None] = _where_type(None, [])
_relation_filter_type("Entity")
for _c in ONTO.classes.values():
    WHERE_TYPES[_c.name] = _where_type(_c, REL_FIELDS[_c.name])
    _relation_filter_type(_c.name)
    SORT_ENUMS[_c.name] = _sort_enum(_c)
    ORDER_INPUTS[_c.name] = _order_input(_c, SORT_ENUMS[_c.name])
    CONNECTIONS[_c.name] = _connection_types(_c)


def root_names(cls: ClassDef) -> tuple[str, str]:
    """Root field names for a class: (one, list), from the last word of its label
    ('Police force' -> force / forces, 'Oversight body' -> body / bodies), or from the
    class name where two labels end alike."""
    words = {c.name: c.label.split()[-1].lower() for c in ONTO.classes.values()}
    one = words[cls.name]
    if list(words.values()).count(one) > 1:
        one = lower_first(cls.name)
    return one, plural(one)


__all__ = [
    "CONNECTIONS",
    "EDGE_TYPES",
    "ENTITY_TYPES",
    "ORDER_INPUTS",
    "REL_FIELDS",
    "SORT_ENUMS",
    "WHERE_META",
    "WHERE_TYPES",
    "ConnectionData",
    "EdgeDirection",
    "Entity",
    "EntityType",
    "Evidence",
    "Mention",
    "PageInfo",
    "RelatedFilter",
    "RelationType",
    "SearchHit",
    "SortDirection",
    "node_type_for",
    "root_names",
    "wrap",
]
