"""The GraphQL schema: root fields generated per ontology class, plus search, graph queries,
aggregates and statistics; the security extensions that bound what one request may cost."""

from __future__ import annotations

import inspect
import threading
from functools import cache
from typing import Annotated, Any, Optional

import anyio.to_thread
import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.types.nodes import convert_selections

from kb.api import aggregates, cursors, direct
from kb.api import graph as graph_mod
from kb.api.context import Context
from kb.api.errors import MAX_PAGE, ApiError, check_first, should_mask
from kb.api.executor import KBExecutionContext
from kb.api.filters import to_filter
from kb.api.limits import MAX_COMPLEXITY, CostLimiter, DocumentValidationCache
from kb.api.objects import list_of, signed
from kb.api.prefetch import prefetch, sub_selections
from kb.api.types import (
    CONNECTIONS,
    ORDER_INPUTS,
    WHERE_TYPES,
    ConnectionData,
    EdgeDirection,
    Entity,
    EntityType,
    RelationType,
    SearchHit,
    node_type_for,
    root_names,
    statistic_matches,
    wrap,
)
from kb.model import Node
from kb.ontology import ClassDef, ontology
from kb.store.query import And, Cond, Filter

MAX_DEPTH = 15
MAX_ALIASES = 50
MAX_TOKENS = 4000
DEFAULT_PAGE = 20
ONTO = ontology()
EMPTY = inspect.Parameter.empty

ID_ARG = Annotated[strawberry.ID, strawberry.argument(description="Entity id, e.g. `force/thames-valley`.")]
FIRST_DOC = f"Page size (at most {MAX_PAGE})."


def normalise_id(raw: str, slug: str | None, base: str) -> str:
    """Accept `force/thames-valley`, `thames-valley` (where the class is known) or a full IRI."""
    s = raw.strip()
    prefix = f"{base}/id/"
    if s.startswith(prefix):
        s = s[len(prefix) :]
    if "/" not in s and slug is not None:
        s = f"{slug}/{s}"
    if len(s) > 300:
        raise ApiError("id too long")
    return s


# ---- per-class root fields ---------------------------------------------------------------
def _one_field(cls: ClassDef) -> Any:
    ret = node_type_for([cls.name])

    def one(root: Any, info: strawberry.Info[Context, None], id: strawberry.ID) -> Any:
        ctx = info.context
        node = _get(ctx, normalise_id(str(id), cls.slug, ctx.base))
        if node is None or not ONTO.is_a(node.type, cls.name):
            return None
        prefetch(ctx, [node], _selections(info))
        return wrap(node)

    return strawberry.field(
        # graphql-core calls it directly (kb.api.direct): it reads info.context and the id
        resolver=signed(direct.direct(one), [("id", ID_ARG, EMPTY)], Optional[ret]),  # noqa: UP045
        description=f"One {cls.label} by id ({cls.description})",
    )


def list_connection(
    ctx: Context, cls: str, flt: Filter | None, order: Any, first: int, after: str | None
) -> ConnectionData:
    """One page of a class's entities, with a cursor per entity (see kb.api.cursors)."""
    check_first(first)
    order_by = order.field.value if order is not None else "id"
    desc = order is not None and order.direction.value == "desc"
    # A cursor only resumes the listing it came from (same class, filter and order).
    query_key = cursors.query_key(cls, repr(flt), order_by, desc)
    store_after, skip = cursors.decode(after, query_key) if after else (None, 0)
    page = ctx.store.list(cls, where=flt, order_by=order_by, descending=desc, after=store_after, limit=skip + first)
    nodes = list(page.nodes[skip:])
    last = len(page.nodes) - 1
    cur = [
        cursors.encode(page.end_cursor, 0, query_key)
        if skip + i == last
        else cursors.encode(store_after, skip + i + 1, query_key)
        for i in range(len(nodes))
    ]
    return ConnectionData(nodes, cur, page.total, page.has_next, after is not None)


