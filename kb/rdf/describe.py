"""Describe one entity as RDF, for IRI dereferencing (GET /id/{slug}/{key}).

The document holds the entity with its properties and evidence, every relation touching it
(both directions) with the relation's assertion and evidence, and the type and name of each
entity and source it links to, so a reader can follow links without another request.
"""

from __future__ import annotations

import io

from kb.rdf.blocks import Block, Pair
from kb.rdf.chunks import prefixes
from kb.rdf.context import context_dict
from kb.rdf.jsonld import JsonLdWriter
from kb.rdf.mapping import SOURCE_TYPE, Mapper, PlainTriples, Restated
from kb.rdf.ntriples import NTriplesWriter
from kb.rdf.terms import DCT, RDF_TYPE, SCHEMA, XSD, Iris
from kb.rdf.turtle import TurtleWriter
from kb.store.base import Store

DESCRIBE_FORMATS: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
MAX_RELATIONS = 2000  # relations of a very connected entity (a force) are capped
MAX_MENTIONS = 2000  # entities listed in a source's description


def describe_blocks(store: Store, entity_id: str, base: str | None = None) -> list[Block]:
    """The blocks describing ``entity_id``; KeyError when the store does not hold it."""
    node = store.get(entity_id)
    if node is None:
        raise KeyError(entity_id)
    iris = Iris(base)
    mapper = Mapper(iris, quads=False)
    blocks = mapper.node(node)
    edges = sorted(store.edges([entity_id])[:MAX_RELATIONS], key=lambda e: (e.source, e.type, e.target, e.key))
    linked: dict[str, None] = {}
    for r in PlainTriples(quads=False).mark(edges):
        e = r.edge if isinstance(r, Restated) else r
        blocks.extend(mapper.edge(e, r.stated) if isinstance(r, Restated) else mapper.edge(e))
        linked[e.target if e.source == entity_id else e.source] = None
        for ev in e.evidence:
            linked[ev.source_id] = None
    for ev in node.evidence:
        linked[ev.source_id] = None
    if node.type == SOURCE_TYPE:
        src = iris.entity(entity_id)
        for mid in store.mentions(entity_id)[:MAX_MENTIONS]:
            blocks.append(("", iris.entity(mid), [(mapper.mentioned, src, None)]))
            linked[mid] = None
    linked.pop(entity_id, None)
    for other in store.get_many(list(linked)).values():
        pairs: list[Pair] = [
            (RDF_TYPE, mapper.classes.get(other.type, iris.term(other.type)), None),
            (mapper.name_p, other.name, ""),
        ]
        if other.type == SOURCE_TYPE:
            p = other.props
            if p.get("title"):
                pairs.append((DCT + "title", str(p["title"]), ""))
            if p.get("url"):
                pairs.append((SCHEMA + "url", str(p["url"]), XSD + "anyURI"))
            if p.get("publisher"):
                pairs.append((DCT + "publisher", str(p["publisher"]), ""))
        blocks.append(("", iris.entity(other.id), pairs))
    return blocks


def describe(store: Store, entity_id: str, fmt: str, base: str | None = None) -> bytes:
    """The entity's description in ``fmt`` ("ttl", "jsonld" or "nt").

    Raises KeyError for an unknown entity and ValueError for an unknown format.
    """
    if fmt not in DESCRIBE_FORMATS:
        raise ValueError(f"unknown description format {fmt!r} (expected one of {', '.join(DESCRIBE_FORMATS)})")
    blocks = describe_blocks(store, entity_id, base)
    iris = Iris(base)
    out = io.BytesIO()
    if fmt == "ttl":
        w: TurtleWriter | JsonLdWriter | NTriplesWriter = TurtleWriter(out, prefixes(iris), base=iris.id_prefix)
    elif fmt == "jsonld":
        w = JsonLdWriter(out, context_dict(iris.onto))
    else:
        w = NTriplesWriter(out)
    w.write(blocks)
    w.close()
    return out.getvalue()
