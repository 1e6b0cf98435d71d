"""The export's record stream, cut into chunks that are serialised independently.

The record stream is the vocabulary header, then every node, then every edge. It is cut
into chunks of ``CHUNK_RECORDS`` records, and each chunk is serialised on its own (a TriG
graph block never spans two chunks). That makes chunks independent, so :mod:`kb.rdf.parallel`
can hand them to forked worker processes and write their bytes in order: the output is the
same, byte for byte, whatever the number of workers.

An edge whose plain triple ``<s> p <o>`` an earlier edge already stated (two posts with
different titles, two memberships in different roles between the same two entities) comes
as a :class:`Restated` record, so that no format states a triple twice. Every process walks
the whole stream, so each knows this for the chunks it serialises.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import BinaryIO, Protocol

from kb.model import Edge, Node
from kb.rdf.blocks import Block
from kb.rdf.context import context_dict
from kb.rdf.jsonld import JsonLdWriter
from kb.rdf.mapping import Mapper, PlainTriples, Restated
from kb.rdf.ntriples import NTriplesWriter
from kb.rdf.terms import OWL, RDF, Iris
from kb.rdf.turtle import TurtleWriter
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
# Records (nodes or edges) per chunk: large enough that handing a chunk to a worker costs
# little next to serialising it, small enough that a chunk's output (0.2 to 0.8 MB) fits
# in a worker's pipe at once (see kb.rdf.parallel).
CHUNK_RECORDS = 256
# Worker processes used when the caller does not say: one per core, at most this many (the
# parent writes every byte, so more workers than this stop paying).
MAX_AUTO_WORKERS = 4


class Writer(Protocol):
    def write(self, blocks: list[Block]) -> None: ...

    def end_chunk(self) -> None: ...

    def close(self) -> int: ...

    count: int


class _Header:
    """Stands for the vocabulary header blocks, the record stream's first record."""


HEADER = _Header()


@dataclass(frozen=True, slots=True)
class SameAs:
    """A merged id and the id it answers for (a judgement, see Store.redirects)."""

    merged: str
    into: str

    def blocks(self, iris: Iris) -> list[Block]:
        return [("", iris.entity(self.merged), [(OWL + "sameAs", iris.entity(self.into), None)])]


Record = Node | Edge | Restated | SameAs | _Header


def prefixes(iris: Iris) -> dict[str, str]:
    """Prefixes for Turtle / TriG: the registry's, plus rdf."""
    out = dict(iris.onto.prefixes)
    out.setdefault("rdf", RDF)
    return out


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (expected one of {', '.join(FORMATS)})")


def make_writer(fmt: str, out: BinaryIO, iris: Iris, continued: bool = False) -> Writer:
    """The writer of ``fmt``; ``continued`` makes one for a later part of the document
    (no header, directives or opening bracket: a parallel worker's)."""
    check_format(fmt)
    if fmt in ("nt", "nq"):
        return NTriplesWriter(out, quads=fmt == "nq")
    if fmt in ("ttl", "trig"):
        header = f"# {iris.onto.title} {iris.onto.version}: policing-kb export\n"
        return TurtleWriter(
            out, prefixes(iris), base=iris.id_prefix, trig=fmt == "trig", header=header, continued=continued
        )
    return JsonLdWriter(out, context_dict(iris.onto), continued=continued)


def records(store: Store, quads: bool) -> Iterator[Record]:
    """The export's record stream: HEADER, the merged ids, every node, every edge (restated ones
    marked)."""
    same = (SameAs(a, b) for a, b in sorted(store.redirects().items()))
    return chain((HEADER,), same, store.iter_nodes(), PlainTriples(quads).mark(store.iter_edges()))


class ChunkSerialiser:
    """Maps records to blocks and writes them, one chunk at a time, with one writer."""

    def __init__(self, fmt: str, iris: Iris, out: BinaryIO, continued: bool = False) -> None:
        self.iris = iris
        self.mapper = Mapper(iris, fmt in QUAD_FORMATS)
        self.writer = make_writer(fmt, out, iris, continued)

    def chunk(self, recs: Iterable[Record]) -> int:
        """Serialise one chunk of records; returns how many records it held."""
        node, edge = self.mapper.node, self.mapper.edge
        write = self.writer.write
        n = 0
        for r in recs:
            if isinstance(r, Node):
                write(node(r))
            elif isinstance(r, Edge):
                write(edge(r))
            elif isinstance(r, Restated):
                write(edge(r.edge, r.stated))
            elif isinstance(r, SameAs):
                write(r.blocks(self.iris))
            else:
                write(export_header_blocks(self.iris))
            n += 1
        self.writer.end_chunk()
        return n


def iter_blocks(store: Store, iris: Iris, quads: bool) -> Iterator[list[Block]]:
    """The whole KB as lists of blocks, one list per header / node / edge."""
    mapper = Mapper(iris, quads)
    yield export_header_blocks(iris)
    for a, b in sorted(store.redirects().items()):
        yield SameAs(a, b).blocks(iris)
    for node in store.iter_nodes():
        yield mapper.node(node)
    for r in PlainTriples(quads).mark(store.iter_edges()):
        yield mapper.edge(r) if isinstance(r, Edge) else mapper.edge(r.edge, r.stated)


def auto_workers() -> int:
    """Worker processes for ``workers=None``: the usable cores, at most MAX_AUTO_WORKERS, and
    no more than free memory allows (a worker ends up copying most of this process's memory)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count() or 1
    n = max(1, min(cores, MAX_AUTO_WORKERS))
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        free = os.sysconf("SC_AVPHYS_PAGES") * page
        with open("/proc/self/statm") as fh:
            resident = int(fh.read().split()[1]) * page
    except (OSError, ValueError, AttributeError, IndexError):
        return n  # cannot tell (not Linux): the cores decide
    # the parent counts as one; each further worker needs about its resident size, with a margin
    return max(1, min(n, 1 + int(free * 0.8) // max(resident, 1)))
