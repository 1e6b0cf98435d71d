"""Read an export back into the KB's model: entities, relations and their evidence.

The inverse of :mod:`kb.rdf.mapping`, used to prove that an export round-trips (and usable
to import an export into a store). Works on a merged graph or on a dataset with named graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node as RdfNode

from kb.model import Edge, Evidence, Node, Props, PropValue, Relation
from kb.rdf.mapping import STATISTIC_TYPE
from kb.rdf.terms import ORG, PROV, RDF, RDF_TYPE, SKOS, XSD_BOOLEAN, XSD_DECIMAL, XSD_INTEGER, Iris


@dataclass
class ReadBack:
    """What an export says: nodes and edges keyed like the store's."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)  # by Edge.id


def _value(lit: Literal) -> PropValue:
    dt = str(lit.datatype) if lit.datatype else ""
    text = str(lit)
    if dt in (XSD_DECIMAL, XSD_INTEGER):
        d = Decimal(text)
        if dt == XSD_INTEGER or ("." not in text and "e" not in text.lower()):
            return int(d)
        return float(d)
    if dt == XSD_BOOLEAN:
        return text.strip().lower() in ("true", "1")
    return text


def _evidence(g: Graph, ev: RdfNode, iris: Iris) -> Evidence:
    ns = iris.ns

    def one(local: str) -> RdfNode | None:
        return g.value(ev, URIRef(ns + local))

    src = g.value(ev, URIRef(PROV + "wasDerivedFrom"))
    start, end, quote, locator = one("start"), one("end"), one("quote"), one("locator")
    method, conf = one("method"), one("confidence")
    return Evidence(
        source_id=iris.id_of(str(src)) or str(src),
        quote=str(quote) if quote is not None else None,
        start=int(str(start)) if start is not None else None,
        end=int(str(end)) if end is not None else None,
        method=str(method) if method is not None else "rule",
        confidence=float(str(conf)) if conf is not None else 1.0,
        locator=str(locator) if locator is not None else None,
    )


def _evidence_of(g: Graph, subject: RdfNode, iris: Iris) -> tuple[Evidence, ...]:
    evs = [_evidence(g, ev, iris) for ev in g.objects(subject, URIRef(iris.ns + "evidence"))]
    return tuple(sorted(set(evs), key=evidence_key))


def evidence_key(e: Evidence) -> tuple[object, ...]:
    return (e.source_id, e.quote or "", e.start or -1, e.end or -1, e.method, e.confidence, e.locator or "")


def read_graph(g: Graph, base: str | None = None) -> ReadBack:
    """Nodes and edges of a merged export graph (aliases, list props and evidence sorted)."""
    iris = Iris(base)
    onto = iris.onto
    out = ReadBack()
    by_class = {URIRef(iris.ns + c): c for c in onto.classes}
    props = {n: URIRef(onto.expand(p.iri)) for n, p in onto.properties.items()}
    rel_by_iri = {onto.expand(r.iri): r.name for r in onto.relations.values()}
    rel_props = {n: URIRef(onto.expand(p.iri)) for n, p in onto.relation_props.items() if n != "title"}
    name_p, alias_p = props["name"], props["aliases"]
    for s, cls_iri in g.subject_objects(URIRef(RDF_TYPE)):
        cls = by_class.get(cls_iri)  # type: ignore[call-overload]
        eid = iris.id_of(str(s))
        if cls is None or eid is None:
            continue
        prev = out.nodes.get(eid)
        if prev is not None and not onto.is_a(cls, prev.type):
            continue  # a more specific class was already read
        cdef = onto.classes[cls]
        values: Props = {}
        for pname in cdef.properties:
            if pname in ("name", "aliases"):
                continue
            objs = list(g.objects(s, props[pname]))
            if not objs:
                continue
            scheme = cdef.schemes.get(pname)
            vals: list[PropValue] = []
            for o in objs:
                if scheme is not None:
                    key = iris.concept_key(str(o))
                    vals.append(key[1] if key else str(o))
                elif isinstance(o, Literal):
                    vals.append(_value(o))
            if onto.properties[pname].many:
                values[pname] = sorted(str(v) for v in vals)
            elif vals:
                values[pname] = vals[0]
        name = g.value(s, name_p)
        aliases = tuple(sorted(str(a) for a in g.objects(s, alias_p)))
        out.nodes[eid] = Node(
            eid, cls, str(name) if name is not None else "", aliases, values, _evidence_of(g, s, iris)
        )
    assertion = URIRef(iris.ns + "Assertion")
    for st in g.subjects(URIRef(RDF_TYPE), assertion):
        subj, pred, obj = (g.value(st, URIRef(RDF + x)) for x in ("subject", "predicate", "object"))
        rtype = rel_by_iri.get(str(pred))
        sid, oid = iris.id_of(str(subj)), iris.id_of(str(obj))
        if rtype is None or sid is None or oid is None:
            continue
        rprops: Props = {}
        for pname, piri in rel_props.items():
            v = g.value(st, piri)
            if isinstance(v, Literal):
                rprops[pname] = _value(v)
        role = g.value(st, URIRef(ORG + "role"))
        if role is not None:
            title = g.value(role, URIRef(SKOS + "prefLabel"))
            if title is not None:
                rprops["title"] = str(title)
        rel = Relation(rtype, sid, oid, rprops)
        edge = Edge(rtype, sid, oid, rel.key, rprops, _evidence_of(g, st, iris))
        out.edges[edge.id] = edge
    return out


def normalise_nodes(nodes: Iterable[Node]) -> dict[str, Node]:
    """Store nodes in the form :func:`read_graph` produces (sorted aliases, lists, evidence)."""
    out = {}
    for n in nodes:
        # a name or aliases repeated in props is the node's own field (exported once, as such)
        props: Props = {
            k: sorted(dict.fromkeys(v)) if isinstance(v, list) else v
            for k, v in n.props.items()
            if k not in ("name", "aliases")
        }
        ev = tuple(sorted(set(n.evidence), key=evidence_key))
        out[n.id] = Node(n.id, n.type, n.name, tuple(sorted(set(n.aliases))), props, ev)
    return out


def normalise_edges(edges: Iterable[Edge]) -> dict[str, Edge]:
    return {
        e.id: Edge(e.type, e.source, e.target, e.key, dict(e.props), tuple(sorted(set(e.evidence), key=evidence_key)))
        for e in edges
    }


__all__ = ["STATISTIC_TYPE", "ReadBack", "normalise_edges", "normalise_nodes", "read_graph"]
