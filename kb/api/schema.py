"""The GraphQL schema: root fields (per ontology class, and search, graph queries, aggregates,
concepts) and the extensions that bound what one request may cost."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, Optional

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from graphql import GraphQLError
from kb.api import aggregates, cursors
from kb.api import graph as g
from kb.api import types as t
from kb.api.context import Context, heavy
from kb.api.cost import Limits
from kb.api.errors import DEFAULT_PAGE, ApiError, check_first, is_client_error
from kb.api.filters import ORDER_INPUTS, WHERE_TYPES, to_filter
from kb.api.objects import arg, gql_field, signed
from kb.ontology import ClassDef, ontology
from kb.store.query import And, Cond, Filter, HasRelation, ScanTimeout

log = logging.getLogger("kb.api")
MAX_DEPTH, MAX_ALIASES = 15, 50
ONTO = ontology()
Info = strawberry.Info[Context, None]


ID: Any = arg(strawberry.ID, "Entity id (`force/thames-valley`), or its IRI.")
TYPES: Any = arg(Optional[list[t.RelationType]], "Only these relationship types (default: all).")  # noqa: UP045
FORCE: Any = arg(Optional[strawberry.ID], "Only this force (default: every force).")  # noqa: UP045
FROM: Any = arg(Optional[str], "On or after this ISO date.", name="from")  # noqa: UP045
TO: Any = arg(Optional[str], "On or before this ISO date.")  # noqa: UP045
TEXT: Any = arg(str, "Words of a name or alias; case and punctuation do not matter.")
CLASSES: Any = arg(Optional[list[t.EntityType]], "Only these classes.")  # noqa: UP045
DEPTH: Any = arg(int, f"Hops to follow (1 to {g.MAX_DEPTH}).")
DIRECTION: Any = arg(t.EdgeDirection, "Which way to follow relationships.")
LIMIT: Any = arg(int, f"At most this many entities (max {g.MAX_GRAPH_NODES}).")
START: Any = arg(strawberry.ID, "Start entity id.", name="from")
END: Any = arg(strawberry.ID, "End entity id.")
HOPS: Any = arg(int, f"Longest path to look for (1 to {g.MAX_HOPS}).")
PATHS: Any = arg(int, f"At most this many paths (max {g.MAX_PATHS}).")
SCHEME: Any = arg(Optional[str], "Only this scheme: allegation-category, outcome-category or measure.")  # noqa: UP045
COUNTS = list[aggregates.CategoryCount]
STAT_ARGS = [("subject", arg(Optional[strawberry.ID], "Only statistics ABOUT this entity."), None), *t.STAT_ARGS]  # noqa: UP045


def normalise_id(raw: str, slug: str | None, base: str) -> str:
    """Accept `force/thames-valley`, `thames-valley` (where the class is known) or a full IRI."""
    s = raw.strip().removeprefix(f"{base}/id/")
    s = f"{slug}/{s}" if "/" not in s and slug is not None else s
    if len(s) > 300:
        raise ApiError("id too long")
    return s


# ---- per-class root fields ------------------------------------------------------------------------------
def _one_field(cls: ClassDef, name: str) -> Any:
    async def one(root: Any, info: Info, id: ID) -> Any:
        return t.wrap(await info.context.node(normalise_id(str(id), cls.slug, info.context.base)), cls.name)

    desc = f"One {cls.label} by id ({cls.description})"
    return strawberry.field(resolver=one, graphql_type=t.node_type_for([cls.name]) | None, name=name, description=desc)


def list_page(ctx: Context, cls: str, flt: Filter | None, order: Any, first: int, after: str | None) -> Any:
    """One page of a class's entities, with a cursor per entity (see kb.api.cursors)."""
    check_first(first)
    order_by = order.field.value if order is not None else "id"
    desc = order is not None and order.direction.value == "desc"
    # A cursor only resumes the listing it came from (same class, filter and order).
    key = cursors.query_key(cls, repr(flt), order_by, desc)
    store_after, skip = cursors.decode(after, key, order_by == "id") if after else (None, 0)
    args = (cls, flt, order_by, desc, store_after, skip + first)
    if flt is None and order_by == "id":
        page = ctx.store.list(*args)
    else:  # a scan of the class (or a sort of it): seconds at 10^6 entities
        with heavy(ctx.budget):
            try:
                page = ctx.store.scan(*args, deadline=ctx.budget.deadline)
            except ScanTimeout:
                ctx.budget.stop(ctx.budget.late())
                ctx.budget.check()
    nodes = page.nodes[skip:]
    cur = [cursors.encode(store_after, skip + i + 1, key) for i in range(len(nodes))]
    if nodes:  # the page's last entity: the store's own cursor
        cur[-1] = cursors.encode(page.end_cursor, 0, key)
    ctx.budget.spend(2 * len(nodes))
    return t.CONNECTIONS[cls].of(nodes, cur, page.total, page.has_next, after is not None)


