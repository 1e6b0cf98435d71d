"""Validate the KB's RDF export against ontology/shapes.ttl with pySHACL.

The export (merged graph) is the data graph; the ontology is mixed in as the ontology graph
so subclass targets work (an Officer meets the Person shape). Violations are reported one
per line: the entity (or node), the property, the message, the offending value.
"""

from __future__ import annotations

import io
from collections import Counter
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node as RdfNode

from kb.rdf.export import export
from kb.rdf.owl import render_ontology, render_shapes
from kb.rdf.terms import Iris
from kb.store.base import Store

MAX_LINES = 200


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes, as rendered from the registry (a test keeps ontology/shapes.ttl equal)."""
    return Graph().parse(data=render_shapes(), format="turtle")


@cache
def ontology_graph() -> Graph:
    """The OWL ontology (class hierarchy for subclass targets)."""
    return Graph().parse(data=render_ontology(), format="turtle")


def export_graph(store: Store, base: str | None = None) -> Graph:
    """The merged export of the store as an rdflib Graph (via N-Triples, the fastest parse)."""
    buf = io.BytesIO()
    export(store, "nt", buf, base=base)
    g = Graph()
    g.parse(data=buf.getvalue(), format="nt")
    return g


def validate_graph(data: Graph, base: str | None = None) -> tuple[bool, str]:
    """Run pySHACL on ``data``; (conforms, readable report)."""
    from pyshacl import validate

    conforms, results, _text = validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    if conforms:
        return True, f"conforms: {len(data)} triples meet the SHACL shapes"
    return False, format_report(results, data, Iris(base))


def validate_store(store: Store, base: str | None = None) -> tuple[bool, str]:
    """Export the store, validate it against the shapes; (conforms, readable report)."""
    return validate_graph(export_graph(store, base), base)


def _short(term: RdfNode | None, graph: Graph, iris: Iris) -> str:
    if term is None:
        return "-"
    if isinstance(term, Literal):
        text = str(term)
        text = text if len(text) <= 60 else text[:57] + "..."
        return repr(text) + (f"^^{graph.namespace_manager.normalizeUri(term.datatype)}" if term.datatype else "")
    if isinstance(term, URIRef):
        s = str(term)
        if s.startswith(iris.id_prefix):
            return s[len(iris.id_prefix) :]
        try:
            return graph.namespace_manager.normalizeUri(term)
        except Exception:
            return f"<{s}>"
    return str(term)


def format_report(results: Graph, data: Graph, iris: Iris) -> str:
    """One line per violation, sorted, capped at MAX_LINES, with counts per shape."""
    for prefix, ns in iris.onto.prefixes.items():
        results.bind(prefix, ns, replace=True)
        data.bind(prefix, ns, replace=True)
    lines: list[str] = []
    shapes: Counter[str] = Counter()
    for r in results.subjects(predicate=SH.resultSeverity):
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        msg = results.value(r, SH.resultMessage)
        value = results.value(r, SH.value)
        shape = results.value(r, SH.sourceShape)
        sev = results.value(r, SH.resultSeverity)
        sev_s = str(sev).rsplit("#", 1)[-1] if sev else "Violation"
        shape_s = _short(shape, results, iris)
        shapes[shape_s] += 1
        line = f"{sev_s}: {_short(focus, data, iris)}"
        if path is not None:
            line += f" {_short(path, data, iris)}"
        line += f": {msg}" if msg else ""
        if value is not None and value != focus:
            line += f" (value {_short(value, data, iris)})"
        line += f" [{shape_s}]"
        lines.append(line)
    lines.sort()
    total = len(lines)
    head = f"does not conform: {total} violation{'s' if total != 1 else ''}"
    body = lines[:MAX_LINES]
    if total > MAX_LINES:
        body.append(f"... and {total - MAX_LINES} more")
    summary = ", ".join(f"{k} x{v}" for k, v in shapes.most_common(10))
    return "\n".join([head, *body, f"by shape: {summary}"])
