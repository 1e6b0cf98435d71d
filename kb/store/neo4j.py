"""Neo4jStore: the KB in Neo4j (or any server speaking Bolt and Neo4j 5 Cypher).

Every query is a constant text with parameters; the only names spliced into Cypher are
labels and relationship types taken from the ontology registry (see neo4j_model). Writes
run in managed write transactions (retried by the driver on transient errors); a batch of
sources is applied in one transaction (see neo4j_write). Reads answer exactly what the
memory store answers on the same data: the conformance suite checks it.
"""

from __future__ import annotations

import builtins
import heapq
import itertools
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from neo4j import (
    READ_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationMinimumSeverity,
    Query,
    unit_of_work,
)
from neo4j.exceptions import AuthError, ClientError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from kb.config import Neo4jSettings
from kb.identity import normalise_name
from kb.model import Direction, Edge, Evidence, Facts, Node, Stats, UpsertResult
from kb.ontology import ontology
from kb.store import neo4j_parts
from kb.store.base import Page, SearchHit, Store, StoreError, decode_cursor, encode_cursor, search_tokens
from kb.store.merge import EdgeContrib, EdgeKey, NodeContrib, merged_edge
from kb.store.neo4j_filters import compile_filter
from kb.store.neo4j_model import (
    CORE_KEYS,
    ENTITY_LABEL,
    MENTIONED_IN,
    decode_evidence,
    label_expr,
    props_from_node,
    relation_contribs,
    stored_rel_types,
)
from kb.store.neo4j_write import quiet, run_batch
from kb.store.query import Deadline, Filter, ScanTimeout
from kb.store.search_index import PREFIX_WORDS, STOP, score

log = logging.getLogger(__name__)
T = TypeVar("T")

FULLTEXT_INDEX = "entity_search"
# Seconds to open a connection: a server that does not answer is reported as unusable this soon
# (the driver's default is 30 s), which /health relies on (Neo4jStore.check).
CONNECT_TIMEOUT = 5.0
# Seconds to wait at start-up for the full-text index to come online (it fills in the background).
INDEX_WAIT = 600
# Rows per UNWIND statement: measured with bench/bench_neo4j.py (larger gains nothing).
DEFAULT_CHUNK = 2000


def _sort_value(v: Any) -> tuple[int, Any]:
    # missing values sort last; numbers and strings never compare with each other
    if v is None:
        return (2, "")
    if isinstance(v, int | float) and not isinstance(v, bool):
        return (0, v)
    return (1, str(v))


def seek(var: str, key: str) -> str:
    """``MATCH (var:Entity {id: key})`` through the id index, always.

    Without the hint, Neo4j plans from index samples, and the samples of a database that was
    empty when the index was made say it holds nothing: a seek and a scan of the whole index
    then cost the same to the planner, which may pick the scan, once per row (measured: a
    batched load fell to ~150 nodes/s at 10^4 entities).
    """
    return f"MATCH ({var}:Entity {{id: {key}}}) USING INDEX SEEK {var}:Entity(id) "


def redact_uri(uri: str) -> str:
    """The URI as it may be shown: any user:password part replaced by ``***``."""
    try:
        parts = urlsplit(uri)
        if parts.username is None and parts.password is None and "@" not in parts.netloc:
            return uri
        host = parts.netloc.rsplit("@", 1)[-1]
        return parts._replace(netloc=f"***@{host}").geturl()
    except ValueError:
        # unparseable (e.g. an unclosed IPv6 bracket): hide everything between // and the last @
        return re.sub(r"//[^/?#]*@", "//***@", uri)


