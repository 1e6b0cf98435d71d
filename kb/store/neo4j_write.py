"""The write path of the Neo4j store: load what a batch of sources touches, apply each
source exactly as the memory store does, then write the difference in batched
``UNWIND $rows ...`` statements, all inside one managed write transaction.

Applying in Python on a working set (rather than statement by statement) keeps the two
stores' semantics identical and turns a batch of sources into a few dozen statements.
The statements of the write phase run in order on a helper thread (:class:`StatementPipe`),
so the client encodes the next statement's rows while the server executes the previous one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from neo4j import ManagedTransaction, Record

from kb.model import Facts, Props, UpsertResult
from kb.store.merge import EdgeContrib, EdgeKey, NewEdges, NodeContrib, apply, contributions, merged_type, merged_view
from kb.store.neo4j_model import (
    EDGES_BY_KEY,
    MENTIONED_IN,
    SEEK_AB,
    SEEK_NS,
    check_rel_type,
    contribution_entries,
    decode_evidence,
    decode_node_contrib,
    dumps,
    encode_node_contrib,
    label_expr,
    labels_for,
    loads,
    mention_props,
    node_props,
    node_rows,
    rel_type_of_key,
    relation_contribs,
    relation_props,
    search_tokens,
)
from kb.store.neo4j_parts import META_LABEL, WRITER_KEY

# Contribution as held in the working set: evidence is None when not loaded (other sources).
_Contrib = tuple[str, str, tuple[str, ...], Props, "tuple[Any, ...] | None"]


@dataclass
class _WNode:
    id: str
    in_db: bool
    db_labels: tuple[str, ...] = ()
    contribs: dict[str, _Contrib] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)
    db_mentions: set[str] = field(default_factory=set)  # sources with a MENTIONED_IN edge in the db
    db_rels: list[str] | None = None
    alive: bool = True
    dirty: bool = False
    fresh: bool = False  # will be created without any of its db relationships
    changed: set[str] = field(default_factory=set)  # sources whose contribution changed


@dataclass
class _WEdge:
    key: EdgeKey
    type: str
    in_db: bool
    contribs: dict[str, EdgeContrib] = field(default_factory=dict)
    alive: bool = True
    dirty: bool = False
    fresh: bool = False  # must be (re)created


# A MENTIONED_IN edge's properties written inline (one write instead of create-then-set).
_MENTION_MAP = (
    "{seq: r.m.seq, c: r.m.c, ev: r.m.ev, mentions: r.m.mentions, quote: r.m.quote, method: r.m.method, "
    "confidence: r.m.confidence}"
)


def _rows(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _key_text(k: EdgeKey) -> str:
    return dumps(list(k))


def _key_from_text(t: str) -> EdgeKey:
    u, v, key = loads(t)
    return (str(u), str(v), str(key))


class QuietList(list[Any]):
    """A list whose repr is short.

    The driver formats every statement's parameters for a debug log line even when debug
    logging is off; for a 2,000-row batch that repr costs as much as encoding the rows.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


