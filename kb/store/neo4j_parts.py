"""Reading contributions and KB metadata back from the Neo4j layout (see neo4j_model):
what Store.node_parts / edge_parts / source_contents / ids_with_prefix / meta answer.

Every function takes ``run(query, **params) -> rows`` (a read in a managed transaction), so
the store's connection handling stays in kb.store.neo4j.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from kb.store.merge import EdgeContrib, EdgeKey, NodeContrib
from kb.store.neo4j_model import (
    EDGES_BY_KEY,
    contribution_entries,
    decode_evidence,
    decode_node_contrib,
    label_expr,
    loads,
    lookup_label,
    node_rows,
    relation_contribs,
)

Run = Callable[..., list[dict[str, Any]]]

META_LABEL = "KbMeta"  # nodes {key, value: JSON} holding the KB metadata; not entities
WRITER_KEY = "writer"  # the node every write transaction locks first (one writer at a time)


def node_parts(run: Run, ids: Sequence[str], chunk: int) -> dict[str, list[tuple[str, NodeContrib]]]:
    out: dict[str, list[tuple[str, NodeContrib]]] = {}
    for r in node_rows(run, list(dict.fromkeys(ids)), chunk):
        parts: list[tuple[str, NodeContrib]] = []
        for _, sid, c, ev in contribution_entries(r):
            t, name, aliases, props = decode_node_contrib(c, ev, sid)
            parts.append((sid, (t, name, aliases, props, decode_evidence(ev, sid))))
        out[r["id"]] = parts
    return out


def edge_parts(run: Run, keys: Sequence[EdgeKey], chunk: int) -> dict[EdgeKey, list[tuple[str, EdgeContrib]]]:
    out: dict[EdgeKey, list[tuple[str, EdgeContrib]]] = {}
    todo = list(dict.fromkeys(keys))
    for i in range(0, len(todo), chunk):
        rows = [{"u": u, "v": v, "k": k} for u, v, k in todo[i : i + chunk]]
        for r in run(EDGES_BY_KEY, rows=rows):
            out[(r["u"], r["v"], r["k"])] = relation_contribs(r["s"] or [], r["sp"] or [], r["ev"] or [])
    return out


def source_contents(run: Run, source_id: str) -> tuple[list[str], list[EdgeKey]]:
    # the known end first: ArcadeDB's planner scans every node when it comes second
    rows = run(
        "MATCH (s:Entity {id: $sid}) USING INDEX SEEK s:Entity(id) OPTIONAL MATCH (n:Entity)-[:MENTIONED_IN]->(s) "
        "RETURN s._own IS NOT NULL AS own, s._rels AS rels, collect(n.id) AS ids",
        sid=source_id,
    )
    if not rows:
        return [], []
    r = rows[0]
    nodes = ([source_id] if r["own"] else []) + sorted(str(i) for i in r["ids"] if i is not None)
    edges: list[EdgeKey] = []
    for text in r["rels"] or ():
        u, v, k = loads(text)
        edges.append((str(u), str(v), str(k)))
    return nodes, sorted(edges)


def ids_with_prefix(run: Run, prefixes: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {p: [] for p in prefixes}
    by_label: dict[str, list[str]] = defaultdict(list)
    for p in dict.fromkeys(prefixes):
        by_label[lookup_label(p)].append(p)  # the prefix names its class (person/...)
    for label, group in sorted(by_label.items()):
        for r in run(
            f"UNWIND $ps AS p MATCH (n{label_expr([label])}) WHERE n.id STARTS WITH p RETURN p, n.id AS id", ps=group
        ):
            found[r["p"]].append(str(r["id"]))
    return {p: sorted(ids) for p, ids in found.items()}


def meta(run: Run, key: str) -> Any:
    rows = run(f"MATCH (m:{META_LABEL} {{key: $k}}) RETURN m.value AS v", k=key)
    return loads(rows[0]["v"]) if rows and rows[0]["v"] is not None else None
