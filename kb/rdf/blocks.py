"""The unit every RDF writer consumes: a *block* of triples about one subject in one graph.

``(graph, subject, pairs)``: ``graph`` is a named-graph IRI or "" for the default graph,
``subject`` an IRI, ``pairs`` a list of ``(predicate IRI, object, kind)`` where ``kind`` is
None for an IRI object, "" for a plain string, "@lang" for a language-tagged string, or a
datatype IRI. Terms are raw strings (no brackets, no escaping): each writer formats them.
"""

from __future__ import annotations

from typing import TypeAlias

Pair: TypeAlias = tuple[str, str, str | None]
Block: TypeAlias = tuple[str, str, list[Pair]]