def quiet(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with list values wrapped in :class:`QuietList` (same values, same encoding)."""
    return {k: QuietList(v) if type(v) is list else v for k, v in params.items()}


class _Skipped(Exception):
    """A statement not run because an earlier one of the transaction failed."""


class StatementPipe:
    """Runs one transaction's statements in submission order on a single helper thread.

    The driver releases the GIL while it waits for the server, so the caller prepares the
    next statement's rows while the server executes the previous one (the client and the
    server otherwise take turns). Only the helper thread touches the transaction until
    :meth:`wait` returns; after a failure the remaining statements are skipped and the
    first error is raised by :meth:`wait` (the managed transaction then rolls back and
    may retry the whole unit of work).
    """

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-neo4j-write")
        self._pending: list[Future[None]] = []
        self._failed = False

    def run(self, query: str, on_records: Callable[[list[Record]], None] | None = None, **params: Any) -> None:
        """Queue ``query``; ``on_records`` gets its records (on the helper thread)."""
        self._pending.append(self._pool.submit(self._execute, query, params, on_records))

    def _execute(self, query: str, params: dict[str, Any], on_records: Callable[[list[Record]], None] | None) -> None:
        if self._failed:
            raise _Skipped
        try:
            result = self._tx.run(query, quiet(params))
            if on_records is None:
                result.consume()
            else:
                on_records(list(result))
        except BaseException:
            self._failed = True
            raise

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run ``query`` after everything queued; its rows as dicts."""
        out: list[dict[str, Any]] = []
        self.run(query, lambda records: out.extend(r.data() for r in records), **params)
        self.wait()
        return out

    def wait(self) -> None:
        """Block until every queued statement has run; raise the first failure."""
        pending, self._pending = self._pending, []
        first: BaseException | None = None
        for f in pending:
            exc = f.exception()
            if first is None and exc is not None and not isinstance(exc, _Skipped):
                first = exc
        if first is not None:
            raise first

    def __enter__(self) -> StatementPipe:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.wait()
            else:  # the caller failed: run nothing more, but let a running statement finish
                self._failed = True
                for f in self._pending:
                    f.cancel()
                for f in self._pending:
                    if not f.cancelled():
                        f.exception()
        finally:
            self._pool.shutdown(wait=True)


