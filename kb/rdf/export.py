"""Export the KB as RDF, streaming: N-Triples, N-Quads, Turtle, TriG or JSON-LD.

Nodes and edges are read one at a time from the store (``iter_nodes`` / ``iter_edges``),
mapped to blocks and written at once, so memory stays flat whatever the KB's size.
``trig`` and ``nq`` keep each source's assertions in its named graph; ``ttl``, ``nt`` and
``jsonld`` write the merged default graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol

from kb.rdf.blocks import Block
from kb.rdf.context import context_dict
from kb.rdf.jsonld import JsonLdWriter
from kb.rdf.mapping import Mapper
from kb.rdf.ntriples import NTriplesWriter
from kb.rdf.terms import RDF, Iris
from kb.rdf.vocab import export_header_blocks
from kb.store.base import Store

FORMATS: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "trig": "application/trig",
    "nq": "application/n-quads",
}
QUAD_FORMATS = frozenset({"trig", "nq"})


class Writer(Protocol):
    def write(self, blocks: list[Block]) -> None: ...

    def close(self) -> int: ...


def prefixes(iris: Iris) -> dict[str, str]:
    """Prefixes for Turtle / TriG: the registry's, plus rdf."""
    out = dict(iris.onto.prefixes)
    out.setdefault("rdf", RDF)
    return out


def make_writer(fmt: str, out: BinaryIO, iris: Iris) -> Writer:
    if fmt in ("nt", "nq"):
        return NTriplesWriter(out, quads=fmt == "nq")
    if fmt in ("ttl", "trig"):
        from kb.rdf.turtle import TurtleWriter

        header = f"# {iris.onto.title} {iris.onto.version}: policing-kb export\n"
        return TurtleWriter(out, prefixes(iris), base=iris.id_prefix, trig=fmt == "trig", header=header)
    if fmt == "jsonld":
        return JsonLdWriter(out, context_dict(iris.onto))
    raise ValueError(f"unknown export format {fmt!r} (expected one of {', '.join(FORMATS)})")


def iter_blocks(store: Store, iris: Iris, quads: bool) -> Iterator[list[Block]]:
    """The whole KB as lists of blocks, one list per header / node / edge."""
    mapper = Mapper(iris, quads)
    yield export_header_blocks(iris)
    for node in store.iter_nodes():
        yield mapper.node(node)
    for edge in store.iter_edges():
        yield mapper.edge(edge)


def export(store: Store, fmt: str, out: BinaryIO, base: str | None = None) -> int:
    """Write the KB to ``out`` in ``fmt``; returns the number of triples (or quads) written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (expected one of {', '.join(FORMATS)})")
    iris = Iris(base)
    writer = make_writer(fmt, out, iris)
    for blocks in iter_blocks(store, iris, fmt in QUAD_FORMATS):
        writer.write(blocks)
    return writer.close()
