"""Graph-shaped answers: neighbourhoods (nodes and edges for a graph view) and paths."""

from __future__ import annotations

from typing import Any, Optional

import strawberry

from kb.api.context import Context
from kb.api.objects import EdgeObj, as_string, gql_field, signed
from kb.api.types import Entity, Evidence, evidence_objs, sources_of, wrap
from kb.model import Direction, Edge, Node
from kb.ontology import ontology
from kb.store.base import Store

MAX_DEPTH = 3
MAX_HOPS = 6
MAX_GRAPH_NODES = 500
MAX_PATHS = 50


def _graph_edge_type() -> Any:
    onto = ontology()

    async def source_node(root: Any, info: strawberry.Info[Context, None]) -> Any:
        n = await info.context.nodes.load(root._edge.source)
        return wrap(n) if n is not None else None

    async def target_node(root: Any, info: strawberry.Info[Context, None]) -> Any:
        n = await info.context.nodes.load(root._edge.target)
        return wrap(n) if n is not None else None

    # Scalars are plain attributes set by EdgeObj.of (strawberry's fast path).
    anns: dict[str, Any] = {"id": strawberry.ID, "type": str, "source": strawberry.ID, "target": strawberry.ID}
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": anns,
        "id": strawberry.field(description="Stable id of the relationship."),
        "type": strawberry.field(description="The relationship type."),
        "source": strawberry.field(description="Id of the subject."),
        "target": strawberry.field(description="Id of the object."),
        "f_source_node": strawberry.field(
            resolver=signed(source_node, [], Entity | None), name="sourceNode", description="The subject entity."
        ),
        "f_target_node": strawberry.field(
            resolver=signed(target_node, [], Entity | None), name="targetNode", description="The object entity."
        ),
        "f_evidence": strawberry.field(
            resolver=signed(lambda root: evidence_objs(root._edge.evidence), [], list[Evidence], info=False),
            name="evidence",
            description="The evidence for the relationship: each source that states it, with its quote.",
        ),
        "f_sources": strawberry.field(
            resolver=signed(sources_of, [], "list[Source]"), name="sources", description="The sources that state it."
        ),
    }
    for p, pdef in onto.relation_props.items():
        anns[f"p_{p}"] = Optional[str]  # noqa: UP045
        attrs[f"p_{p}"] = strawberry.field(
            name=p, description=pdef.description + " (for relationship types that have it)"
        )
    cls: Any = type("GraphEdge", (EdgeObj,), attrs)
    cls._props = tuple((f"p_{p}", p, as_string) for p in onto.relation_props)
    return strawberry.type(cls, description="A relationship of any type, with its properties and evidence.")


GraphEdge = _graph_edge_type()


@strawberry.type(description="Entities and the relationships between them, ready for a graph view.")
class Graph:
    _nodes: strawberry.Private[list[Node]]
    _edges: strawberry.Private[list[Edge]]
    truncated: bool = strawberry.field(description="True when the node limit cut the neighbourhood short.")

    @gql_field(description="The entities.")
    def nodes(self) -> list[Entity]:
        return [wrap(n) for n in self._nodes]

    @gql_field(description="The relationships between them.")
    def edges(self) -> list[GraphEdge]:  # type: ignore[valid-type]
        return [GraphEdge.of(e, None) for e in self._edges]


@strawberry.type(description="A path between two entities: the entities along it and every hop with its evidence.")
class Path:
    _nodes: strawberry.Private[list[Node]]
    _edges: strawberry.Private[list[Edge]]

    @gql_field(description="Number of hops.")
    def length(self) -> int:
        return len(self._edges)

    @gql_field(description="The entities along the path, from start to end.")
    def nodes(self) -> list[Entity]:
        return [wrap(n) for n in self._nodes]

    @gql_field(description="The hops, in order; each says which way the relationship points.")
    def edges(self) -> list[GraphEdge]:  # type: ignore[valid-type]
        return [GraphEdge.of(e, None) for e in self._edges]


def neighbourhood(
    store: Store, start: str, depth: int, rel_types: list[str] | None, direction: Direction, limit: int
) -> Graph | None:
    """Breadth-first from ``start``: one batched store call per level, at most ``limit`` nodes."""
    if store.get(start) is None:
        return None
    seen: dict[str, None] = {start: None}
    edges: dict[str, Edge] = {}
    frontier = [start]
    truncated = False
    for _ in range(depth):
        if not frontier:
            break
        nxt: list[str] = []
        for e in sorted(store.edges(frontier, rel_types, direction), key=lambda e: e.id):
            for end in (e.source, e.target):
                if end not in seen:
                    if len(seen) >= limit:
                        truncated = True
                        continue
                    seen[end] = None
                    nxt.append(end)
            if e.source in seen and e.target in seen:
                edges[e.id] = e
        frontier = nxt
    nodes = store.get_many(list(seen))
    kept = [nodes[i] for i in seen if i in nodes]
    ids = {n.id for n in kept}
    return Graph(
        _nodes=sorted(kept, key=lambda n: (n.id != start, n.id)),
        _edges=sorted((e for e in edges.values() if e.source in ids and e.target in ids), key=lambda e: e.id),
        truncated=truncated,
    )


def paths(store: Store, start: str, end: str, max_hops: int, rel_types: list[str] | None, first: int) -> list[Path]:
    """Shortest paths between two entities, with the entities along each (one get_many for all)."""
    found = store.paths(start, end, max_hops=max_hops, rel_types=rel_types, limit=first)
    seqs: list[list[str]] = []
    for hops in found:
        seq = [start]
        for e in hops:
            seq.append(e.target if e.source == seq[-1] else e.source)
        seqs.append(seq)
    nodes = store.get_many(sorted({i for s in seqs for i in s}))
    out = [
        Path(_nodes=[nodes[i] for i in seq if i in nodes], _edges=list(hops))
        for seq, hops in zip(seqs, found, strict=True)
    ]
    out.sort(key=lambda p: (len(p._edges), [e.id for e in p._edges]))
    return out