class WorkingSet:
    """The part of the graph a batch of sources touches, loaded inside the transaction."""

    def __init__(self, tx: ManagedTransaction, batch_sids: set[str], chunk: int, fulltext: bool = True) -> None:
        self.tx = tx
        self.sids = batch_sids
        self.chunk = chunk
        self.fulltext = fulltext  # write the full-text index's _search property
        self.nodes: dict[str, _WNode] = {}
        self.edges: dict[EdgeKey, _WEdge] = {}
        self.adj: dict[str, set[EdgeKey]] = defaultdict(set)
        self.by_source: dict[str, tuple[set[str], set[EdgeKey]]] = {}
        self.rels_changed: set[str] = set()
        self.seq = 0  # of the source being applied: orders first mentions, as memory's dict order does
        # elementId of each node as it stands in this transaction: looking a node up by element id
        # is a direct record fetch on Neo4j and ArcadeDB, several times cheaper than an id-index
        # seek (on ArcadeDB an :Entity seek probes one index per label set). Valid only within the
        # transaction, which is all it is used for.
        self.eids: dict[str, str] = {}

    # -- loading -------------------------------------------------------------------------
    def _run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return [r.data() for r in self.tx.run(query, quiet(params))]

    def load(self, ids: Iterable[str]) -> None:
        # 1. what each source of the batch said before: its mentions and its relations
        sids = sorted(self.sids)
        old_nodes: dict[str, set[str]] = {sid: set() for sid in sids}
        for part in _rows(sids, self.chunk):
            for r in self._run(
                "UNWIND $ids AS sid MATCH (s:Entity {id: sid}) USING INDEX SEEK s:Entity(id) "
                "MATCH (n:Entity)-[:MENTIONED_IN]->(s) RETURN sid, n.id AS id",
                ids=list(part),
            ):
                old_nodes[r["sid"]].add(r["id"])
        wanted = set(ids) | set(sids)
        for s in old_nodes.values():
            wanted |= s
        self._load_nodes(sorted(wanted))
        edge_keys: set[EdgeKey] = set()
        for sid in sids:
            node = self.nodes.get(sid)
            nodes = set(old_nodes[sid])
            rels: set[EdgeKey] = set()
            if node is not None:
                if sid in node.contribs:
                    nodes.add(sid)
                rels = {_key_from_text(t) for t in node.db_rels or ()}
            if nodes or rels:
                self.by_source[sid] = (nodes, rels)
            edge_keys |= rels
        self.load_edges(edge_keys)
        # 2. nodes this batch might remove: load every relationship on them (the memory store
        # drops a node's relations with it, and counts them)
        candidates = [
            n.id
            for sid in sids
            for nid in self.by_source.get(sid, (set(), set()))[0]
            if (n := self.nodes[nid]).contribs and set(n.contribs) <= self.sids
        ]
        self._load_incident(sorted(set(candidates)))

    def _load_nodes(self, ids: Sequence[str]) -> None:
        for r in node_rows(self._run, ids, self.chunk, sorted(self.sids)):
            nid = r["id"]
            node = _WNode(nid, True, tuple(sorted(r["labels"])), db_rels=r["rels"])
            self.eids[nid] = r["eid"]
            for seq, sid, c, ev in contribution_entries(r):
                if sid != nid:
                    node.db_mentions.add(sid)
                t, name, aliases, props = decode_node_contrib(c, ev, sid)
                known_ev = decode_evidence(ev, sid) if (sid in self.sids or sid == nid) else None
                node.contribs[sid] = (t, name, aliases, props, known_ev)
                node.seqs[sid] = seq
            self.nodes[nid] = node

    def load_edges(self, keys: Iterable[EdgeKey]) -> None:
        todo = sorted(k for k in keys if k not in self.edges)
        for part in _rows(todo, self.chunk):
            rows = [{"u": k[0], "v": k[1], "k": k[2]} for k in part]
            for r in self._run(EDGES_BY_KEY, rows=rows):
                self._add_db_edge(r)

    def _add_db_edge(self, r: dict[str, Any]) -> None:
        key: EdgeKey = (r["u"], r["v"], r["k"])
        if key in self.edges:
            return
        e = _WEdge(key, r["t"], True)
        for sid, c in relation_contribs(r["s"] or [], r["sp"] or [], r["ev"] or []):
            e.contribs[sid] = c
        self.edges[key] = e
        self.adj[key[0]].add(key)
        self.adj[key[1]].add(key)

    def _load_incident(self, ids: Sequence[str]) -> None:
        for part in _rows(ids, self.chunk):
            # the known end first: ArcadeDB's planner scans every node when it comes second
            for pattern, u, v in (
                ("(a:Entity {id: id}) USING INDEX SEEK a:Entity(id) MATCH (a)-[e]->(b:Entity)", "a", "b"),
                ("(a:Entity {id: id}) USING INDEX SEEK a:Entity(id) MATCH (b:Entity)-[e]->(a)", "b", "a"),
            ):
                for r in self._run(
                    f"UNWIND $ids AS id MATCH {pattern} WHERE type(e) <> 'MENTIONED_IN' "
                    f"RETURN {u}.id AS u, {v}.id AS v, e.key AS k, type(e) AS t, e.sources AS s, "
                    "e.sourceProps AS sp, e.evidence AS ev",
                    ids=list(part),
                ):
                    self._add_db_edge(r)

    # -- applying one source: kb.store.merge.apply on the working set ----------------------
    def known_type(self, entity_id: str) -> str | None:
        n = self.nodes.get(entity_id)
        if n is None or not n.alive or not n.contribs:
            return None
        return merged_type(c[0] for c in n.contribs.values())

    def _live_edge(self, k: EdgeKey) -> _WEdge | None:
        e = self.edges.get(k)
        return e if e is not None and e.alive else None

    def _live_node(self, n: str) -> _WNode | None:
        node = self.nodes.get(n)
        return node if node is not None and node.alive else None

    def apply_facts(self, facts: Facts, seq: int) -> UpsertResult:
        def contributors(end: str) -> list[str] | None:
            node = self._live_node(end)
            return list(node.contribs) if node is not None else None

        before = self.by_source.get(facts.source_id, (set(), set()))[0]
        nodes, edges = contributions(facts, self.known_type, before, contributors)
        return self.apply(facts.source_id, nodes, edges, seq)

    def apply(self, sid: str, nodes: dict[str, NodeContrib], edges: NewEdges, seq: int) -> UpsertResult:
        """Replace what ``sid`` said (nothing: delete it); ``seq`` orders its first mentions."""
        self.seq = seq
        return apply(self, sid, nodes, edges)

    # kb.store.merge.ContribGraph, on the working set
    def source_index(self, sid: str) -> tuple[set[str], set[EdgeKey]]:
        return self.by_source.get(sid, (set(), set()))

    def set_source_index(self, sid: str, nodes: Sequence[str], edges: Sequence[EdgeKey]) -> None:
        if nodes or edges:
            self.by_source[sid] = (set(nodes), set(edges))
        else:
            self.by_source.pop(sid, None)
        self.rels_changed.add(sid)

    def node_part(self, node_id: str, sid: str) -> NodeContrib | None:
        n = self._live_node(node_id)
        return n.contribs.get(sid) if n is not None else None  # type: ignore[return-value]

    def edge_part(self, key: EdgeKey, sid: str) -> EdgeContrib | None:
        e = self._live_edge(key)
        return e.contribs.get(sid) if e is not None else None

    def put_node(self, node_id: str, sid: str, c: NodeContrib) -> bool:
        node = self._live_node(node_id)
        created = node is None
        if node is None:
            old = self.nodes.get(node_id)
            node = _WNode(node_id, old.in_db if old else False, old.db_labels if old else ())
            if old is not None:
                node.db_rels = old.db_rels
                node.db_mentions = old.db_mentions
                node.changed = old.changed
            node.fresh = True  # created anew: any db node of that id is replaced
            self.nodes[node_id] = node
        if sid not in node.contribs:
            node.seqs[sid] = self.seq
        node.contribs[sid] = c
        node.changed.add(sid)
        node.dirty = True
        return created

    def put_edge(self, key: EdgeKey, rtype: str, sid: str, c: EdgeContrib) -> bool:
        e = self._live_edge(key)
        created = e is None
        if e is None:
            old = self.edges.get(key)
            e = _WEdge(key, rtype, old.in_db if old else False, fresh=True)
            self.edges[key] = e
            self.adj[key[0]].add(key)
            self.adj[key[1]].add(key)
        e.contribs[sid] = c
        e.dirty = True
        return created

    def withdraw_node(self, node_id: str, sid: str) -> int | None:
        node = self._live_node(node_id)
        if node is None:
            return None
        node.contribs.pop(sid, None)
        node.seqs.pop(sid, None)
        node.changed.add(sid)
        node.dirty = True
        if node.contribs:
            return None
        dropped = 0
        for k in list(self.adj.get(node_id, ())):
            e = self._live_edge(k)
            if e is not None:
                dropped += 2 if k[0] == k[1] else 1  # a self-loop counts once per end, as in memory
                self._drop_edge(e)
        node.alive = False
        return dropped

    def withdraw_edge(self, key: EdgeKey, sid: str) -> bool:
        e = self._live_edge(key)
        if e is None:
            return False
        e.contribs.pop(sid, None)
        e.dirty = True
        if e.contribs:
            return False
        self._drop_edge(e)
        return True

    def _drop_edge(self, e: _WEdge) -> None:
        e.alive = False
        e.dirty = True
        self.adj[e.key[0]].discard(e.key)
        self.adj[e.key[1]].discard(e.key)

    # -- writing the difference ----------------------------------------------------------
    def write(self) -> None:
        with StatementPipe(self.tx) as pipe:
            self._write(pipe)

    def _write(self, pipe: StatementPipe) -> None:
        chunk = self.chunk
        # Nodes whose db record goes: removed ones, and ones removed then created again.
        drop_nodes = [n.id for n in self.nodes.values() if n.in_db and (not n.alive or n.fresh)]
        dropped = set(drop_nodes)
        # Relationships that go (those on dropped nodes go with them).
        drop_edges = [
            e.key
            for e in self.edges.values()
            if e.in_db and e.dirty and (not e.alive or e.fresh) and e.key[0] not in dropped and e.key[1] not in dropped
        ]
        for part in _rows(drop_edges, chunk):
            pipe.run(
                f"UNWIND $rows AS r {SEEK_AB}WHERE e.key = r.k DELETE e",
                rows=[{"u": k[0], "v": k[1], "k": k[2]} for k in part],
            )
        # MENTIONED_IN edges whose source no longer says anything about a surviving node.
        drop_mentions = [
            {"n": n.id, "s": sid}
            for n in self.nodes.values()
            if n.alive and n.in_db and not n.fresh
            for sid in n.changed
            if sid != n.id and sid in n.db_mentions and sid not in n.contribs
        ]
        for part in _rows(drop_mentions, chunk):
            pipe.run(
                f"UNWIND $rows AS r {SEEK_NS}DELETE m",
                rows=list(part),
            )
        # Nodes whose class changed (Person -> Officer): some servers cannot relabel a node
        # under a uniqueness constraint, so the node is recreated with its relationships.
        views: dict[str, tuple[str, str, tuple[str, ...], Props]] = {}
        labels: dict[str, tuple[str, ...]] = {}
        for n in self.nodes.values():
            if n.alive and (n.dirty or n.id in self.rels_changed):
                views[n.id] = merged_view(list(n.contribs.items()))
                labels[n.id] = labels_for(views[n.id][0])
        relabel = [
            nid for nid, lb in labels.items() if (n := self.nodes[nid]).in_db and not n.fresh and n.db_labels != lb
        ]
        saved: list[dict[str, Any]] = []
        if relabel:
            saved = self._save_relationships(relabel, pipe)
            drop_nodes.extend(relabel)
        for part in _rows(drop_nodes, chunk):
            pipe.run(
                "UNWIND $ids AS id MATCH (n:Entity {id: id}) USING INDEX SEEK n:Entity(id) DETACH DELETE n",
                ids=list(part),
            )
        for nid in drop_nodes:
            self.eids.pop(nid, None)
        recreated = set(relabel)
        # Node writes, grouped by label set (labels come from the registry only). A row's
        # properties are built just before its statement is queued: while the server runs one
        # statement, the client builds the next.
        creates: dict[tuple[str, ...], list[str]] = defaultdict(list)
        updates: list[str] = []
        for nid in views:
            n = self.nodes[nid]
            if n.in_db and not n.fresh and nid not in recreated:
                updates.append(nid)
            else:
                creates[labels[nid]].append(nid)
        # Sources first: a new entity mentioned by one source is created with its MENTIONED_IN
        # edge in the same statement. One statement per label set (the source is a row field):
        # per-statement overhead, not per-row work, dominates small statements.
        inlined: set[tuple[str, str]] = set()
        for lbs in sorted(creates, key=lambda lb: "Source" not in lb):
            plain: list[dict[str, Any]] = []
            mentioned: list[dict[str, Any]] = []
            for nid in creates[lbs]:
                n = self.nodes[nid]
                crow: dict[str, Any] = {"p": self._node_props(n, views[nid])}
                only = next(iter(n.contribs)) if len(n.contribs) == 1 else None
                if "Source" not in lbs and only is not None and only != n.id and not n.in_db:
                    crow["s"] = only
                    crow["m"] = mention_props(n.seqs[only], n.contribs[only])  # type: ignore[arg-type]
                    mentioned.append(crow)
                    inlined.add((n.id, only))
                else:
                    plain.append(crow)
            q = (
                f"UNWIND $rows AS r CREATE (n{label_expr(lbs)}) SET n = r.p "
                "RETURN collect([r.p.id, elementId(n)]) AS es"
            )
            for part in _rows(plain, chunk):
                pipe.run(q, self._created, rows=list(part))
            if any(crow["s"] not in self.eids for crow in mentioned):
                pipe.wait()  # the sources created by this batch (queued first)
            for crow in mentioned:
                crow["s"] = self.eid(crow["s"])
            q = (
                f"UNWIND $rows AS r MATCH (s) WHERE elementId(s) = r.s CREATE (n{label_expr(lbs)}) SET n = r.p "
                f"CREATE (n)-[:MENTIONED_IN {_MENTION_MAP}]->(s) RETURN collect([r.p.id, elementId(n)]) AS es"
            )
            for part in _rows(mentioned, chunk):
                pipe.run(q, self._created, rows=list(part))
        # nodes updated in place were loaded: their element ids are known
        urows = [{"id": self.eid(nid), "p": self._node_props(self.nodes[nid], views[nid])} for nid in updates]
        for part in _rows(urows, chunk):
            pipe.run("UNWIND $rows AS r MATCH (n) WHERE elementId(n) = r.id SET n = r.p", rows=list(part))
        if saved:
            self._restore_relationships(saved, pipe)
        # MENTIONED_IN edges of the batch's sources, and the relations: their rows are built
        # while the node statements run; the element ids of created nodes are filled in after.
        new_m: list[dict[str, Any]] = []
        upd_m: list[dict[str, Any]] = []
        for n in self.nodes.values():
            if not n.alive:
                continue
            for sid in n.changed:
                c = n.contribs.get(sid)
                if sid == n.id or c is None or (n.id, sid) in inlined:
                    continue
                row: dict[str, Any] = {"n": n.id, "s": sid, "p": mention_props(n.seqs[sid], c)}  # type: ignore[arg-type]
                if n.in_db and not n.fresh and sid in n.db_mentions:
                    upd_m.append(row)
                else:
                    new_m.append(row)
        new_r: dict[str, list[dict[str, Any]]] = defaultdict(list)
        upd_r: list[dict[str, Any]] = []
        for e in self.edges.values():
            if not e.alive or not e.dirty:
                continue
            row = {"u": e.key[0], "v": e.key[1], "k": e.key[2], "p": relation_props(e.key[2], list(e.contribs.items()))}
            u_fresh = self.nodes.get(e.key[0])
            v_fresh = self.nodes.get(e.key[1])
            on_fresh = any(x is not None and x.fresh and x.in_db for x in (u_fresh, v_fresh))
            if e.in_db and not e.fresh and not on_fresh:
                upd_r.append(row)
            else:
                new_r[check_rel_type(e.type)].append(row)
        pipe.wait()  # every node this batch creates has its element id now
        for row in new_m:
            row["n"], row["s"] = self.eid(row["n"]), self.eid(row["s"])
        for part in _rows(new_m, chunk):
            pipe.run(
                "UNWIND $rows AS r MATCH (s) WHERE elementId(s) = r.s MATCH (n) WHERE elementId(n) = r.n "
                f"CREATE (n)-[m:MENTIONED_IN {_MENTION_MAP.replace('r.m.', 'r.p.')}]->(s)",
                rows=list(part),
            )
        for part in _rows(upd_m, chunk):
            pipe.run(
                f"UNWIND $rows AS r {SEEK_NS}SET m = r.p",
                rows=list(part),
            )
        for rtype, rows in new_r.items():
            q = (
                "UNWIND $rows AS r MATCH (a) WHERE elementId(a) = r.u MATCH (b) WHERE elementId(b) = r.v "
                f"CREATE (a)-[e:`{rtype}`]->(b) SET e = r.p"
            )
            for row in rows:
                row["u"], row["v"] = self.eid(row["u"]), self.eid(row["v"])
            for part in _rows(rows, chunk):
                pipe.run(q, rows=list(part))
        for part in _rows(upd_r, chunk):
            pipe.run(
                f"UNWIND $rows AS r {SEEK_AB}WHERE e.key = r.k SET e = r.p",
                rows=list(part),
            )

    def _node_props(self, n: _WNode, view: tuple[str, str, tuple[str, ...], Props]) -> dict[str, Any]:
        p = node_props(n.id, view, search_tokens(c[:4] for c in n.contribs.values()), self.fulltext)
        own = n.contribs.get(n.id)
        if own is not None:
            cj, evj = encode_node_contrib(own)  # type: ignore[arg-type]
            p["_own"], p["_ownEv"], p["_ownSeq"] = cj, evj, n.seqs[n.id]
        rels = self._rels_of(n)
        if rels is not None:
            p["_rels"] = rels
        return p

    def _created(self, records: list[Record]) -> None:
        # (on the pipe's thread) one record holding [id, element id] pairs: far cheaper for the
        # driver than a record per node
        for r in records:
            self.eids.update(r["es"])

    def eid(self, node_id: str) -> str:
        """The element id of a node that exists in this transaction (loaded or created by it)."""
        try:
            return self.eids[node_id]
        except KeyError:
            raise AssertionError(f"no element id for {node_id!r}: neither loaded nor created") from None

    def _rels_of(self, n: _WNode) -> list[str] | None:
        """The ``_rels`` list a (source) node must hold after the batch."""
        if n.id in self.rels_changed:
            _, rels = self.by_source.get(n.id, (set(), set()))
            return sorted(_key_text(k) for k in rels) if rels else None
        return n.db_rels

    def _save_relationships(self, ids: Sequence[str], pipe: StatementPipe) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for part in _rows(ids, self.chunk):
            for pattern, u, v in (
                ("(a:Entity {id: id}) USING INDEX SEEK a:Entity(id) MATCH (a)-[e]->(b:Entity)", "a", "b"),
                ("(a:Entity {id: id}) USING INDEX SEEK a:Entity(id) MATCH (b:Entity)-[e]->(a)", "b", "a"),
            ):
                out.extend(
                    pipe.read(
                        f"UNWIND $ids AS id MATCH {pattern} "
                        f"RETURN {u}.id AS u, {v}.id AS v, type(e) AS t, properties(e) AS p",
                        ids=list(part),
                    )
                )
        # a relationship between two relabelled nodes shows up twice
        seen: set[str] = set()
        unique = []
        for r in out:
            sig = dumps([r["u"], r["v"], r["t"], r["p"].get("key"), r["p"].get("seq")])
            if sig not in seen:
                seen.add(sig)
                unique.append(r)
        return unique

    def _restore_relationships(self, saved: list[dict[str, Any]], pipe: StatementPipe) -> None:
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in saved:
            by_type[check_rel_type(r["t"])].append(r)
        for rtype, rows in by_type.items():
            q = (
                "UNWIND $rows AS r MATCH (a:Entity {id: r.u}) USING INDEX SEEK a:Entity(id) "
                "MATCH (b:Entity {id: r.v}) USING INDEX SEEK b:Entity(id) "
                f"CREATE (a)-[e:`{rtype}`]->(b) SET e = r.p"
            )
            for part in _rows(rows, self.chunk):
                pipe.run(q, rows=list(part))


