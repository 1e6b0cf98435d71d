"""Graph-shaped answers: neighbourhoods (nodes and edges for a graph view) and paths. Both read
much of the KB, so each holds a heavy-work slot (kb.api.context) and checks the deadline between reads."""

from __future__ import annotations

from typing import Any

import strawberry

from kb.api.context import Budget, Context, heavy
from kb.api.types import Entity, edge_type, wrap
from kb.model import Direction, Edge
from kb.ontology import ontology
from kb.store.base import Store

MAX_DEPTH = 3
MAX_HOPS = 6
MAX_GRAPH_NODES = 500
MAX_PATHS = 50


def _end(end: str, description: str) -> Any:
    """The entity at one end (``source`` or ``target``) of a graph edge."""

    async def resolve(root: Any, info: strawberry.Info[Context, None]) -> Entity | None:
        n = await info.context.node(getattr(root._edge, end))
        return wrap(n) if n is not None else None

    return strawberry.field(resolver=resolve, name=f"{end}Node", description=description)


GraphEdge: Any = edge_type(
    "GraphEdge",
    tuple(ontology().relation_props),
    None,
    "A relationship of any type, with its properties (for the types that have them) and evidence.",
    {"f_source_node": _end("source", "The subject entity."), "f_target_node": _end("target", "The object entity.")},
)


@strawberry.type(description="Entities and the relationships between them, ready for a graph view.")
class Graph:
    nodes: list[Entity] = strawberry.field(description="The entities (at most `limit`).")
    edges: list[GraphEdge] = strawberry.field(description="The relationships between them (at most twice `limit`).")
    truncated: bool = strawberry.field(description="True when the node limit (or twice it, for edges) cut it short.")


@strawberry.type(description="A path between two entities: the entities along it and every hop with its evidence.")
class Path:
    length: int = strawberry.field(description="Number of hops.")
    nodes: list[Entity] = strawberry.field(description="The entities along the path, from start to end.")
    edges: list[GraphEdge] = strawberry.field(
        description="The hops, in order; each says which way the relationship points."
    )


def neighbourhood(
    store: Store, budget: Budget, start: str, depth: int, types: list[str] | None, direction: Direction, limit: int
) -> Graph | None:
    """Breadth-first from ``start``: one batched store call per level, at most ``limit`` nodes (a
    truncated graph holds what each entity's first ``limit`` relations of each type reach)."""
    with heavy(budget):
        if store.get(start) is None:
            return None
        seen: dict[str, None] = {start: None}
        edges: dict[str, Edge] = {}
        frontier, hops, truncated = [start], 0, False
        while frontier and hops < depth:
            budget.check()
            nxt: list[str] = []
            for e in sorted(store.first_edges(frontier, types, direction, limit), key=lambda e: e.id):
                for end in (e.source, e.target):
                    if end not in seen:
                        if len(seen) >= limit:
                            truncated = True
                            continue
                        seen[end] = None
                        nxt.append(end)
                if e.source in seen and e.target in seen:
                    edges[e.id] = e
            frontier, hops = nxt, hops + 1
        nodes = store.get_many(list(seen))
    kept = sorted((nodes[i] for i in seen if i in nodes), key=lambda n: (n.id != start, n.id))
    ids = {n.id for n in kept}
    shown = sorted((e for e in edges.values() if e.source in ids and e.target in ids), key=lambda e: e.id)
    truncated = truncated or len(shown) > 2 * limit
    budget.spend(len(kept) + min(len(shown), 2 * limit))
    return Graph(
        nodes=[wrap(n) for n in kept], edges=[GraphEdge.of(e) for e in shown[: 2 * limit]], truncated=truncated
    )


def paths(
    store: Store, budget: Budget, a: str, b: str, max_hops: int, types: list[str] | None, first: int
) -> list[Path]:
    """Shortest paths between two entities, with the entities along each (one get_many for all)."""
    with heavy(budget):
        found = store.paths(a, b, max_hops=max_hops, rel_types=types, limit=first)
    budget.check()
    seqs: list[list[str]] = []
    for hops in found:
        seq = [a]
        for e in hops:
            seq.append(e.target if e.source == seq[-1] else e.source)
        seqs.append(seq)
    nodes = store.get_many(sorted({i for s in seqs for i in s}))
    ordered = sorted(zip(seqs, found, strict=True), key=lambda p: (len(p[1]), [e.id for e in p[1]]))
    budget.spend(sum(2 * len(hops) + 1 for _, hops in ordered))
    return [
        Path(length=len(hops), nodes=[wrap(nodes[i]) for i in s if i in nodes], edges=[GraphEdge.of(e) for e in hops])
        for s, hops in ordered
    ]
