"""MemoryStore: the embedded store, a networkx MultiDiGraph saved to one snapshot file.

Each node and edge keeps a ``{source_id: contribution}`` map, so a source can be replaced
or removed exactly. The snapshot is written atomically (temp file, fsync, rename): a
failed load leaves the previous snapshot as it was.
"""

from __future__ import annotations

import bisect
import builtins
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx

from kb.identity import normalise_name
from kb.model import Direction, Edge, Evidence, Facts, Node, Props, Relation, Stats, UpsertResult
from kb.ontology import ontology
from kb.reference import REFERENCE_SOURCE_ID
from kb.store.base import Page, SearchHit, Store, StoreError, decode_cursor, encode_cursor, search_tokens
from kb.store.memory_paths import HUB as _HUB
from kb.store.memory_paths import hop_key, shortest_paths
from kb.store.memory_snapshot import (
    NO_PROPS,
    EdgeContrib,
    EdgeKey,
    NodeContrib,
    Snapshot,
    SourceIndex,
    no_gc,
    read_snapshot,
    write_snapshot,
)
from kb.store.query import Filter, HasRelation, matches
from kb.store.search_index import SearchIndex
from kb.store.validate import InvalidFacts, validate


def _rtype(key: str) -> str:
    """The relation type of an edge key ("HOLDS_POST|chief constable" -> "HOLDS_POST")."""
    return key.partition("|")[0]