def _statistic_filter(ctx: Context, flt: Filter | None, stat: dict[str, Any]) -> Filter | None:
    items = [flt] if flt is not None else []
    if stat["subject"]:
        items.append(HasRelation("ABOUT", "out", Cond("id", "eq", normalise_id(stat["subject"], None, ctx.base))))
    items += t.statistic_conds(stat)
    return None if not items else items[0] if len(items) == 1 else And(tuple(items))


def _list_field(cls: ClassDef, name: str) -> Any:
    def many(
        root: Any, info: Info, where: Any = None, order_by: Any = None, first: int = DEFAULT_PAGE, **kw: Any
    ) -> Any:
        flt = _statistic_filter(info.context, to_filter(where), kw) if cls.name == "Statistic" else to_filter(where)
        return list_page(info.context, cls.name, flt, order_by, first, kw["after"])

    params: list[tuple[str, Any, Any]] = [
        ("where", arg(Optional[WHERE_TYPES[cls.name]], "Filter."), None),  # noqa: UP045
        ("order_by", arg(Optional[ORDER_INPUTS[cls.name]], "Sort order (default: by id)."), None),  # noqa: UP045
        ("first", t.FIRST, DEFAULT_PAGE),
        ("after", arg(Optional[str], "Cursor to continue after."), None),  # noqa: UP045
        *(STAT_ARGS if cls.name == "Statistic" else []),
    ]
    desc = f"{cls.label} entities (subclasses included), filtered, sorted and paginated. {cls.description}"
    return strawberry.field(resolver=signed(many, params, t.CONNECTIONS[cls.name]), name=name, description=desc)


# ---- other root fields ----------------------------------------------------------------------------------
@strawberry.type(description="A SKOS concept: an allegation category, an outcome category or a statistic measure.")
class Concept:
    scheme: str = strawberry.field(description="The concept scheme key.")
    key: str = strawberry.field(description="The concept key (the value of `category` / `measureConcept`).")
    label: str = strawberry.field(description="Preferred label.")
    definition: str = strawberry.field(description="What the concept means.")
    broader: str | None = strawberry.field(description="Key of the broader concept, if any.")


def _counts(ctx: Context, walk: aggregates.Walk, force: str | None, from_: str | None, to: str | None) -> COUNTS:
    force_id = normalise_id(force, "force", ctx.base) if force else None
    return aggregates.counts(ctx.store, ctx.budget, walk, force_id, from_, to)