# A filtered listing scans its class (seconds for a relationship filter over 10^6 entities): it
# runs in a worker thread, so that the event loop goes on answering other requests, and at most
# this many run at once.
_SCANS = threading.BoundedSemaphore(2)


def _scan(ctx: Context, cls: str, flt: Filter | None, order: Any, first: int, after: str | None) -> ConnectionData:
    with _SCANS:
        return list_connection(ctx, cls, flt, order, first, after)


def _list_field(cls: ClassDef) -> Any:
    where_t, order_t, conn_t = WHERE_TYPES[cls.name], ORDER_INPUTS[cls.name], CONNECTIONS[cls.name]
    is_stat = cls.name == "Statistic"

    async def many(
        root: Any,
        info: strawberry.Info[Context, None],
        where: Any = None,
        order_by: Any = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        subject: str | None = None,
        measure: str | None = None,
        from_: str | None = None,
        to: str | None = None,
    ) -> Any:
        ctx = info.context
        flt = to_filter(where)
        if is_stat:
            flt = _statistic_filter(ctx, flt, subject, measure, from_, to)
        if flt is None:
            data = list_connection(ctx, cls.name, flt, order_by, first, after)
        else:
            data = await anyio.to_thread.run_sync(_scan, ctx, cls.name, flt, order_by, first, after)
        ctx.node_cache.update((n.id, n) for n in data.nodes)
        sel = _selections(info)
        prefetch(ctx, data.nodes, [*sub_selections(sel, ("nodes",)), *sub_selections(sel, ("edges", "node"))])
        return conn_t(_d=data)

    params: list[tuple[str, Any, Any]] = [
        ("where", Annotated[Optional[where_t], strawberry.argument(description="Filter.")], None),  # noqa: UP045
        (
            "order_by",
            Annotated[order_t | None, strawberry.argument(description="Sort order (default: by id).")],
            None,
        ),
        ("first", Annotated[int, strawberry.argument(description=FIRST_DOC)], DEFAULT_PAGE),
        ("after", Annotated[Optional[str], strawberry.argument(description="Cursor to continue after.")], None),  # noqa: UP045
    ]
    if is_stat:
        params += [
            (
                "subject",
                Annotated[strawberry.ID | None, strawberry.argument(description="Only statistics ABOUT this entity.")],
                None,
            ),
            (
                "measure",
                Annotated[str | None, strawberry.argument(description="Measure concept key, or words in the measure.")],
                None,
            ),
            (
                "from_",
                Annotated[
                    str | None,
                    strawberry.argument(name="from", description="Period ends on or after this ISO date."),
                ],
                None,
            ),
            (
                "to",
                Annotated[str | None, strawberry.argument(description="Period starts on or before this ISO date.")],
                None,
            ),
        ]
    _, plural_name = root_names(cls)
    return strawberry.field(
        resolver=signed(many, params, conn_t),
        name=plural_name,
        description=f"{cls.label} entities (subclasses included), filtered, sorted and paginated. {cls.description}",
    )


def _statistic_filter(
    ctx: Context,
    flt: Filter | None,
    subject: str | None,
    measure: str | None,
    date_from: str | None,
    date_to: str | None,
) -> Filter | None:
    items: list[Filter] = [flt] if flt is not None else []
    if subject:
        sid = normalise_id(subject, None, ctx.base)
        # Resolve the subject's statistics with one batched edge lookup, then filter by id.
        ids = sorted({e.source for e in ctx.store.edges([sid], ["ABOUT"], "in")})
        items.append(Cond("id", "in", ids))
    if measure or date_from or date_to:
        page_ids = None
        if subject:
            nodes = ctx.store.get_many(ids)
            page_ids = [i for i in ids if i in nodes and statistic_matches(nodes[i], measure, date_from, date_to)]
            items[-1] = Cond("id", "in", page_ids)
        else:
            if measure:
                from kb.api.filters import narrower

                items.append(
                    Cond("measureConcept", "in", narrower([measure]))
                    if measure in _measure_keys()
                    else Cond("measure", "contains", measure)
                )
            if date_from:
                items.append(Cond("periodEnd", "gte", date_from))
            if date_to:
                items.append(Cond("periodStart", "lte", date_to))
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