def run_batch(
    tx: ManagedTransaction,
    items: Sequence[tuple[str, Facts | None]],
    seq0: int,
    chunk: int,
    fulltext: bool = True,
    meta: Mapping[str, Any] | None = None,
) -> list[UpsertResult]:
    """Apply ``items`` (source id, facts or None to delete) in order, and set the KB metadata
    in ``meta`` (None values remove keys), in this transaction.

    ``fulltext``: whether the server has the full-text index (which reads ``_search``).
    """
    # One writer at a time: every write transaction first writes the same node, so a second one
    # waits for the first to commit before it reads anything (else two loads could each write
    # back what they read, and one would lose the other's changes).
    tx.run(f"MERGE (w:{META_LABEL} {{key: $k}}) SET w.at = $at", k=WRITER_KEY, at=seq0).consume()
    sids = {sid for sid, _ in items}
    ids: set[str] = set()
    for _, facts in items:
        if facts is None:
            continue
        ids.add(facts.source.id)
        ids.update(e.id for e in facts.entities)
        for r in facts.relations:
            ids.add(r.source)
            ids.add(r.target)
    ws = WorkingSet(tx, sids, chunk, fulltext)
    ws.load(ids)
    # a relation can only exist already when both its ends do
    in_db = {nid for nid, n in ws.nodes.items() if n.in_db}
    new_keys = [
        (r.source, r.target, r.key)
        for _, facts in items
        if facts is not None
        for r in facts.relations
        if r.source in in_db and r.target in in_db
    ]
    ws.load_edges(new_keys)
    results: list[UpsertResult] = []
    for i, (sid, facts) in enumerate(items):
        if facts is None:
            results.append(ws.apply(sid, {}, {}, seq0 + i))
        else:
            results.append(ws.apply_facts(facts, seq0 + i))
    # relation keys must name registry types before anything is written
    for e in ws.edges.values():
        rel_type_of_key(e.key[2])
    if MENTIONED_IN in {e.type for e in ws.edges.values()}:
        raise ValueError("MENTIONED_IN is not a storable relation")
    ws.write()
    for key, value in (meta or {}).items():
        if value is None:
            tx.run(f"MATCH (m:{META_LABEL} {{key: $k}}) DELETE m", k=key).consume()
        else:
            tx.run(f"MERGE (m:{META_LABEL} {{key: $k}}) SET m.value = $v", k=key, v=dumps(value)).consume()
    return results
