"""The memory store's graph: plain dicts of contributions, with adjacency both ways.

Why not networkx: the store used a MultiDiGraph only as a container of dicts, and had to
reach into its private attributes (``_node``, ``_succ``, ``_pred``) on every hot path, because
the public ``add_edge`` / ``has_edge`` / ``remove_edge`` cost several microseconds a call, most
of the load time at 10^6 entities; no networkx algorithm was used (paths are a plain BFS). The
layout below is the one networkx builds, owned here, so every access is public:

* ``nodes[id]`` -> ``{source id: NodeContrib}`` (insertion order = order of first mention);
* ``succ[u][v][key]`` -> ``{source id: EdgeContrib}``, and ``pred[v][u]`` is the *same* key dict,
  so an edge's data is reachable from either end without a second copy;
* ``by_source[sid]`` -> the entities and relations the source contributes to (tuples, a few
  hundred bytes per source instead of kilobytes of sets).

It implements :class:`kb.store.merge.ContribGraph`, so replacing a source is
:func:`kb.store.merge.apply`, exactly as on Neo4j.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeAlias

from kb.store.merge import EdgeContrib, EdgeKey, NodeContrib

EdgeData: TypeAlias = dict[str, EdgeContrib]  # source id -> contribution
Keyed: TypeAlias = dict[str, EdgeData]  # relation key -> data
Adjacency: TypeAlias = dict[str, dict[str, Keyed]]  # id -> other end -> keyed
SourceIndex: TypeAlias = tuple[tuple[str, ...], tuple[EdgeKey, ...]]

_NO_INDEX: SourceIndex = ((), ())


class MemoryGraph:
    """Entities and relations with their contributions by source."""

    __slots__ = ("by_source", "nodes", "pred", "succ")

    def __init__(
        self,
        nodes: dict[str, dict[str, NodeContrib]] | None = None,
        succ: Adjacency | None = None,
        pred: Adjacency | None = None,
        by_source: dict[str, SourceIndex] | None = None,
    ) -> None:
        self.nodes: dict[str, dict[str, NodeContrib]] = nodes if nodes is not None else {}
        self.succ: Adjacency = succ if succ is not None else {}
        self.pred: Adjacency = pred if pred is not None else {}
        self.by_source: dict[str, SourceIndex] = by_source if by_source is not None else {}

    # -- structure -------------------------------------------------------------------------
    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def number_of_edges(self) -> int:
        return sum(len(keyed) for nbrs in self.succ.values() for keyed in nbrs.values())

    def edge(self, u: str, v: str, key: str) -> EdgeData | None:
        keyed = self.succ.get(u, {}).get(v)
        return keyed.get(key) if keyed else None

    def edges(self) -> Iterator[tuple[str, str, str, EdgeData]]:
        """Every relation: (source id, target id, key, contributions)."""
        for u, nbrs in self.succ.items():
            for v, keyed in nbrs.items():
                for key, data in keyed.items():
                    yield u, v, key, data

    def degree(self, n: str) -> int:
        """Relations on ``n`` (a self-loop counts twice, once per end)."""
        return sum(len(k) for k in self.succ[n].values()) + sum(len(k) for k in self.pred[n].values())

    def remove_node(self, n: str) -> int:
        """Remove ``n`` and every relation on it; the number of those (see :meth:`degree`)."""
        count = self.degree(n)
        for v in self.succ.pop(n):
            if v != n:
                del self.pred[v][n]
        for u in self.pred.pop(n):
            if u != n:
                del self.succ[u][n]
        del self.nodes[n]
        return count

    # -- kb.store.merge.ContribGraph -----------------------------------------------------------
    def source_index(self, sid: str) -> SourceIndex:
        return self.by_source.get(sid, _NO_INDEX)

    def set_source_index(self, sid: str, nodes: Sequence[str], edges: Sequence[EdgeKey]) -> None:
        if nodes or edges:
            self.by_source[sid] = (tuple(nodes), tuple(edges))
        else:
            self.by_source.pop(sid, None)

    def node_part(self, node_id: str, sid: str) -> NodeContrib | None:
        parts = self.nodes.get(node_id)
        return parts.get(sid) if parts is not None else None

    def edge_part(self, key: EdgeKey, sid: str) -> EdgeContrib | None:
        data = self.edge(*key)
        return data.get(sid) if data is not None else None

    def put_node(self, node_id: str, sid: str, c: NodeContrib) -> bool:
        parts = self.nodes.get(node_id)
        if parts is not None:
            parts[sid] = c
            return False
        self.nodes[node_id] = {sid: c}
        self.succ[node_id] = {}
        self.pred[node_id] = {}
        return True

    def put_edge(self, key: EdgeKey, rtype: str, sid: str, c: EdgeContrib) -> bool:
        u, v, k = key
        keyed = self.succ[u].get(v)
        if keyed is None:
            keyed = self.succ[u][v] = {}
            self.pred[v][u] = keyed
        data = keyed.get(k)
        if data is not None:
            data[sid] = c
            return False
        keyed[k] = {sid: c}
        return True

    def withdraw_node(self, node_id: str, sid: str) -> int | None:
        parts = self.nodes.get(node_id)
        if parts is None:
            return None
        parts.pop(sid, None)
        if parts:
            return None
        return self.remove_node(node_id)  # with the relations on a node nobody vouches for

    def withdraw_edge(self, key: EdgeKey, sid: str) -> bool:
        u, v, k = key
        keyed = self.succ.get(u, {}).get(v)
        data = keyed.get(k) if keyed else None
        if data is None or keyed is None:
            return False
        data.pop(sid, None)
        if data:
            return False
        del keyed[k]
        if not keyed:
            del self.succ[u][v]
            del self.pred[v][u]
        return True
