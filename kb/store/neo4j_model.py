"""How the Neo4j store lays the KB out in the graph (the merge rules are kb.store.merge's).

Graph layout (readable in Neo4j Browser):

* every entity is a node labelled ``Entity`` plus its class and the class's ancestors
  (an officer is ``:Entity:Person:Officer``), with ``id``, ``type``, ``name``, ``aliases``
  and its merged properties as plain node properties;
* what one source says about an entity sits on that entity's ``MENTIONED_IN`` edge to the
  source's node: ``quote``, ``method``, ``confidence`` for people, and the exact
  contribution as JSON (``c``: type, name, aliases, properties; ``ev``: the evidence);
  a source node's own description is kept on the node (``_own``, ``_ownEv``);
* a relation is one relationship of its type with ``key`` (type plus post title or role),
  its merged properties, ``sources`` (the sources asserting it, in order), ``sourceProps``
  (each source's properties as JSON) and ``evidence`` (one JSON object per piece of
  evidence, naming its source) plus ``quotes`` for reading;
* a source node lists the relations it asserts in ``_rels`` so that replacing or deleting
  the source finds them without scanning.

Contributions are ordered by ``seq`` (when the source first said something about the
entity), so merging gives exactly what the memory store gives.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import orjson

from kb.identity import normalise_name
from kb.model import Evidence, Props
from kb.ontology import ontology
from kb.store.merge import EdgeContrib, NodeContrib, merged_edge_props

ENTITY_LABEL = "Entity"
MENTIONED_IN = "MENTIONED_IN"
# Node property names the store itself uses; entity properties with these names go in _extra.
CORE_KEYS = frozenset({"id", "type", "name", "aliases"})
_NOT_INDEXED = frozenset({"Source", "Quote", "Statistic"})  # the memory store's search skips these


# -- allow-lists -------------------------------------------------------------------------
def check_label(label: str) -> str:
    """``label`` if it is a class of the registry (or the shared Entity label); else an error."""
    if label != ENTITY_LABEL and label not in ontology().classes:
        raise ValueError(f"not a class of the ontology registry: {label!r}")
    return label


def check_rel_type(rel_type: str) -> str:
    """``rel_type`` if it is a relation of the registry; else an error."""
    if rel_type not in ontology().relations:
        raise ValueError(f"not a relation of the ontology registry: {rel_type!r}")
    return rel_type


def labels_for(cls: str) -> tuple[str, ...]:
    """All labels of a node of class ``cls``: Entity, the class and its ancestors (sorted)."""
    onto = ontology()
    out = {ENTITY_LABEL}
    current: str | None = check_label(cls)
    while current is not None:
        out.add(current)
        current = onto.classes[current].parent
    return tuple(sorted(out))


def label_expr(labels: Iterable[str]) -> str:
    """``:`A`:`B``` for labels that passed :func:`check_label` (the only text spliced into Cypher)."""
    return "".join(f":`{check_label(lb)}`" for lb in labels)


def stored_rel_types() -> tuple[str, ...]:
    """Relation types the store keeps as relationships between entities (all but MENTIONED_IN)."""
    return tuple(r for r in ontology().relations if r != MENTIONED_IN)


@lru_cache(maxsize=1)
def _slug_roots() -> dict[str, str | None]:
    """Each id prefix (class slug) -> the root class of the classes using it (None if several)."""
    onto = ontology()
    roots: dict[str, set[str]] = {}
    for c in onto.classes.values():
        root = c.name
        while (parent := onto.classes[root].parent) is not None:
            root = parent
        roots.setdefault(c.slug, set()).add(root)
    return {slug: next(iter(r)) if len(r) == 1 else None for slug, r in roots.items()}


def lookup_label(entity_id: str) -> str:
    """The label to find the stored node of ``entity_id`` by.

    Every stored id passed validation, which ties its prefix to its class: the root class of
    that prefix (a person id is a Person, possibly an Officer) has a uniqueness constraint on
    id, and seeking it probes far fewer indexes than ``:Entity`` on ArcadeDB (one per label
    set below the label). Anything unusual falls back to ``Entity``.
    """
    slug, sep, _ = entity_id.partition("/")
    root = _slug_roots().get(slug) if sep else None
    return root or ENTITY_LABEL


def rel_type_of_key(key: str) -> str:
    return check_rel_type(key.split("|", 1)[0])


# -- reading contributions back -------------------------------------------------------------
# Rows' nodes by id, through the id index always (USING INDEX SEEK): on a database whose index
# samples date from when it was empty, Neo4j's planner may otherwise scan the whole index once
# per row (a batched load then ran at ~150 nodes/s). Both ends are bound before the expand, so
# that it goes from the end with fewer relationships (a force has thousands).
SEEK_AB = (
    "MATCH (a:Entity {id: r.u}) USING INDEX SEEK a:Entity(id) MATCH (b:Entity {id: r.v}) USING INDEX SEEK b:Entity(id) "
    "WITH r, a, b MATCH (a)-[e]->(b) "
)
SEEK_NS = (
    "MATCH (n:Entity {id: r.n}) USING INDEX SEEK n:Entity(id) MATCH (s:Entity {id: r.s}) USING INDEX SEEK s:Entity(id) "
    "WITH r, n, s MATCH (n)-[m:MENTIONED_IN]->(s) "
)

# A relation's stored contributions, by (source id, target id, key) rows.
EDGES_BY_KEY = (
    f"UNWIND $rows AS r {SEEK_AB}WHERE e.key = r.k "
    "RETURN r.u AS u, r.v AS v, r.k AS k, type(e) AS t, e.sources AS s, e.sourceProps AS sp, e.evidence AS ev"
)


def node_rows(
    run: Callable[..., list[dict[str, Any]]], ids: Sequence[str], chunk: int, evidence_of: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """The stored nodes of ``ids`` with every contribution: id, eid, labels, own, ownEv, ownSeq,
    rels and cs ([source id, seq, c, ev] per MENTIONED_IN edge). Evidence comes only for the
    sources in ``evidence_of`` (and the node's own) unless it is None: other sources' evidence is
    the bulk of the data and a write does not need it."""
    # one statement per root label: an id seek on the root label is cheaper than on Entity
    by_label: dict[str, list[str]] = defaultdict(list)
    for nid in ids:
        by_label[lookup_label(nid)].append(nid)
    ev = "m.ev" if evidence_of is None else "CASE WHEN s.id IN $sids THEN m.ev ELSE null END"
    for label, group in sorted(by_label.items()):
        for i in range(0, len(group), chunk):
            yield from run(
                f"UNWIND $ids AS id MATCH (n{label_expr([label])} {{id: id}}) "
                f"USING INDEX SEEK n{label_expr([label])}(id) "
                "OPTIONAL MATCH (n)-[m:MENTIONED_IN]->(s:Entity) "
                f"WITH n, collect([s.id, m.seq, m.c, {ev}]) AS cs "
                "RETURN n.id AS id, elementId(n) AS eid, labels(n) AS labels, n._own AS own, n._ownEv AS ownEv, "
                "n._ownSeq AS ownSeq, n._rels AS rels, cs",
                ids=group[i : i + chunk],
                sids=list(evidence_of or ()),
            )


def contribution_entries(row: dict[str, Any]) -> list[tuple[int, str, str, str | None]]:
    """(seq, source id, contribution JSON, evidence JSON) of a :func:`node_rows` row, in order."""
    entries: list[tuple[int, str, str, str | None]] = []
    for sid, seq, c, ev in row["cs"]:
        if sid is not None and c is not None:
            entries.append((int(seq), sid, c, ev))
    if row["own"] is not None:
        entries.append((int(row["ownSeq"]), row["id"], row["own"], row["ownEv"]))
    entries.sort(key=lambda e: e[0])
    return entries


# -- evidence and contributions as JSON ------------------------------------------------------
def ev_to_dict(ev: Evidence, with_source: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {"source": ev.source_id} if with_source else {}
    for k in ("quote", "start", "end"):
        v = getattr(ev, k)
        if v is not None:
            d[k] = v
    d["method"] = ev.method
    d["confidence"] = ev.confidence
    if ev.locator is not None:
        d["locator"] = ev.locator
    return d


def ev_from_dict(d: dict[str, Any], source_id: str) -> Evidence:
    return Evidence(
        source_id,
        quote=d.get("quote"),
        start=d.get("start"),
        end=d.get("end"),
        method=d.get("method", "rule"),
        confidence=d.get("confidence", 1.0),
        locator=d.get("locator"),
    )


def dumps(value: object) -> str:
    """Compact JSON text (non-ASCII kept as is), as ``json.dumps`` writes it but several times faster.

    orjson writes NaN and infinities as ``null`` and refuses non-string keys and huge ints;
    those values (rare) go through the json module so that they read back unchanged.
    """
    try:
        out = orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if b"null" in out:  # could be a NaN orjson wrote as null: let json decide
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return out.decode()


_LONG_DIGITS = re.compile(r"\d{19}")


def loads(text: str) -> Any:
    """Parse JSON written by :func:`dumps`.

    The json module reads what orjson cannot: NaN and infinities, and integers beyond 64 bits
    (which orjson would turn into floats).
    """
    if _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def encode_node_contrib(c: NodeContrib) -> tuple[str, str]:
    """(c, ev) JSON texts of a node contribution."""
    return dumps([c[0], c[1], list(c[2]), c[3]]), dumps([ev_to_dict(e) for e in c[4]])


def decode_node_contrib(c: str, ev: str | None, source_id: str) -> tuple[str, str, tuple[str, ...], Props]:
    t, name, aliases, props = loads(c)
    return str(t), str(name), tuple(aliases), dict(props)


def decode_evidence(ev: str | None, source_id: str) -> tuple[Evidence, ...]:
    if not ev:
        return ()
    return tuple(ev_from_dict(d, source_id) for d in loads(ev))


def mention_props(seq: int, c: NodeContrib) -> dict[str, Any]:
    """Properties of a MENTIONED_IN edge: readable summary plus the exact contribution."""
    cj, evj = encode_node_contrib(c)
    p: dict[str, Any] = {"seq": seq, "c": cj, "ev": evj, "mentions": len(c[4])}
    quotes = [e.quote for e in c[4] if e.quote]
    if quotes:
        p["quote"] = quotes[0]
    if c[4]:
        p["method"] = c[4][0].method
        p["confidence"] = max(e.confidence for e in c[4])
    return p


def relation_props(key: str, contribs: Sequence[tuple[str, EdgeContrib]]) -> dict[str, Any]:
    """Properties of a relation's relationship, from its contributions in order."""
    p: dict[str, Any] = dict(merged_edge_props([c for _, c in contribs]))
    p["key"] = key
    p["sources"] = [sid for sid, _ in contribs]
    p["sourceProps"] = [dumps(c[0]) for _, c in contribs]
    p["evidence"] = [dumps(ev_to_dict(e, with_source=True)) for _, c in contribs for e in c[1]]
    p["quotes"] = [e.quote for _, c in contribs for e in c[1] if e.quote]
    return p


def relation_contribs(
    sources: Sequence[str], source_props: Sequence[str], evidence: Sequence[str]
) -> list[tuple[str, EdgeContrib]]:
    """Decode a relationship's contributions (inverse of :func:`relation_props`)."""
    evs: dict[str, list[Evidence]] = {sid: [] for sid in sources}
    for text in evidence:
        d = loads(text)
        sid = d.pop("source")
        evs.setdefault(sid, []).append(ev_from_dict(d, sid))
    return [(sid, (dict(loads(pj)), tuple(evs.get(sid, ())))) for sid, pj in zip(sources, source_props, strict=True)]


def search_tokens(contribs: Iterable[tuple[str, str, tuple[str, ...], Props]]) -> list[str]:
    """Search tokens of a node: every word of every name and alias (as the memory store indexes)."""
    out: dict[str, None] = {}
    for t, name, aliases, _ in contribs:
        if t in _NOT_INDEXED:
            continue
        for label in (name, *aliases):
            out.update(dict.fromkeys(_label_tokens(label)))
    return list(out)


@lru_cache(maxsize=65536)
def _label_tokens(label: str) -> tuple[str, ...]:
    # names repeat across sources (every article names its force): normalise each once
    return tuple(normalise_name(label).split())


def node_props(
    node_id: str, view: tuple[str, str, tuple[str, ...], Props], tokens: list[str], fulltext: bool = True
) -> dict[str, Any]:
    """Plain node properties: id, type, name, aliases, the merged properties, search tokens.

    ``_search`` (the tokens as one text) feeds the full-text index; a server without one
    (ArcadeDB's Bolt endpoint) searches ``_tokens`` only, so it is not written there.
    """
    t, name, aliases, props = view
    p: dict[str, Any] = {"id": node_id, "type": t, "name": name, "aliases": list(aliases)}
    extra = {}
    for k, v in props.items():
        if k in CORE_KEYS or k.startswith("_"):
            extra[k] = v
        else:
            p[k] = v
    if extra:
        p["_extra"] = dumps(extra)
    p["_tokens"] = tokens
    if fulltext:
        p["_search"] = " ".join(tokens)
    return p


def props_from_node(p: dict[str, Any]) -> Props:
    """The entity properties held in a node's property map."""
    out: Props = {k: v for k, v in p.items() if k not in CORE_KEYS and not k.startswith("_")}
    extra = p.get("_extra")
    if extra:
        out.update(loads(extra))
    return out
