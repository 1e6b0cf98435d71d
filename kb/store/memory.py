"""MemoryStore: the embedded store, a graph of plain dicts (kb.store.memory_graph) saved to one
snapshot file.

Each node and edge keeps a ``{source_id: contribution}`` map, so a source can be replaced
or removed exactly (kb.store.merge holds the rules both stores share). The snapshot is written
atomically (temp file, fsync, rename): a failed load leaves the previous snapshot as it was.
"""

from __future__ import annotations

import bisect
import builtins
import heapq
import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from kb.model import Direction, Edge, Facts, Node, Relation, Stats, UpsertResult
from kb.ontology import ontology
from kb.reference import REFERENCE_SOURCE_ID
from kb.store.base import (
    REDIRECTS,
    Page,
    SearchHit,
    Store,
    StoreError,
    decode_cursor,
    encode_cursor,
    search_tokens,
)
from kb.store.lock import SnapshotLock
from kb.store.memory_graph import MemoryGraph
from kb.store.memory_paths import HUB as _HUB
from kb.store.memory_paths import hop_key, shortest_paths
from kb.store.memory_snapshot import no_gc, read_snapshot, write_snapshot
from kb.store.merge import (
    EdgeContrib,
    EdgeKey,
    NewEdges,
    NodeContrib,
    apply,
    contributions,
    merged_edge,
    merged_node,
    merged_type,
    rel_type,
)
from kb.store.query import CHECK_EVERY, NO_DEADLINE, Deadline, Filter, HasRelation, Matcher
from kb.store.search_index import SearchIndex, normalise_label

# Entities with at least this many contributions keep their merged Node (see MemoryStore._merged).
_MANY_PARTS = 32