@cache
def _measure_keys() -> frozenset[str]:
    s = ONTO.schemes.get("measure")
    return frozenset(s.concepts) if s else frozenset()


# ---- other root fields -----------------------------------------------------------------------
@strawberry.type(description="A SKOS concept: an allegation category, an outcome category or a statistic measure.")
class Concept:
    scheme: str = strawberry.field(description="The concept scheme key.")
    key: str = strawberry.field(description="The concept key (the value of `category` / `measureConcept`).")
    label: str = strawberry.field(description="Preferred label.")
    definition: str = strawberry.field(description="What the concept means.")
    broader: str | None = strawberry.field(description="Key of the broader concept, if any.")


def _get(ctx: Context, entity_id: str) -> Node | None:
    node = ctx.node_cache.get(entity_id)
    if node is None:
        node = ctx.store.get_many([entity_id]).get(entity_id)
        if node is not None:
            ctx.node_cache[entity_id] = node
    return node


def _selections(info: strawberry.Info[Context, None]) -> list[Any]:
    """What the query selects on the current field's value (nothing when the request reads level
    by level instead of ahead: strawberry builds these objects for the whole tree below)."""
    if not info.context.lookahead:
        return []
    # strawberry's Info or, for a resolver graphql-core calls directly (kb.api.direct), its own
    raw: Any = getattr(info, "_raw_info", info)
    return [s for f in convert_selections(raw, raw.field_nodes) for s in getattr(f, "selections", ())]


def _entity(root: Any, info: strawberry.Info[Context, None], id: strawberry.ID) -> Entity | None:
    ctx = info.context
    node = _get(ctx, normalise_id(str(id), None, ctx.base))
    if node is None:
        return None
    prefetch(ctx, [node], _selections(info))
    return wrap(node)  # type: ignore[no-any-return]


def _search(
    root: Any,
    info: strawberry.Info[Context, None],
    text: str,
    types: list[Any] | None = None,
    first: int = DEFAULT_PAGE,
) -> list[SearchHit]:
    check_first(first)
    if len(text) > 200:
        raise ApiError("search text is longer than 200 characters")
    ctx = info.context
    hits = ctx.store.search(text, [t.value for t in types] if types else None, limit=first)
    ctx.node_cache.update((h.node.id, h.node) for h in hits)
    prefetch(ctx, [h.node for h in hits], sub_selections(_selections(info), ("node",)))
    return [SearchHit(score=h.score, _entity=h.node) for h in hits]


def _neighbourhood(
    root: Any,
    info: strawberry.Info[Context, None],
    id: strawberry.ID,
    depth: int = 1,
    relation_types: list[Any] | None = None,
    direction: EdgeDirection = EdgeDirection.BOTH,
    limit: int = 200,
) -> Any:
    if not 1 <= depth <= graph_mod.MAX_DEPTH:
        raise ApiError(f"`depth` must be between 1 and {graph_mod.MAX_DEPTH}")
    check_first(limit, graph_mod.MAX_GRAPH_NODES, "limit")
    ctx = info.context
    types = [t.value for t in relation_types] if relation_types else None
    return graph_mod.neighbourhood(
        ctx.store, normalise_id(str(id), None, ctx.base), depth, types, direction.value, limit
    )


def _paths(
    root: Any,
    info: strawberry.Info[Context, None],
    from_: strawberry.ID,
    to: strawberry.ID,
    max_hops: int = 4,
    relation_types: list[Any] | None = None,
    first: int = 10,
) -> list[Any]:
    if not 1 <= max_hops <= graph_mod.MAX_HOPS:
        raise ApiError(f"`maxHops` must be between 1 and {graph_mod.MAX_HOPS}")
    check_first(first, graph_mod.MAX_PATHS)
    ctx = info.context
    types = [t.value for t in relation_types] if relation_types else None
    a, b = normalise_id(str(from_), None, ctx.base), normalise_id(str(to), None, ctx.base)
    return graph_mod.paths(ctx.store, a, b, max_hops, types, first)


