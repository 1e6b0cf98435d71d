"""The JSON-LD context (ontology/context.jsonld), derived from the registry.

Terms: the registry's prefixes, classes, entity properties (with their datatypes, concept
properties as IRIs, lists as sets), relations by their IRI's local name, and the evidence
terms of :mod:`kb.rdf.terms`. Relation properties (role, from, to, date) and other vocabulary
are written as prefixed names (``pkb:role``), so no term has two meanings.
"""

from __future__ import annotations

import json
from typing import Any

from kb.ontology import Ontology, ontology
from kb.rdf.terms import EXTRA_TERMS, concept_props

# Structural terms the exports use, beyond the registry's own.
_STRUCTURAL: dict[str, dict[str, str]] = {
    "sameAs": {"@id": "owl:sameAs", "@type": "@id"},
    "derivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "dataSet": {"@id": "qb:dataSet", "@type": "@id"},
}


def context_dict(onto: Ontology | None = None) -> dict[str, Any]:
    """The context as a JSON object ``{"@context": {...}}``."""
    o = onto or ontology()
    ctx: dict[str, Any] = {"@version": 1.1}
    for prefix, ns in o.prefixes.items():
        ctx[prefix] = ns
    ctx.setdefault("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
    ctx["id"] = "@id"
    ctx["type"] = "@type"
    terms: dict[str, Any] = {}

    def add(term: str, value: Any) -> None:
        if term in terms or term in ctx:
            raise ValueError(f"context: term {term!r} defined twice")
        terms[term] = value

    for c in o.classes.values():
        add(c.name, c.iri)
    for t in EXTRA_TERMS:
        if t.kind == "class":
            add(t.local, f"pkb:{t.local}")
    concept = concept_props(o)
    for p in o.properties.values():
        d: dict[str, str] = {"@id": p.iri}
        if p.name in concept:
            d["@type"] = "@id"
        elif p.datatype != "xsd:string":
            d["@type"] = p.datatype
        if p.many:
            d["@container"] = "@set"
        add(p.name, d)
    for r in o.relations.values():
        local = r.iri.partition(":")[2]
        add(local, {"@id": r.iri, "@type": "@id"})
    for t in EXTRA_TERMS:
        if t.kind == "object":
            add(t.local, {"@id": f"pkb:{t.local}", "@type": "@id"})
        elif t.kind == "datatype":
            d = {"@id": f"pkb:{t.local}"}
            if t.range and t.range != "xsd:string":
                d["@type"] = t.range
            add(t.local, d)
    for term, d in _STRUCTURAL.items():
        add(term, d)
    ctx.update(terms)
    return {"@context": ctx}


def render_context(onto: Ontology | None = None) -> str:
    """ontology/context.jsonld's text."""
    return json.dumps(context_dict(onto), indent=2, ensure_ascii=False) + "\n"