class _Fixed:
    """The root fields that are not generated per class."""

    @gql_field("Any entity by id (or IRI).")
    async def entity(self, info: Info, id: ID) -> t.Entity | None:
        node = await info.context.node(normalise_id(str(id), None, info.context.base))
        return t.wrap(node) if node is not None else None

    @gql_field("Full-text search over names and aliases, best match first.")
    def search(self, info: Info, text: TEXT, types: CLASSES = None, first: t.FIRST = DEFAULT_PAGE) -> list[t.SearchHit]:
        check_first(first)
        if len(text) > 200:
            raise ApiError("search text is longer than 200 characters")
        if not info.context.store.search_ready():
            raise ApiError("search is not ready yet: its index is being built (the KB was just opened); retry soon")
        hits = info.context.store.search(text, [t.value for t in types] if types else None, limit=first)
        info.context.budget.spend(2 * len(hits))
        return [t.SearchHit(score=h.score, node=t.wrap(h.node)) for h in hits]

    @gql_field("The entities and relationships around an entity, for a graph view.")
    def neighbourhood(
        self,
        info: Info,
        id: ID,
        depth: DEPTH = 1,
        relation_types: TYPES = None,
        direction: DIRECTION = t.EdgeDirection.BOTH,
        limit: LIMIT = 200,
    ) -> g.Graph | None:
        if not 1 <= depth <= g.MAX_DEPTH:
            raise ApiError(f"`depth` must be between 1 and {g.MAX_DEPTH}")
        check_first(limit, g.MAX_GRAPH_NODES, "limit")
        ctx, types = info.context, [t.value for t in relation_types] if relation_types else None
        start = normalise_id(str(id), None, ctx.base)
        return g.neighbourhood(ctx.store, ctx.budget, start, depth, types, direction.value, limit)

    @gql_field("The shortest paths between two entities (relationships followed either way), each hop with evidence.")
    def paths(
        self, info: Info, from_: START, to: END, max_hops: HOPS = 4, relation_types: TYPES = None, first: PATHS = 10
    ) -> list[g.Path]:
        if not 1 <= max_hops <= g.MAX_HOPS:
            raise ApiError(f"`maxHops` must be between 1 and {g.MAX_HOPS}")
        check_first(first, g.MAX_PATHS)
        ctx, types = info.context, [t.value for t in relation_types] if relation_types else None
        a, b = normalise_id(str(from_), None, ctx.base), normalise_id(str(to), None, ctx.base)
        return g.paths(ctx.store, ctx.budget, a, b, max_hops, types, first)

    @gql_field(
        "Outcomes that stand (not reversed on appeal), by category, per force and year: the outcomes of "
        "investigations and hearings into allegations against a force or its officers (and of the allegations "
        "themselves, and of incidents the force handled)."
    )
    def outcome_counts(self, info: Info, force: FORCE = None, from_: FROM = None, to: TO = None) -> COUNTS:
        return _counts(info.context, aggregates.outcomes, force, from_, to)

    @gql_field("Allegations by category, per force and year (allegations against the force or its officers).")
    def allegation_counts(self, info: Info, force: FORCE = None, from_: FROM = None, to: TO = None) -> COUNTS:
        return _counts(info.context, aggregates.allegations, force, from_, to)

    @gql_field("The SKOS concepts used as categories and measures.")
    def concepts(self, scheme: SCHEME = None) -> list[Concept]:
        return [
            Concept(scheme=s.key, key=c.key, label=c.label, definition=c.definition, broader=c.broader)
            for s in ONTO.schemes.values()
            if scheme is None or s.key == scheme
            for c in s.concepts.values()
        ]


@cache
def query_type() -> Any:
    """The Query root type (built once; every field read-only)."""
    attrs: dict[str, Any] = {k: v for k, v in vars(_Fixed).items() if isinstance(v, StrawberryField)}
    for cls in ONTO.classes.values():
        one, many = t.root_names(cls)
        attrs[f"one_{cls.name}"], attrs[f"list_{cls.name}"] = _one_field(cls, one), _list_field(cls, many)
    return strawberry.type(
        type("Query", (), {"__module__": __name__, **attrs}),
        description="policing-kb: UK police forces, officers, oversight bodies and cases, with the source of "
        "every fact. Every entity and relationship carries its evidence (source, quote, method, confidence).",
    )


class KBSchema(strawberry.Schema):
    """strawberry's schema, logging a client's error as one line and a server fault with its traceback."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        if client := [e.message for e in errors if is_client_error(e)]:
            log.warning("GraphQL request refused: %s", " | ".join(dict.fromkeys(client[:5])))
        for e in (e for e in errors if not is_client_error(e)):
            log.error("GraphQL fault at %s: %s", e.path, e.message, exc_info=e.original_error)


# The depth and alias limiters make a new rule class per instance, and validation results are
# remembered by rule classes (kb.api.cost): built once, so that they are found again.
_RULES = [*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules, *MaxAliasesLimiter(MAX_ALIASES).validation_rules]


@cache
def build_schema(introspection: bool = True) -> strawberry.Schema:
    """The schema (one per setting); the extensions are made afresh for each request."""
    masked = "Internal error: the request could not be completed."
    ext: list[Any] = [Limits, lambda: ParserCache(maxsize=256), lambda: AddValidationRules(_RULES)]
    # internal errors are masked; syntax, validation and request errors stay readable
    ext += [lambda: MaskErrors(should_mask_error=lambda e: not is_client_error(e), error_message=masked)]
    ext += [] if introspection else [DisableIntrospection]
    return KBSchema(query=query_type(), types=[*t.ENTITY_TYPES.values(), *t.EDGE_TYPES.values()], extensions=ext)


def sdl() -> str:
    """The schema in GraphQL SDL (what graphql/schema.graphql holds)."""
    return build_schema(True).as_str() + "\n"