def _force_arg(ctx: Context, force: str | None) -> str | None:
    return normalise_id(force, "force", ctx.base) if force else None


def _counts(walk: aggregates.Walk) -> Any:
    """The resolver of an aggregate root field over ``walk``."""

    async def resolve(
        root: Any,
        info: strawberry.Info[Context, None],
        force: str | None = None,
        from_: str | None = None,
        to: str | None = None,
    ) -> list[aggregates.CategoryCount]:
        ctx = info.context
        return await aggregates.counts(ctx.store, walk, _force_arg(ctx, force), from_, to)

    return resolve


def _concepts(root: Any, scheme: str | None = None) -> list[Concept]:
    return [
        Concept(scheme=s.key, key=c.key, label=c.label, definition=c.definition, broader=c.broader)
        for s in ONTO.schemes.values()
        if scheme is None or s.key == scheme
        for c in s.concepts.values()
    ]


def _root_fields() -> dict[str, Any]:
    rel_types: Any = Annotated[
        Optional[list_of(RelationType)],  # noqa: UP045
        strawberry.argument(description="Only these relationship types (default: all)."),
    ]
    range_args: list[tuple[str, Any, Any]] = [
        (
            "force",
            Annotated[strawberry.ID | None, strawberry.argument(description="Only this force (default: every force).")],
            None,
        ),
        (
            "from_",
            Annotated[str | None, strawberry.argument(name="from", description="On or after this ISO date.")],
            None,
        ),
        ("to", Annotated[Optional[str], strawberry.argument(description="On or before this ISO date.")], None),  # noqa: UP045
    ]
    f: dict[str, Any] = {
        "entity": strawberry.field(
            resolver=signed(direct.direct(_entity), [("id", ID_ARG, EMPTY)], Optional[Entity]),  # noqa: UP045
            description="Any entity by id (or IRI).",
        ),
        "search": strawberry.field(
            resolver=signed(
                _search,
                [
                    (
                        "text",
                        Annotated[
                            str,
                            strawberry.argument(
                                description="Words of a name or alias; case and punctuation do not matter."
                            ),
                        ],
                        EMPTY,
                    ),
                    (
                        "types",
                        Annotated[list[EntityType] | None, strawberry.argument(description="Only these classes.")],
                        None,
                    ),
                    ("first", Annotated[int, strawberry.argument(description=FIRST_DOC)], DEFAULT_PAGE),
                ],
                list[SearchHit],
            ),
            description="Full-text search over names and aliases, best match first.",
        ),
        "neighbourhood": strawberry.field(
            resolver=signed(
                _neighbourhood,
                [
                    ("id", ID_ARG, EMPTY),
                    (
                        "depth",
                        Annotated[
                            int, strawberry.argument(description=f"Hops to follow (1 to {graph_mod.MAX_DEPTH}).")
                        ],
                        1,
                    ),
                    ("relation_types", rel_types, None),
                    (
                        "direction",
                        Annotated[EdgeDirection, strawberry.argument(description="Which way to follow relationships.")],
                        EdgeDirection.BOTH,
                    ),
                    (
                        "limit",
                        Annotated[
                            int,
                            strawberry.argument(
                                description=f"At most this many entities (max {graph_mod.MAX_GRAPH_NODES})."
                            ),
                        ],
                        200,
                    ),
                ],
                Optional[graph_mod.Graph],  # noqa: UP045
            ),
            description="The entities and relationships around an entity, for a graph view.",
        ),
        "paths": strawberry.field(
            resolver=signed(
                _paths,
                [
                    (
                        "from_",
                        Annotated[strawberry.ID, strawberry.argument(name="from", description="Start entity id.")],
                        EMPTY,
                    ),
                    ("to", Annotated[strawberry.ID, strawberry.argument(description="End entity id.")], EMPTY),
                    (
                        "max_hops",
                        Annotated[
                            int,
                            strawberry.argument(description=f"Longest path to look for (1 to {graph_mod.MAX_HOPS})."),
                        ],
                        4,
                    ),
                    ("relation_types", rel_types, None),
                    (
                        "first",
                        Annotated[
                            int,
                            strawberry.argument(description=f"At most this many paths (max {graph_mod.MAX_PATHS})."),
                        ],
                        10,
                    ),
                ],
                list[graph_mod.Path],
            ),
            description="The shortest paths between two entities (relationships followed either way), "
            "every hop with its evidence.",
        ),
        "outcome_counts": strawberry.field(
            resolver=signed(_counts(aggregates.outcome_counts), range_args, list[aggregates.CategoryCount]),
            name="outcomeCounts",
            description="Outcomes by category, per force and year: outcomes of allegations against a force "
            "or its officers, of incidents it handled, and of investigations into those.",
        ),
        "allegation_counts": strawberry.field(
            resolver=signed(_counts(aggregates.allegation_counts), range_args, list[aggregates.CategoryCount]),
            name="allegationCounts",
            description="Allegations by category, per force and year (allegations against the force or its officers).",
        ),
        "concepts": strawberry.field(
            resolver=signed(
                _concepts,
                [
                    (
                        "scheme",
                        Annotated[
                            str | None,
                            strawberry.argument(
                                description="Only this scheme: allegation-category, outcome-category or measure."
                            ),
                        ],
                        None,
                    )
                ],
                list[Concept],
                info=False,
            ),
            description="The SKOS concepts used as categories and measures.",
        ),
    }
    for cls in ONTO.classes.values():
        one_name, _ = root_names(cls)
        f[f"one_{cls.name}"] = _one_field(cls)
        f[f"one_{cls.name}"].graphql_name = one_name
        f[f"list_{cls.name}"] = _list_field(cls)
    return f