class MemoryStore(Store):
    """In-process store; ``path`` is the snapshot file (None: never persisted)."""

    fork_safe: ClassVar[bool] = True  # plain in-process data (see Store.fork_safe)

    def __init__(
        self,
        path: Path | str | None = None,
        writer: bool = False,
        on_wait: Callable[[str], None] | None = None,
        wait: bool = True,
    ) -> None:
        """``writer``: take the snapshot's writer lock before reading it, and keep it until
        :meth:`close` (see kb.store.lock); when another process holds it, wait (``on_wait`` hears
        why) or, with ``wait=False``, raise a StoreError."""
        self.path = Path(path) if path is not None else None
        self.g = MemoryGraph()
        self._meta: dict[str, Any] = {}  # KB metadata (Store.meta), saved in the snapshot's header
        self._lock = SnapshotLock(self.path).acquire(wait, on_wait) if writer and self.path is not None else None
        self._dirty = False
        self._sorted_cache: dict[tuple[str | None, str], list[tuple[Any, str]]] = {}
        self._search: SearchIndex | None = None
        self._search_lock = threading.Lock()  # one build at a time; readers wait for it
        self._warming: threading.Thread | None = None
        self._revision = 0  # bumped by every write (see revision)
        self._typed_adj: dict[tuple[str, bool], dict[str, builtins.list[tuple[str, str]]]] = {}
        self._merged_cache: dict[str, Node] = {}  # see _merged
        try:
            if self.path is not None and self.path.exists():
                self._read_snapshot(self.path)
        except BaseException:
            self._unlock()
            raise

    @classmethod
    def opened(cls, path: Path, fh: BinaryIO) -> MemoryStore:
        """A store read from the snapshot ``path`` already open as ``fh`` (its content as it was
        opened, even if a load has renamed a new file over ``path`` since); ``fh`` is closed."""
        store = cls(None)
        store.path = Path(path)
        store.g, kb_meta = read_snapshot(store.path, fh)
        store._meta = dict(kb_meta)
        return store

    # -- persistence -------------------------------------------------------------
    def _read_snapshot(self, path: Path) -> None:
        # kb.store.memory_snapshot: checksummed, restricted unpickler, a StoreError naming the file
        self.g, kb_meta = read_snapshot(path)
        self._meta = dict(kb_meta)

    def flush(self) -> None:
        if self.path is None or not self._dirty:
            return
        write_snapshot(self.path, self.g, self._meta)
        self._dirty = False

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def clear(self) -> None:
        self.g = MemoryGraph()
        self._meta = {}
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
        self._merged_cache.clear()

    # -- writes ------------------------------------------------------------------
    def _known_type(self, entity_id: str) -> str | None:
        parts = self.g.nodes.get(entity_id)
        return merged_type(c[0] for c in parts.values()) if parts else None

    def write(
        self, upserts: Sequence[Facts] = (), deletes: Sequence[str] = (), meta: Mapping[str, Any] | None = None
    ) -> builtins.list[UpsertResult]:
        """Validate every upsert first (against the store as the deletes leave it), then apply
        the deletes and the upserts: a bad source changes nothing."""
        g = self.g
        gone = set(deletes)
        with no_gc():
            pending: dict[str, str] = {}

            def contributors(entity_id: str) -> builtins.list[str] | None:
                parts = g.nodes.get(entity_id)
                if parts is None:
                    return None
                live = [s for s in parts if s not in gone] if gone else builtins.list(parts)
                return live or None

            def known(entity_id: str) -> str | None:
                t = pending.get(entity_id)
                if t is not None or not gone:
                    return t or self._known_type(entity_id)
                parts = g.nodes.get(entity_id)
                live = [c[0] for s, c in parts.items() if s not in gone] if parts else None
                return merged_type(live) if live else None

            prepared = []
            for facts in upserts:
                sid = facts.source_id
                before = set() if sid in gone else set(g.source_index(sid)[0])
                nodes, edges = contributions(facts, known, before, contributors)
                for n, c in nodes.items():
                    # the most specific type so far (Officer over Person), as the merged node has
                    prev = known(n)
                    pending[n] = c[0] if prev is None or (c[0] != prev and ontology().is_a(c[0], prev)) else prev
                prepared.append((sid, nodes, edges))
            results = [self._apply(sid, {}, {}) for sid in deletes]
            results += [self._apply(sid, nodes, edges) for sid, nodes, edges in prepared]
        if meta:
            changed = False
            for k, v in meta.items():
                if v is None:
                    changed |= self._meta.pop(k, None) is not None
                elif self._meta.get(k) != v:
                    self._meta[k] = json.loads(json.dumps(v))  # a copy, and JSON as the snapshot keeps it
                    changed = True
            if changed:
                self._invalidate()
                self._dirty = True
        return results

    def meta(self, key: str) -> Any:
        return self._meta.get(key)

    def _apply(self, sid: str, nodes: dict[str, NodeContrib], edges: NewEdges) -> UpsertResult:
        result = apply(self.g, sid, nodes, edges)
        if not result.unchanged:
            self._invalidate()
            self._dirty = True
        return result

    # -- reads ---------------------------------------------------------------------
    def _redirect(self, entity_id: str) -> str:
        """The id a merged id answers for (see Store.redirects); other ids as they are."""
        redirects = self._meta.get(REDIRECTS)
        return redirects.get(entity_id, entity_id) if redirects else entity_id

    def get(self, entity_id: str) -> Node | None:
        data = self.g.nodes.get(entity_id)
        if data is None and isinstance(entity_id, str):
            entity_id = self._redirect(entity_id)
            data = self.g.nodes.get(entity_id)
        return self._merged(entity_id, data) if data else None

    def _merged(self, node_id: str, parts: dict[str, NodeContrib]) -> Node:
        """merged_node, kept until the next write for an entity with many contributions (a force
        or body named by thousands of sources: merging those is milliseconds on every read).
        Readers never change a Node (its props included), so one can be handed out again."""
        if len(parts) < _MANY_PARTS:
            return merged_node(node_id, parts)
        node = self._merged_cache.get(node_id)
        if node is None:
            node = self._merged_cache[node_id] = merged_node(node_id, parts)
        return node

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        out: dict[str, Node] = {}
        nodes = self.g.nodes
        redirects = self._meta.get(REDIRECTS)
        for i in ids:
            data = nodes.get(i)
            if data is not None:
                if i not in out:
                    out[i] = self._merged(i, data)
            elif redirects and i in redirects and i not in out:
                j = redirects[i]
                data = nodes.get(j)
                if data is not None:
                    out[i] = self._merged(j, data)
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
                    by_type[rel_type(key)].append((m, key))
            for pairs in by_type.values():
                pairs.sort()
            index = dict(by_type)
            if len(adj) >= _HUB:
                self._typed_adj[(i, outgoing)] = index
        return index

    def warm(self, wait: bool = False) -> None:
        """Build the search index and the hubs' relation-type indexes: in a background thread
        (the server answers meanwhile; a search waits for the index, other reads build what
        they need themselves), or now with ``wait``."""
        if wait:
            self._warm()
            return
        if self._warming is None or not self._warming.is_alive():
            self._warming = threading.Thread(target=self._warm, name="kb-memory-warm", daemon=True)
            self._warming.start()

    def warmed(self, timeout: float | None = None) -> bool:
        """Wait for a background :meth:`warm`; whether it is done."""
        thread = self._warming
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _warm(self) -> None:
        revision = self._revision
        with no_gc():  # (and what it builds ends in the GC's permanent generation)
            self._search_index()
            succ, pred = self.g.succ, self.g.pred
            for i in builtins.list(self.g.nodes):
                if self._revision != revision:
                    return  # a write came in: what it needs is built on first use
                for adj, outgoing in ((succ.get(i, {}), True), (pred.get(i, {}), False)):
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
                if wanted is None or rel_type(key) in wanted:
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
        succ, pred = self.g.succ, self.g.pred
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
                        out[ek] = merged_edge(ek[0], ek[1], key, succ[ek[0]][ek[1]][key].values())
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
        succ, pred = self.g.succ, self.g.pred
        for i in dict.fromkeys(ids):
            if i not in succ:
                continue
            if direction in ("out", "both"):
                for v, key, data in self._matching(i, succ[i], True, wanted):
                    if (i, v, key) not in seen:
                        seen.add((i, v, key))
                        out.append(merged_edge(i, v, key, data.values()))
            if direction in ("in", "both"):
                for u, key, data in self._matching(i, pred[i], False, wanted):
                    if (u, i, key) not in seen:
                        seen.add((u, i, key))
                        out.append(merged_edge(u, i, key, data.values()))
        return out

    def mentions(self, source_id: str) -> list[str]:
        nodes, _ = self.g.source_index(source_id)
        return sorted(n for n in nodes if n != source_id)

    # -- contributions ---------------------------------------------------------------
    def node_parts(self, ids: Sequence[str]) -> dict[str, builtins.list[tuple[str, NodeContrib]]]:
        nodes = self.g.nodes
        return {i: builtins.list(nodes[i].items()) for i in ids if i in nodes}

    def edge_parts(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, builtins.list[tuple[str, EdgeContrib]]]:
        out: dict[EdgeKey, builtins.list[tuple[str, EdgeContrib]]] = {}
        for k in keys:
            data = self.g.edge(*k)
            if data is not None:
                out[k] = builtins.list(data.items())
        return out

    def source_contents(self, source_id: str) -> tuple[builtins.list[str], builtins.list[EdgeKey]]:
        nodes, edges = self.g.source_index(source_id)
        own = [source_id] if source_id in nodes else []
        return own + sorted(n for n in nodes if n != source_id), sorted(edges)

    def ids_with_prefix(self, prefixes: Sequence[str]) -> dict[str, builtins.list[str]]:
        rows = self._sorted_ids(None, "id")  # sorted by id; cached until the next write
        out: dict[str, builtins.list[str]] = {}
        for p in prefixes:
            found: builtins.list[str] = []
            for _, n in itertools.islice(rows, bisect.bisect_left(rows, ((0, p), p)), None):
                if not n.startswith(p):
                    break
                found.append(n)
            out[p] = found
        return out

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
        from_id, to_id = self._redirect(from_id), self._redirect(to_id)
        wanted = set(rel_types) if rel_types else None
        succ, pred = self.g.succ, self.g.pred

        def typed(n: str, outgoing: bool) -> dict[str, builtins.list[tuple[str, str]]]:
            return self._typed(n, succ[n] if outgoing else pred[n], outgoing)

        out: list[list[Edge]] = []
        for seq in shortest_paths(succ, pred, from_id, to_id, max_hops, wanted, limit, typed):
            hops: list[Edge] = []
            for a, b in itertools.pairwise(seq):
                k = hop_key(succ, a, b, wanted)
                if k is None:  # pragma: no cover - the search only steps along wanted relations
                    break
                hops.append(merged_edge(k[0], k[1], k[2], succ[k[0]][k[1]][k[2]].values()))
            else:
                out.append(hops)
        return out

    # -- search ------------------------------------------------------------------------
    def search_ready(self) -> bool:
        return self._search is not None or not self._search_lock.locked()

    def _search_index(self) -> SearchIndex:
        """The full-text index (kb.store.search_index), built on first use after a write (or by
        :meth:`warm`); a reader arriving during a build waits for it rather than building twice."""
        index = self._search
        if index is not None:
            return index
        with self._search_lock:
            if self._search is not None:
                return self._search
            revision = self._revision
            index = SearchIndex(self._search_entries())
            if revision == self._revision:  # not a write meanwhile (its index would be stale)
                self._search = index
            return index

    def _search_entries(self) -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
        for n, data in self.g.nodes.items():
            t = merged_type(c[0] for c in data.values())
            if t in ("Source", "Quote", "Statistic"):
                continue
            ref = data.get(REFERENCE_SOURCE_ID)
            name = ref[1] if ref else next(iter(data.values()))[1]
            # each distinct spelling normalised once (most entities say their name twice: as the
            # name and as their one source's name)
            raw = dict.fromkeys([name, *(x for c in data.values() for x in (c[1], *c[2]))])
            yield n, t, name, tuple(dict.fromkeys(map(normalise_label, raw)))

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
        for n, data in self.g.nodes.items():
            t = merged_type(c[0] for c in data.values())
            if entity_type is not None and not onto.is_a(t, entity_type):
                continue
            if order_by == "id":
                rows.append(((0, n), n))
            else:
                node = merged_node(n, data)
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
        return self.scan(entity_type, where, order_by, descending, after, limit, deadline=NO_DEADLINE)

    def scan(
        self,
        entity_type: str | None = None,
        where: Filter | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: str | None = None,
        limit: int = 50,
        *,
        deadline: Deadline,
    ) -> Page:
        rows = self._sorted_ids(entity_type, order_by)
        if descending:
            rows = rows[::-1]
        start = 0
        if after:
            pos = decode_cursor(after)
            # keyset: first row strictly after the cursor position in this ordering
            if not descending:
                start = bisect.bisect_right(rows, pos)
            else:
                start = next((i for i, r in enumerate(rows) if (r[0], r[1]) < pos), len(rows))
        out: list[Node] = []
        total = 0
        last: tuple[Any, str] | None = None
        has_next = False
        matcher = Matcher(self._far_ids, self.get, deadline)
        for i, (sv, n) in enumerate(rows):
            if where is not None:
                if i % CHECK_EVERY == 0:
                    deadline.check()
                if not matcher.test_id(n, where):
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

    def _far_ids(self, node_id: str, rel: HasRelation) -> Iterator[str]:
        """The far ends of a node's relations of one type and direction (for relation filters)."""
        if node_id not in self.g.succ:
            return
        wanted = {rel.rel_type}
        if rel.direction != "in":
            yield from (m for m, _, _ in self._matching(node_id, self.g.succ[node_id], True, wanted))
        if rel.direction != "out":
            yield from (m for m, _, _ in self._matching(node_id, self.g.pred[node_id], False, wanted))

    # -- counts and streaming --------------------------------------------------------
    def stats(self) -> Stats:
        ents: dict[str, int] = defaultdict(int)
        for _, data in self.g.nodes.items():
            ents[merged_type(c[0] for c in data.values())] += 1
        rels: dict[str, int] = defaultdict(int)
        for _, _, k, _ in self.g.edges():
            rels[rel_type(k)] += 1
        sources = ents.pop("Source", 0)
        return Stats(dict(sorted(ents.items())), dict(sorted(rels.items())), sources)

    def iter_nodes(self, entity_type: str | None = None) -> Iterator[Node]:
        onto = ontology()
        for n, data in self.g.nodes.items():
            node = merged_node(n, data)
            if entity_type is None or onto.is_a(node.type, entity_type):
                yield node

    def iter_edges(self) -> Iterator[Edge]:
        for u, v, k, data in self.g.edges():
            yield merged_edge(u, v, k, data.values())

    # -- used by tests and benchmarks -------------------------------------------------
    def relation_facts(self) -> builtins.list[Relation]:
        return [Relation(e.type, e.source, e.target, dict(e.props), list(e.evidence)) for e in self.iter_edges()]
