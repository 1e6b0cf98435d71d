"""SPARQL query results written from pyoxigraph's answers, capped at a number of rows.

pyoxigraph serialises a whole result; the endpoint must stop after ``max_results`` rows (and
say so), so SELECT results are written here, in the four W3C result formats: SPARQL JSON,
SPARQL XML, CSV and TSV. Graph results (CONSTRUCT, DESCRIBE) and booleans (ASK) go through
pyoxigraph's own serialisers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# media type -> result format name (what a request may ask for)
SELECT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
}
# result format name -> response media type
RESPONSE_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
_BOOLEAN_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


def _json_term(t: Any) -> dict[str, Any]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(t.subject),
                "predicate": _json_term(t.predicate),
                "object": _json_term(t.object),
            },
        }
    raise TypeError(f"unexpected term {t!r}")


def _xml_term(t: Any) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    if isinstance(t, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
            f"<object>{_xml_term(t.object)}</object></triple>"
        )
    raise TypeError(f"unexpected term {t!r}")


def _csv_value(t: Any) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.NamedNode | ox.Literal):
        return str(t.value)
    return str(t)


def _rows(solutions: Any, names: list[str], limit: int) -> tuple[list[list[Any]], bool]:
    rows: list[list[Any]] = []
    for sol in islice(solutions, limit + 1):
        rows.append([sol[n] for n in names])
    truncated = len(rows) > limit
    return rows[:limit], truncated


def write_select(solutions: Any, fmt: str, limit: int) -> tuple[bytes, bool]:
    """A SELECT result in ``fmt`` (json, xml, csv, tsv), at most ``limit`` rows; (body, truncated)."""
    names = [v.value for v in solutions.variables]
    rows, truncated = _rows(solutions, names, limit)
    if fmt == "json":
        bindings = [{n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]
        doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8"), truncated
    if fmt == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        parts += [f"<variable name={quoteattr(n)}/>" for n in names]
        parts.append("</head>\n<results>\n")
        for row in rows:
            parts.append("<result>")
            parts += [
                f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                for n, t in zip(names, row, strict=True)
                if t is not None
            ]
            parts.append("</result>\n")
        parts.append("</results>\n</sparql>\n")
        return "".join(parts).encode("utf-8"), truncated
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        w.writerows([_csv_value(t) for t in row] for row in rows)
        return buf.getvalue().encode("utf-8"), truncated
    if fmt == "tsv":
        # terms in N-Triples syntax (pyoxigraph's str()), which escapes tabs and newlines
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8"), truncated
    raise ValueError(f"unknown result format {fmt!r}")


def write_boolean(result: Any, fmt: str) -> bytes:
    """An ASK answer (pyoxigraph's QueryBoolean) in ``fmt``, by pyoxigraph's serialiser."""
    out = io.BytesIO()
    result.serialize(out, _BOOLEAN_FORMATS[fmt])
    return out.getvalue()


def write_graph(triples: Iterable[Any], fmt: str, limit: int, prefixes: dict[str, str]) -> tuple[bytes, bool]:
    """CONSTRUCT / DESCRIBE triples in ``fmt`` (ttl, nt, jsonld), at most ``limit``; (body, truncated)."""
    it: Iterator[Any] = iter(triples)
    head = list(islice(it, limit))
    truncated = next(it, None) is not None
    out = io.BytesIO()
    ox.serialize(head, out, _GRAPH_FORMATS[fmt], prefixes=prefixes if fmt == "ttl" else None)
    return out.getvalue(), truncated