@cache
def query_type() -> Any:
    """The Query root type (built once; every field read-only)."""
    attrs = {"__module__": __name__, **_root_fields()}
    return strawberry.type(
        type("Query", (), attrs),
        description="policing-kb: UK police forces, officers, oversight bodies and cases, with the source of "
        "every fact. Every entity and relationship carries its evidence (source, quote, method, confidence).",
    )


# Validation rules built once: the depth and alias limiters make a new rule class per
# instance, and ValidationCache keys on the rule classes, so per-request instances of the
# limiters would never hit the cache.
_LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


class LimitRules(AddValidationRules):
    """The query depth and alias limits (strawberry's QueryDepthLimiter and MaxAliasesLimiter)."""

    def __init__(self) -> None:
        super().__init__(list(_LIMIT_RULES))


def extensions(introspection: bool) -> list[Any]:
    """The security extensions, as factories (strawberry builds fresh ones for each request)."""
    ext: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=256),
        LimitRules,
        lambda: DocumentValidationCache(maxsize=256),
        lambda: CostLimiter(MAX_COMPLEXITY),
        lambda: MaskErrors(
            should_mask_error=should_mask, error_message="Internal error: the request could not be completed."
        ),
    ]
    if not introspection:
        ext.append(DisableIntrospection)
    return ext


@cache
def build_schema(introspection: bool = True, *, planned: bool = True) -> strawberry.Schema:
    """The schema (one per setting; extensions are instantiated per schema). ``planned`` runs
    operations with kb.api.executor's planned selection sets; False keeps graphql-core's own
    execution (the reference the tests compare against)."""
    from kb.api import types as gen

    extra = [*gen.ENTITY_TYPES.values(), *gen.EDGE_TYPES.values()]
    schema = strawberry.Schema(
        query=query_type(),
        types=extra,
        extensions=extensions(introspection),
        execution_context_class=KBExecutionContext if planned else None,
    )
    direct.install(schema)
    return schema


def sdl() -> str:
    """The schema in GraphQL SDL (what graphql/schema.graphql holds)."""
    return build_schema(True).as_str() + "\n"