class MemoryStore(Store):
    """In-process store; ``path`` is the snapshot file (None: never persisted)."""

    fork_safe: ClassVar[bool] = True  # plain in-process data (see Store.fork_safe)

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.g: nx.MultiDiGraph = nx.MultiDiGraph()
        # source id -> (node ids, edge keys) it contributes to
        self._by_source: dict[str, SourceIndex] = {}
        self._dirty = False
        self._sorted_cache: dict[tuple[str | None, str], list[tuple[Any, str]]] = {}
        self._search: SearchIndex | None = None
        self._revision = 0  # bumped by every write (see revision)
        self._typed_adj: dict[tuple[str, bool], dict[str, builtins.list[tuple[str, str]]]] = {}
        if self.path is not None and self.path.exists():
            self._read_snapshot(self.path)

    # -- persistence -------------------------------------------------------------
    def _read_snapshot(self, path: Path) -> None:
        snap = read_snapshot(path)  # kb.store.memory_snapshot: checked, restricted, StoreError naming the file
        g = nx.MultiDiGraph()
        g._node, g._succ, g._adj, g._pred = snap.nodes, snap.succ, snap.succ, snap.pred
        self.g = g
        self._by_source = snap.by_source

    def flush(self) -> None:
        if self.path is None or not self._dirty:
            return
        g = self.g
        write_snapshot(self.path, Snapshot(g._node, g._succ, g._pred, self._by_source), g.number_of_edges())
        self._dirty = False

    def close(self) -> None:
        self.flush()

    def clear(self) -> None:
        self.g = nx.MultiDiGraph()
        self._by_source = {}
        self._invalidate()
        self._dirty = True

    @property
    def revision(self) -> int:
        return self._revision

    def _invalidate(self) -> None:
        self._revision += 1
        self._sorted_cache.clear()
        self._search = None
        self._typed_adj.clear()

    # -- writes ------------------------------------------------------------------
    # The hot paths below use the MultiDiGraph's adjacency dicts directly (g._node, g._succ,
    # g._pred, with one key-dict shared by both directions, exactly as networkx builds them):
    # its public add_edge/has_edge cost several microseconds a call, which at 10^6 entities
    # is most of the load time.
    def _known_type(self, entity_id: str) -> str | None:
        data = self.g._node.get(entity_id)
        return self._merged_type(data) if data else None

    def _edge_data(self, k: EdgeKey) -> dict[str, Any] | None:
        keyed = self.g._succ.get(k[0], {}).get(k[1])
        return keyed.get(k[2]) if keyed else None

    def _prepare(
        self, facts: Facts, known_type: Callable[[str], str | None]
    ) -> tuple[str, dict[str, NodeContrib], dict[EdgeKey, tuple[str, EdgeContrib]]]:
        entities = validate(facts, known_type)
        self._check_ends(facts, entities)
        new_nodes: dict[str, NodeContrib] = {
            e.id: (e.type, e.name, tuple(e.aliases), dict(e.props) or NO_PROPS, tuple(e.evidence))
            for e in entities.values()
        }
        new_edges: dict[EdgeKey, tuple[str, EdgeContrib]] = {}
        for r in facts.relations:
            k: EdgeKey = (r.source, r.target, r.key)
            evs = tuple(r.evidence)
            if k in new_edges:
                props, ev = new_edges[k][1]
                merged = {**r.props, **props}
                new_edges[k] = (r.type, (merged, ev + tuple(x for x in evs if x not in ev)))
            else:
                new_edges[k] = (r.type, (dict(r.props) or NO_PROPS, evs))
        return facts.source_id, new_nodes, new_edges

    def _check_ends(self, facts: Facts, entities: dict[str, Any]) -> None:
        """Refuse a relation whose end this very upsert leaves with no evidence (the source
        drops an entity only it vouched for but keeps a relation to it)."""
        old_nodes = set(self._by_source.get(facts.source_id, ((), ()))[0])
        for r in facts.relations:
            for end in (r.source, r.target):
                if end in old_nodes and end not in entities:
                    data = self.g._node.get(end)
                    if data is not None and set(data) <= {facts.source_id}:
                        raise InvalidFacts(
                            f"relation {r.type} refers to {end!r}, which no source vouches for once "
                            f"{facts.source_id} is replaced"
                        )

    def upsert(self, facts: Facts) -> UpsertResult:
        return self.upsert_many([facts])[0]

    def upsert_many(self, batch: Sequence[Facts]) -> builtins.list[UpsertResult]:
        """Validate every source first, then apply them all: a bad source changes nothing."""
        with no_gc():
            pending: dict[str, str] = {}

            def known(entity_id: str) -> str | None:
                return pending.get(entity_id) or self._known_type(entity_id)

            prepared = []
            for facts in batch:
                sid, nodes, edges = self._prepare(facts, known)
                for n, c in nodes.items():
                    # the most specific type so far (Officer over Person), as the merged node has
                    prev = known(n)
                    pending[n] = c[0] if prev is None or (c[0] != prev and ontology().is_a(c[0], prev)) else prev
                prepared.append((sid, nodes, edges))
            return [self._apply(sid, nodes, edges) for sid, nodes, edges in prepared]

    def delete_source(self, source_id: str) -> UpsertResult:
        return self._apply(source_id, {}, {})

    def _apply(
        self, sid: str, new_nodes: dict[str, NodeContrib], new_edges: dict[EdgeKey, tuple[str, EdgeContrib]]
    ) -> UpsertResult:
        old_index = self._by_source.get(sid, ((), ()))
        old_nodes, old_edges = set(old_index[0]), set(old_index[1])
        g = self.g
        node_attr, succ, pred = g._node, g._succ, g._pred
        unchanged = set(new_nodes) == old_nodes and set(new_edges) == old_edges
        if unchanged:
            unchanged = all(node_attr[n].get(sid) == c for n, c in new_nodes.items()) and all(
                (d := self._edge_data(k)) is not None and d.get(sid) == c for k, (_, c) in new_edges.items()
            )
        if unchanged:
            return UpsertResult(sid, 0, 0, 0, 0, 0, True)
        added = updated = rel_added = rel_removed = removed = 0
        # 1. withdraw what the source no longer says
        for k in old_edges - set(new_edges):
            data = self._edge_data(k)
            if data is not None:
                data.pop(sid, None)
                if not data:
                    keyed = succ[k[0]][k[1]]
                    del keyed[k[2]]
                    if not keyed:
                        del succ[k[0]][k[1]]
                        del pred[k[1]][k[0]]
                    rel_removed += 1
        for n in old_nodes - set(new_nodes):
            if n in node_attr:
                contribs = node_attr[n]
                contribs.pop(sid, None)
                if not contribs:
                    rel_removed += g.degree(n)
                    g.remove_node(n)  # drops edges that hang on a node nobody vouches for
                    removed += 1
        # 2. add or replace what it says now
        for n, c in new_nodes.items():
            attr = node_attr.get(n)
            if attr is not None:
                attr[sid] = c
                updated += 1
            else:
                node_attr[n] = {sid: c}
                succ[n] = {}
                pred[n] = {}
                added += 1
        for k, (_, ec) in new_edges.items():
            u, v, key = k
            keyed = succ[u].get(v)
            if keyed is None:
                keyed = succ[u][v] = {}
                pred[v][u] = keyed
            data = keyed.get(key)
            if data is not None:
                data[sid] = ec
            else:
                keyed[key] = {sid: ec}
                rel_added += 1
        if new_nodes or new_edges:
            self._by_source[sid] = (tuple(new_nodes), tuple(new_edges))
        else:
            self._by_source.pop(sid, None)
        self._invalidate()
        self._dirty = True
        return UpsertResult(sid, added, updated, rel_added, rel_removed, removed, False)

    # -- merging contributions -----------------------------------------------------
    @staticmethod
    def _merged_type(contribs: dict[str, NodeContrib]) -> str:
        it = iter(contribs.values())
        best = next(it)[0]
        for c in it:
            if c[0] != best and ontology().is_a(c[0], best):
                best = c[0]
        return best

    def _node(self, node_id: str, contribs: dict[str, NodeContrib]) -> Node:
        if len(contribs) == 1:
            (ctype, cname, caliases, cprops, cev) = next(iter(contribs.values()))
            return Node(node_id, ctype, cname, caliases, dict(cprops), cev)
        ordered = list(contribs.items())
        # Reference data names the thing; otherwise the first source to mention it does.
        ref = contribs.get(REFERENCE_SOURCE_ID)
        name = ref[1] if ref else ordered[0][1][1]
        aliases: dict[str, None] = {}
        props: Props = {}
        evidence: list[Evidence] = []
        for _, (_, cname, caliases, cprops, cev) in ordered:
            if cname != name:
                aliases[cname] = None
            for a in caliases:
                if a != name:
                    aliases[a] = None
            for k, v in cprops.items():
                props.setdefault(k, v)
            evidence.extend(cev)
        if ref:
            props.update(ref[3])
        return Node(node_id, self._merged_type(contribs), name, tuple(aliases), props, tuple(evidence))

    @staticmethod
    def _edge(u: str, v: str, key: str, data: dict[str, Any]) -> Edge:
        props: Props = {}
        evidence: list[Evidence] = []
        for cprops, cev in data.values():
            for k2, val in cprops.items():
                props.setdefault(k2, val)
            evidence.extend(cev)
        return Edge(_rtype(key), u, v, key, props, tuple(evidence))

    # -- reads ---------------------------------------------------------------------
    def get(self, entity_id: str) -> Node | None:
        data = self.g._node.get(entity_id)
        return self._node(entity_id, data) if data else None

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        out: dict[str, Node] = {}
        nodes = self.g._node
        for i in ids:
            data = nodes.get(i)
            if data is not None and i not in out:
                out[i] = self._node(i, data)
        return out

    def _typed(
        self, i: str, adj: dict[str, dict[str, Any]], outgoing: bool
    ) -> dict[str, builtins.list[tuple[str, str]]]:
        """(other end, key) of a node's relations in one direction, by type, sorted.

        For a hub (a force with tens of thousands of relations) this is kept from first use until
        the next write, so a query for one type or for the first page of a list does not scan
        or sort every relation again.
        """
        index = self._typed_adj.get((i, outgoing)) if len(adj) >= _HUB else None
        if index is None:
            by_type: defaultdict[str, builtins.list[tuple[str, str]]] = defaultdict(builtins.list)
            for m, keyed in adj.items():
                for key in keyed:
                    by_type[_rtype(key)].append((m, key))
            for pairs in by_type.values():
                pairs.sort()
            index = dict(by_type)
            if len(adj) >= _HUB:
                self._typed_adj[(i, outgoing)] = index
        return index

    def warm(self) -> None:
        self._search_index().warm()
        succ, pred = self.g._succ, self.g._pred
        for i in self.g._node:
            for adj, outgoing in ((succ[i], True), (pred[i], False)):
                if len(adj) >= _HUB:
                    self._typed(i, adj, outgoing)

    def _matching(
        self, i: str, adj: dict[str, dict[str, Any]], outgoing: bool, wanted: set[str] | None
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(other end, key, data) of the relations in one adjacency dict that have a wanted type."""
        if wanted is not None and len(wanted) == 1 and len(adj) >= _HUB:
            (rtype,) = wanted
            for m, key in self._typed(i, adj, outgoing).get(rtype, ()):
                yield m, key, adj[m][key]
            return
        for m, keyed in adj.items():
            for key, data in keyed.items():
                if wanted is None or _rtype(key) in wanted:
                    yield m, key, data

    def first_edges(
        self,
        ids: Sequence[str],
        rel_types: Sequence[str] | None,
        direction: Direction,
        limit: int,
    ) -> builtins.list[Edge]:
        if limit < 0:
            raise StoreError(f"limit must be >= 0, not {limit}")
        wanted = set(rel_types) if rel_types else None
        out: dict[EdgeKey, Edge] = {}
        succ, pred = self.g._succ, self.g._pred
        both = direction == "both"
        for i in dict.fromkeys(ids):
            if i not in succ:
                continue
            outs = self._typed(i, succ[i], True) if direction != "in" else {}
            ins = self._typed(i, pred[i], False) if direction != "out" else {}
            for rtype in sorted(outs.keys() | ins.keys()):
                if wanted is not None and rtype not in wanted:
                    continue
                # Both directions merged by far end then key, as a "both" list shows them.
                picked = heapq.merge(
                    ((m, key, True) for m, key in outs.get(rtype, ())),
                    ((m, key, False) for m, key in ins.get(rtype, ()) if not (both and m == i)),  # a self-loop once
                )
                for m, key, outgoing in itertools.islice(picked, limit):
                    ek = (i, m, key) if outgoing else (m, i, key)
                    if ek not in out:
                        out[ek] = self._edge(ek[0], ek[1], key, succ[ek[0]][ek[1]][key])
        return builtins.list(out.values())

    def edges(
        self,
        ids: Sequence[str],
        rel_types: Sequence[str] | None = None,
        direction: Direction = "both",
    ) -> builtins.list[Edge]:
        wanted = set(rel_types) if rel_types else None
        out: builtins.list[Edge] = []
        seen: set[tuple[str, str, str]] = set()
        succ, pred = self.g._succ, self.g._pred
        for i in dict.fromkeys(ids):
            if i not in succ:
                continue
            if direction in ("out", "both"):
                for v, key, data in self._matching(i, succ[i], True, wanted):
                    if (i, v, key) not in seen:
                        seen.add((i, v, key))
                        out.append(self._edge(i, v, key, data))
            if direction in ("in", "both"):
                for u, key, data in self._matching(i, pred[i], False, wanted):
                    if (u, i, key) not in seen:
                        seen.add((u, i, key))
                        out.append(self._edge(u, i, key, data))
        return out

    def mentions(self, source_id: str) -> list[str]:
        nodes, _ = self._by_source.get(source_id, (set(), set()))
        return sorted(n for n in nodes if n != source_id)

    def paths(
        self,
        from_id: str,
        to_id: str,
        max_hops: int = 4,
        rel_types: Sequence[str] | None = None,
        limit: int = 10,
    ) -> list[list[Edge]]:
        """Shortest paths by a bidirectional search (kb.store.memory_paths): every shortest path,
        in lexicographic order of the node ids along it, cut at ``limit``."""
        wanted = set(rel_types) if rel_types else None
        succ, pred = self.g._succ, self.g._pred

        def typed(n: str, outgoing: bool) -> dict[str, builtins.list[tuple[str, str]]]:
            return self._typed(n, succ[n] if outgoing else pred[n], outgoing)

        out: list[list[Edge]] = []
        for seq in shortest_paths(succ, pred, from_id, to_id, max_hops, wanted, limit, typed):
            hops: list[Edge] = []
            for a, b in itertools.pairwise(seq):
                k = hop_key(succ, a, b, wanted)
                if k is None:  # pragma: no cover - the search only steps along wanted relations
                    break
                hops.append(self._edge(k[0], k[1], k[2], succ[k[0]][k[1]][k[2]]))
            else:
                out.append(hops)
        return out

    # -- search ------------------------------------------------------------------------
    def _search_index(self) -> SearchIndex:
        """The full-text index (kb.store.search_index), built on first use after a write."""
        if self._search is None:
            self._search = SearchIndex(self._search_entries())
        return self._search

    def _search_entries(self) -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
        for n, data in self.g.nodes(data=True):
            t = self._merged_type(data)
            if t in ("Source", "Quote", "Statistic"):
                continue
            ref = data.get(REFERENCE_SOURCE_ID)
            name = ref[1] if ref else next(iter(data.values()))[1]
            labs = tuple(
                dict.fromkeys(
                    [normalise_name(name)] + [normalise_name(x) for c in data.values() for x in (c[1], *c[2])]
                )
            )
            yield n, t, name, labs

    def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> builtins.list[SearchHit]:
        onto = ontology()

        def accept(ntype: str) -> bool:
            return any(onto.is_a(ntype, t) for t in types or ())

        found = self._search_index().search(search_tokens(text), accept if types else None, limit)
        nodes = self.get_many([n for n, _ in found])
        return [SearchHit(nodes[n], score) for n, score in found if n in nodes]

    # -- listing -----------------------------------------------------------------------
    def _sorted_ids(self, entity_type: str | None, order_by: str) -> list[tuple[Any, str]]:
        key = (entity_type, order_by)
        cached = self._sorted_cache.get(key)
        if cached is not None:
            return cached
        onto = ontology()
        rows: list[tuple[Any, str]] = []
        for n, data in self.g.nodes(data=True):
            t = self._merged_type(data)
            if entity_type is not None and not onto.is_a(t, entity_type):
                continue
            if order_by == "id":
                rows.append(((0, n), n))
            else:
                node = self._node(n, data)
                v = node.name.casefold() if order_by == "name" else node.props.get(order_by)
                # missing values sort last; numbers and strings never compare with each other
                sort_v = (2, "") if v is None else (0, v) if isinstance(v, int | float) else (1, str(v))
                rows.append((sort_v, n))
        rows.sort()
        self._sorted_cache[key] = rows
        return rows

    def list(
        self,
        entity_type: str | None = None,
        where: Filter | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page:
        rows = self._sorted_ids(entity_type, order_by)
        if descending:
            rows = rows[::-1]
        start = 0
        if after:
            pos = decode_cursor(after)
            # keyset: first row strictly after the cursor position in this ordering
            keys = [(r[0], r[1]) for r in rows] if not descending else None
            if keys is not None:
                start = bisect.bisect_right(keys, pos)
            else:
                start = next((i for i, r in enumerate(rows) if (r[0], r[1]) < pos), len(rows))
        out: list[Node] = []
        total = 0
        last: tuple[Any, str] | None = None
        has_next = False
        neighbours = self._neighbour_nodes
        for i, (sv, n) in enumerate(rows):
            if where is not None:
                node = self.get(n)
                if node is None or not matches(node, where, neighbours):
                    continue
            total += 1
            if i < start:
                continue
            if len(out) < limit:
                node_ = self.get(n)
                if node_ is not None:
                    out.append(node_)
                    last = (sv, n)
            else:
                has_next = True
        return Page(tuple(out), total, encode_cursor(last) if last else None, has_next)

    def _neighbour_nodes(self, node: Node, rel: HasRelation) -> builtins.list[Node]:
        ids = []
        for e in self.edges([node.id], [rel.rel_type], rel.direction):
            ids.append(e.target if e.source == node.id else e.source)
        return list(self.get_many(ids).values())

    # -- counts and streaming --------------------------------------------------------
    def stats(self) -> Stats:
        ents: dict[str, int] = defaultdict(int)
        for _, data in self.g.nodes(data=True):
            ents[self._merged_type(data)] += 1
        rels: dict[str, int] = defaultdict(int)
        for _, _, k in self.g.edges(keys=True):
            rels[_rtype(k)] += 1
        sources = ents.pop("Source", 0)
        return Stats(dict(sorted(ents.items())), dict(sorted(rels.items())), sources)

    def iter_nodes(self, entity_type: str | None = None) -> Iterator[Node]:
        onto = ontology()
        for n, data in self.g.nodes(data=True):
            node = self._node(n, data)
            if entity_type is None or onto.is_a(node.type, entity_type):
                yield node

    def iter_edges(self) -> Iterator[Edge]:
        for u, v, k, data in self.g.edges(keys=True, data=True):
            yield self._edge(u, v, k, data)

    # -- used by tests and benchmarks -------------------------------------------------
    def relation_facts(self) -> builtins.list[Relation]:
        return [Relation(e.type, e.source, e.target, dict(e.props), list(e.evidence)) for e in self.iter_edges()]