class Neo4jStore(Store):
    """A store on a Neo4j (Bolt) server; settings from NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD."""

    def __init__(
        self, settings: Neo4jSettings | None = None, chunk: int = DEFAULT_CHUNK, fulltext: bool | None = None
    ) -> None:
        """``fulltext``: search through the full-text index (None: wherever the server has one;
        False: scan token lists, as on a server without one)."""
        self.settings = settings or Neo4jSettings.from_env()
        self.chunk = chunk
        self._last_seq = 0
        self._want_fulltext = fulltext
        self._fulltext = False
        self.shown_uri = redact_uri(self.settings.uri)
        if self.shown_uri != self.settings.uri:
            # the driver refuses them too, and its message would echo them
            raise StoreError(
                f"NEO4J_URI {self.shown_uri} holds credentials: give the user in NEO4J_USER and the password "
                "in NEO4J_PASSWORD, and the URI without them"
            )
        try:
            self._driver: Driver = GraphDatabase.driver(
                self.settings.uri,
                auth=(self.settings.user, self.settings.password),
                connection_timeout=CONNECT_TIMEOUT,
                # Neo4j warns of every property key or type a query names that no data has yet
                # (all of them, on an empty database), and the driver logs each warning: a load
                # into a new database would print hundreds. The queries are fixed, so: none.
                notifications_min_severity=NotificationMinimumSeverity.OFF,
            )
            self._driver.verify_connectivity()
        except AuthError:
            raise StoreError(
                f"Neo4j at {self.shown_uri}: authentication failed for user {self.settings.user!r}"
            ) from None
        except (ServiceUnavailable, DriverError, Neo4jError, OSError, ValueError) as exc:
            raise StoreError(f"Neo4j at {self.shown_uri} is not reachable: {type(exc).__name__}") from None
        self.ensure_schema()

    def __repr__(self) -> str:
        return f"Neo4jStore(uri={self.shown_uri!r}, user={self.settings.user!r}, database={self.settings.database!r})"

    __str__ = __repr__

    # -- plumbing ----------------------------------------------------------------------------
    def _read(self, fn: Callable[[ManagedTransaction], T]) -> T:
        try:
            with self._driver.session(database=self.settings.database) as s:
                return s.execute_read(fn)
        except (DriverError, Neo4jError) as exc:
            raise StoreError(f"Neo4j read failed: {exc}") from exc

    def _write(self, fn: Callable[[ManagedTransaction], T]) -> T:
        try:
            with self._driver.session(database=self.settings.database) as s:
                return s.execute_write(fn)
        except (DriverError, Neo4jError) as exc:
            raise StoreError(f"Neo4j write failed: {exc}") from exc

    def _query(self, query: str, **params: Any) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(query, quiet(params))]

        return self._read(work)

    def ensure_schema(self) -> None:
        """Uniqueness constraints on id and indexes on names and aliases; idempotent."""
        # One per label that has no parent class: a subclass node (an Officer) carries its
        # ancestors' labels, so Person's constraint covers it. (A constraint on the subclass
        # label too breaks relabelling Person -> Officer on ArcadeDB.)
        roots = [c.name for c in ontology().classes.values() if c.parent is None]
        stmts = [
            f"CREATE CONSTRAINT {lb.lower()}_id IF NOT EXISTS FOR (n{label_expr([lb])}) REQUIRE n.id IS UNIQUE"
            for lb in (ENTITY_LABEL, *roots)
        ]
        stmts.append(
            f"CREATE CONSTRAINT kbmeta_key IF NOT EXISTS FOR (n:{neo4j_parts.META_LABEL}) REQUIRE n.key IS UNIQUE"
        )
        stmts += [
            "CREATE INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name)",
            "CREATE INDEX entity_aliases IF NOT EXISTS FOR (n:Entity) ON (n.aliases)",
        ]
        # No index on `type`: no query filters on it (classes are labels), and on ArcadeDB it
        # cost 4-10% of every write commit. A database that still has one keeps it, harmlessly.
        try:
            with self._driver.session(database=self.settings.database) as s:
                for q in stmts:
                    s.run(q).consume()
        except (DriverError, Neo4jError) as exc:
            raise StoreError(f"cannot create the Neo4j schema: {exc}") from exc
        # A full-text index where the server has one (Neo4j); the search falls back to a
        # token-list scan where it does not (e.g. ArcadeDB's Bolt endpoint).
        if self._want_fulltext is False:
            self._fulltext = False
            return
        try:
            with self._driver.session(database=self.settings.database) as s:
                s.run(
                    f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:Entity) ON EACH [n._search] "
                    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}"
                ).consume()
            self._fulltext = True
        except (ClientError, Neo4jError) as exc:
            if self._want_fulltext:
                raise StoreError(f"this server has no full-text index: {exc.code}") from None
            log.info("no full-text index on this server (%s); search scans token lists", exc.code)
            self._fulltext = False
            return
        # A new index on a database that already holds a KB fills in the background; a search
        # before it is online would fail, so wait for it here (at once when it is online).
        try:
            with self._driver.session(database=self.settings.database) as s:
                s.run("CALL db.awaitIndex($name, $seconds)", name=FULLTEXT_INDEX, seconds=INDEX_WAIT).consume()
        except (DriverError, Neo4jError) as exc:
            raise StoreError(f"the full-text index {FULLTEXT_INDEX} is not online: {exc}") from exc

    @property
    def fulltext(self) -> bool:
        """Whether search goes through the full-text index (else it scans token lists)."""
        return self._fulltext

    def check(self) -> None:
        """Raise StoreError, saying why, unless the server answers a read on the KB's database now.

        Cheap (one ``RETURN 1`` on a pooled connection) and bounded: a server that does not
        answer fails within CONNECT_TIMEOUT. The message never holds a secret.
        """
        for attempt in (1, 2):
            try:
                with self._driver.session(database=self.settings.database, default_access_mode=READ_ACCESS) as s:
                    s.run(Query("RETURN 1 AS ok", timeout=CONNECT_TIMEOUT)).consume()
                return
            except (ServiceUnavailable, SessionExpired) as exc:
                # a pooled connection the server closed (it restarted): one retry on a new one
                if attempt == 2:
                    raise StoreError(f"Neo4j at {self.shown_uri} is not reachable: {type(exc).__name__}") from None
            except AuthError:
                raise StoreError(
                    f"Neo4j at {self.shown_uri}: authentication failed for user {self.settings.user!r}"
                ) from None
            except (DriverError, Neo4jError, OSError) as exc:
                code = getattr(exc, "code", None) or type(exc).__name__
                raise StoreError(f"Neo4j at {self.shown_uri} cannot answer: {code}") from None

    def close(self) -> None:
        self._driver.close()

    def flush(self) -> None:
        """Nothing to do: every write is committed when it returns."""

    # -- writes ------------------------------------------------------------------------------
    def _next_seq(self, n: int) -> int:
        seq = max(time.time_ns() // 1000, self._last_seq + 1)
        self._last_seq = seq + n
        return seq

    def write(
        self, upserts: Sequence[Facts] = (), deletes: Sequence[str] = (), meta: Mapping[str, Any] | None = None
    ) -> list[UpsertResult]:
        """Everything in one transaction: all or nothing."""
        items: list[tuple[str, Facts | None]] = [(sid, None) for sid in deletes]
        items += [(f.source_id, f) for f in upserts]
        if not items and not meta:
            return []
        seq0 = self._next_seq(len(items))
        return self._write(lambda tx: run_batch(tx, items, seq0, self.chunk, self._fulltext, meta))

    def meta(self, key: str) -> Any:
        return neo4j_parts.meta(self._query, key)

    def node_parts(self, ids: Sequence[str]) -> dict[str, list[tuple[str, NodeContrib]]]:
        return neo4j_parts.node_parts(self._query, [i for i in ids if isinstance(i, str)], self.chunk)

    def edge_parts(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, list[tuple[str, EdgeContrib]]]:
        return neo4j_parts.edge_parts(self._query, keys, self.chunk)

    def source_contents(self, source_id: str) -> tuple[list[str], list[EdgeKey]]:
        return neo4j_parts.source_contents(self._query, source_id)

    def ids_with_prefix(self, prefixes: Sequence[str]) -> dict[str, list[str]]:
        return neo4j_parts.ids_with_prefix(self._query, prefixes)

    def clear(self) -> None:
        # relationships first, in bounded transactions: a hub's DETACH DELETE (a force with tens of
        # thousands of officers) outgrew the server's transaction memory after a 10^6 load
        for q in (
            "MATCH ()-[r]->() WITH r LIMIT 20000 DELETE r RETURN count(*) AS c",
            "MATCH (n) WITH n LIMIT 20000 DELETE n RETURN count(*) AS c",
        ):

            def work(tx: ManagedTransaction, q: str = q) -> int:
                rec = tx.run(q).single()
                return int(rec["c"]) if rec else 0

            while self._write(work):
                pass

    # -- node and edge decoding -----------------------------------------------------------
    _NODE_Q = (
        "UNWIND $ids AS id MATCH (n:Entity {id: id}) USING INDEX SEEK n:Entity(id) "
        "OPTIONAL MATCH (n)-[m:MENTIONED_IN]->(s:Entity) "
        "WITH n, collect([m.seq, s.id, m.ev]) AS cs "
        "RETURN properties(n) AS p, cs"
    )

    @staticmethod
    def _node(p: dict[str, Any], cs: list[list[Any]]) -> Node:
        nid = str(p["id"])
        parts: list[tuple[int, str, str | None]] = [(int(seq), sid, ev) for seq, sid, ev in cs if sid is not None]
        if p.get("_own") is not None:
            parts.append((int(p["_ownSeq"]), nid, p.get("_ownEv")))
        parts.sort(key=lambda x: x[0])
        evidence: list[Evidence] = []
        for _, sid, ev in parts:
            evidence.extend(decode_evidence(ev, sid))
        return Node(
            nid, str(p["type"]), str(p["name"]), tuple(p.get("aliases") or ()), props_from_node(p), tuple(evidence)
        )

    @staticmethod
    def _light_node(p: dict[str, Any]) -> Node:
        """A node without its evidence (for filtering and sorting)."""
        return Node(str(p["id"]), str(p["type"]), str(p["name"]), tuple(p.get("aliases") or ()), props_from_node(p), ())

    @staticmethod
    def _edge(u: str, v: str, t: str, p: dict[str, Any]) -> Edge:
        contribs = relation_contribs(p.get("sources") or [], p.get("sourceProps") or [], p.get("evidence") or [])
        return merged_edge(u, v, str(p["key"]), [c for _, c in contribs])

    # -- reads -------------------------------------------------------------------------------
    def get(self, entity_id: str) -> Node | None:
        return self.get_many([entity_id]).get(entity_id)

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        wanted = list(dict.fromkeys(i for i in ids if isinstance(i, str)))
        found: dict[str, Node] = {}
        for i in range(0, len(wanted), self.chunk):
            for r in self._query(self._NODE_Q, ids=wanted[i : i + self.chunk]):
                node = self._node(r["p"], r["cs"])
                found[node.id] = node
        missing = [i for i in wanted if i not in found]
        if missing:  # merged ids answer for the entity they were merged into (one more query, on misses only)
            redirects = self.redirects()
            targets = {i: redirects[i] for i in missing if i in redirects}
            if targets:
                got = self.get_many(list(dict.fromkeys(targets.values())))
                found.update((i, got[t]) for i, t in targets.items() if t in got)
        return {i: found[i] for i in wanted if i in found}

    def _types(self, rel_types: Sequence[str] | None) -> list[str]:
        allowed = stored_rel_types()
        if rel_types is None:
            return list(allowed)
        return [t for t in dict.fromkeys(rel_types) if t in allowed]

    def edges(
        self,
        ids: Sequence[str],
        rel_types: Sequence[str] | None = None,
        direction: Direction = "both",
    ) -> list[Edge]:
        types = self._types(rel_types)
        wanted = list(dict.fromkeys(ids))
        if not types or not wanted:
            return []
        pattern = "|".join(f"`{t}`" for t in types)
        queries = []
        if direction in ("out", "both"):
            queries.append(f"UNWIND $ids AS id {seek('a', 'id')}MATCH (a)-[e:{pattern}]->(b:Entity) ")
        if direction in ("in", "both"):
            queries.append(f"UNWIND $ids AS id {seek('b', 'id')}MATCH (a:Entity)-[e:{pattern}]->(b) ")
        out: dict[tuple[str, str, str], Edge] = {}
        for q in queries:
            for i in range(0, len(wanted), self.chunk):
                rows = self._query(
                    q + "RETURN a.id AS u, b.id AS v, type(e) AS t, properties(e) AS p", ids=wanted[i : i + self.chunk]
                )
                for r in rows:
                    e = self._edge(r["u"], r["v"], r["t"], r["p"])
                    out.setdefault((e.source, e.target, e.key), e)
        return sorted(out.values(), key=lambda e: (e.source, e.key, e.target))

    def first_edges(
        self,
        ids: Sequence[str],
        rel_types: Sequence[str] | None,
        direction: Direction,
        limit: int,
    ) -> list[Edge]:
        # Two light reads instead of every relation with its evidence: the ends and keys of a
        # hub's relations (a force has thousands), then the picked relations in full.
        if limit < 0:
            raise StoreError(f"limit must be >= 0, not {limit}")
        types = self._types(rel_types)
        wanted = list(dict.fromkeys(ids))
        if not types or not wanted or limit == 0:
            return []
        pattern = "|".join(f"`{t}`" for t in types)
        lists: dict[tuple[str, str], list[tuple[str, str, str, str]]] = defaultdict(list)
        shapes = []
        if direction in ("out", "both"):
            shapes.append((f"UNWIND $ids AS id {seek('a', 'id')}MATCH (a)-[e:{pattern}]->(b:Entity) ", "u"))
        if direction in ("in", "both"):
            shapes.append((f"UNWIND $ids AS id {seek('b', 'id')}MATCH (a:Entity)-[e:{pattern}]->(b) ", "v"))
        for q, near in shapes:
            for i in range(0, len(wanted), self.chunk):
                rows = self._query(
                    q + "RETURN a.id AS u, b.id AS v, type(e) AS t, e.key AS k", ids=wanted[i : i + self.chunk]
                )
                for r in rows:
                    u, v, k = r["u"], r["v"], str(r["k"])
                    here, far = (u, v) if near == "u" else (v, u)
                    if near == "v" and direction == "both" and u == v:
                        continue  # a self-loop, already listed from its source end
                    lists[(here, r["t"])].append((far, k, u, v))
        picked: dict[tuple[str, str, str], None] = {}
        for entries in lists.values():
            for _, k, u, v in sorted(set(entries))[:limit]:
                picked[(u, v, k)] = None
        return self._edges_by_key(list(picked))

    def _edges_by_key(self, keys: Sequence[tuple[str, str, str]]) -> list[Edge]:
        """Relations by (source id, target id, key), in full."""
        out: list[Edge] = []
        for i in range(0, len(keys), self.chunk):
            rows = self._query(
                f"UNWIND $rows AS r {seek('a', 'r.u')}{seek('b', 'r.v')}WITH r, a, b MATCH (a)-[e]->(b) "
                "WHERE e.key = r.k RETURN a.id AS u, b.id AS v, type(e) AS t, properties(e) AS p",
                rows=[{"u": u, "v": v, "k": k} for u, v, k in keys[i : i + self.chunk]],
            )
            out.extend(self._edge(r["u"], r["v"], r["t"], r["p"]) for r in rows)
        return out

    def mentions(self, source_id: str) -> list[str]:
        rows = self._query(
            f"{seek('s', '$sid')}MATCH (n:Entity)-[:MENTIONED_IN]->(s) RETURN n.id AS id ORDER BY id",
            sid=source_id,
        )
        return sorted(r["id"] for r in rows if r["id"] != source_id)

    def paths(
        self,
        from_id: str,
        to_id: str,
        max_hops: int = 4,
        rel_types: Sequence[str] | None = None,
        limit: int = 10,
    ) -> list[list[Edge]]:
        hops = int(max_hops)
        found = self.get_many([from_id, to_id])
        from_id = found[from_id].id if from_id in found else from_id  # merged ids answer for their entity
        to_id = found[to_id].id if to_id in found else to_id
        found = {n.id: n for n in found.values()}
        if from_id not in found or to_id not in found or hops < 1:
            return []
        if from_id == to_id:
            return [[]]
        types = self._types(rel_types)
        if not types:
            return []
        pattern = "|".join(f"`{t}`" for t in types)
        # The hop count is an int (never user text); Cypher takes no parameter there.
        rows = self._query(
            f"{seek('a', '$a')}{seek('b', '$b')}"
            f"MATCH p = allShortestPaths((a)-[:{pattern}*1..{hops}]-(b)) "
            "RETURN [x IN nodes(p) | x.id] AS ids LIMIT $cap",
            a=from_id,
            b=to_id,
            cap=max(int(limit), 1) * 50,
        )
        node_paths = list(dict.fromkeys(tuple(r["ids"]) for r in rows))[: max(int(limit), 0)]
        if not node_paths:
            return []
        pairs = {(x, y) for np_ in node_paths for x, y in itertools.pairwise(np_)}
        between: dict[tuple[str, str], list[Edge]] = defaultdict(list)
        for e in self.edges(sorted({x for p in pairs for x in p}), types, "out"):
            between[(e.source, e.target)].append(e)
        out: list[list[Edge]] = []
        for np_ in sorted(node_paths):
            path: list[Edge] = []
            for x, y in itertools.pairwise(np_):
                hop = None
                for u, v in ((x, y), (y, x)):
                    cands = sorted(between.get((u, v), []), key=lambda e: e.key)
                    if cands:
                        hop = cands[0]
                        break
                if hop is None:
                    break
                path.append(hop)
            else:
                out.append(path)
        return out

    # -- search ------------------------------------------------------------------------------
    def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> list[SearchHit]:
        q = search_tokens(text)
        if not q:
            return []
        significant = [t for t in q if t not in STOP] or q
        *full, last = significant
        # As the memory store: an unfinished last word stands for at most PREFIX_WORDS known words.
        vocab = self._query(
            "MATCH (n:Entity) UNWIND n._tokens AS t WITH DISTINCT t WHERE t STARTS WITH $p RETURN t ORDER BY t",
            p=last,
        )
        prefixed = sorted(r["t"] for r in vocab)[:PREFIX_WORDS]
        if last not in prefixed:
            prefixed.append(last)
        labels = [t for t in (types or ()) if t in ontology().classes]
        if types and not labels:
            return []
        where = "all(t IN $full WHERE t IN n._tokens) AND any(t IN n._tokens WHERE t IN $last)"
        if labels:
            where += " AND any(l IN labels(n) WHERE l IN $labels)"
        if self._fulltext:
            lucene = " ".join([*(f"+{t}" for t in full), "+(" + " ".join(prefixed) + ")"])
            rows = self._query(
                f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $lucene) YIELD node AS n WHERE {where} "
                "RETURN n.id AS id, n.type AS type, n.name AS name, n.aliases AS aliases",
                lucene=lucene,
                full=full,
                last=prefixed,
                labels=labels,
            )
        else:
            rows = self._query(
                f"MATCH (n:Entity) WHERE {where} RETURN n.id AS id, n.type AS type, n.name AS name, "
                "n.aliases AS aliases",
                full=full,
                last=prefixed,
                labels=labels,
            )
        qnorm = " ".join(q)
        words = [f" {w} " for w in dict.fromkeys(q)]
        keys: list[tuple[float, int, str]] = []
        for r in rows:
            name = str(r["name"])
            labs = tuple(dict.fromkeys(normalise_name(x) for x in (name, *(r["aliases"] or ()))))
            keys.append((-score(labs, qnorm, words), len(name), str(r["id"])))
        top = [(-neg, size, i) for neg, size, i in heapq.nsmallest(max(int(limit), 0), keys)]
        nodes = self.get_many([i for _, _, i in top])
        return [SearchHit(nodes[i], s) for s, _, i in top if i in nodes]

    # -- listing -----------------------------------------------------------------------------
    def list(
        self,
        entity_type: str | None = None,
        where: Filter | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page:
        return self._list(entity_type, where, order_by, descending, after, limit, None)

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
        try:
            return self._list(entity_type, where, order_by, descending, after, limit, deadline.left())
        except StoreError:
            if deadline.left() <= 0:  # the server stopped the transaction at its timeout
                raise ScanTimeout("the scan ran past its deadline") from None
            raise

    def _list(
        self,
        entity_type: str | None,
        where: Filter | None,
        order_by: str,
        descending: bool,
        after: str | None,
        limit: int,
        timeout: float | None,
    ) -> Page:
        if entity_type is not None and entity_type not in ontology().classes:
            return Page((), 0, None, False)
        label = label_expr([entity_type or ENTITY_LABEL])
        pos = decode_cursor(after) if after else None
        if where is None and order_by == "id":
            return self._list_by_id(label, descending, pos, limit)
        # The filter runs in the database (kb.store.neo4j_filters); only the matching ids and
        # their sort values come back.
        cond, params = compile_filter(where) if where is not None else ("true", {})
        timeout = None if timeout is None else max(0.001, timeout)
        keyed: builtins.list[tuple[Any, str]] = []
        if order_by == "name" or not (order_by in CORE_KEYS or order_by.startswith("_")):
            field = "n.name" if order_by == "name" else "properties(n)[$key]"
            query = f"MATCH (n{label}) WHERE {cond} RETURN n.id AS id, {field} AS v"
            for r in self._query_within(timeout, query, key=order_by, **params):
                v = r["v"].casefold() if order_by == "name" and isinstance(r["v"], str) else r["v"]
                keyed.append((_sort_value(v), str(r["id"])))
        else:
            query = f"MATCH (n{label}) WHERE {cond} RETURN properties(n) AS p"
            for r in self._query_within(timeout, query, **params):
                light = self._light_node(r["p"])
                sv = (0, light.id) if order_by == "id" else _sort_value(light.props.get(order_by))
                keyed.append((sv, light.id))
        keyed.sort()
        if descending:
            keyed.reverse()
        out_ids: builtins.list[str] = []
        last: tuple[Any, str] | None = None
        has_next = False
        for sv, nid in keyed:
            if pos is not None and not ((sv, nid) < pos if descending else (sv, nid) > pos):
                continue
            if len(out_ids) < limit:
                out_ids.append(nid)
                last = (sv, nid)
            else:
                has_next = True
                break
        nodes = self.get_many(out_ids)
        return Page(
            tuple(nodes[i] for i in out_ids if i in nodes), len(keyed), encode_cursor(last) if last else None, has_next
        )

    def _query_within(self, timeout: float | None, query: str, **params: Any) -> builtins.list[dict[str, Any]]:
        """:meth:`_query` with a server-side transaction timeout (seconds), if given."""
        if timeout is None:
            return self._query(query, **params)

        @unit_of_work(timeout=timeout)
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(query, quiet(params))]

        return self._read(work)

    def _list_by_id(self, label: str, descending: bool, pos: tuple[Any, str] | None, limit: int) -> Page:
        total_rows = self._query(f"MATCH (n{label}) RETURN count(n) AS c")
        total = int(total_rows[0]["c"]) if total_rows else 0
        cond, order = ("n.id < $after", "DESC") if descending else ("n.id > $after", "ASC")
        if pos is None:
            rows = self._query(f"MATCH (n{label}) RETURN n.id AS id ORDER BY id {order} LIMIT $lim", lim=limit + 1)
        else:
            rows = self._query(
                f"MATCH (n{label}) WHERE {cond} RETURN n.id AS id ORDER BY id {order} LIMIT $lim",
                after=pos[1],
                lim=limit + 1,
            )
        ids = [str(r["id"]) for r in rows]
        has_next = len(ids) > limit
        ids = ids[:limit]
        nodes = self.get_many(ids)
        last = ids[-1] if ids else None
        cursor = encode_cursor(((0, last), last)) if last is not None else None
        return Page(tuple(nodes[i] for i in ids if i in nodes), total, cursor, has_next)

    # -- counts and streaming ----------------------------------------------------------------
    def stats(self) -> Stats:
        ents: dict[str, int] = {}
        for r in self._query("MATCH (n:Entity) RETURN n.type AS t, count(*) AS c"):
            ents[str(r["t"])] = ents.get(str(r["t"]), 0) + int(r["c"])
        rels: dict[str, int] = {}
        for r in self._query("MATCH ()-[e]->() RETURN type(e) AS t, count(*) AS c"):
            if r["t"] != MENTIONED_IN:
                rels[str(r["t"])] = rels.get(str(r["t"]), 0) + int(r["c"])
        sources = ents.pop("Source", 0)
        return Stats(dict(sorted(ents.items())), dict(sorted(rels.items())), sources)

    def _id_pages(self, label: str, size: int) -> Iterator[Sequence[str]]:
        last = ""
        while True:
            rows = self._query(
                f"MATCH (n{label}) WHERE n.id > $last RETURN n.id AS id ORDER BY id LIMIT $lim", last=last, lim=size
            )
            ids = [str(r["id"]) for r in rows]
            if not ids:
                return
            yield ids
            last = ids[-1]

    def iter_nodes(self, entity_type: str | None = None) -> Iterator[Node]:
        if entity_type is not None and entity_type not in ontology().classes:
            return
        for ids in self._id_pages(label_expr([entity_type or ENTITY_LABEL]), 1000):
            yield from self.get_many(ids).values()

    def iter_edges(self) -> Iterator[Edge]:
        pattern = "|".join(f"`{t}`" for t in stored_rel_types())
        for ids in self._id_pages(":Entity", 1000):
            rows = self._query(
                f"UNWIND $ids AS id {seek('a', 'id')}MATCH (a)-[e:{pattern}]->(b:Entity) "
                "RETURN a.id AS u, b.id AS v, type(e) AS t, properties(e) AS p",
                ids=ids,
            )
            for r in rows:
                yield self._edge(r["u"], r["v"], r["t"], r["p"])


__all__ = ["Neo4jStore"]
