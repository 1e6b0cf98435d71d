"""Export the KB as RDF, streaming: N-Triples, N-Quads, Turtle, TriG or JSON-LD.

Nodes and edges are read one at a time from the store (``iter_nodes`` / ``iter_edges``),
mapped to blocks and written at once, so memory stays flat whatever the KB's size.
``trig`` and ``nq`` keep each source's assertions in its named graph; ``ttl``, ``nt`` and
``jsonld`` write the merged default graph. The stream is serialised chunk by chunk
(:mod:`kb.rdf.chunks`), in one process or several (:mod:`kb.rdf.parallel`).
"""

from __future__ import annotations

from typing import BinaryIO

from kb.rdf.chunks import (
    CHUNK_RECORDS,
    FORMATS,
    QUAD_FORMATS,
    auto_workers,
    check_format,
    iter_blocks,
    make_writer,
    prefixes,
)
from kb.rdf.parallel import export_chunks, parallel_workers
from kb.rdf.terms import Iris
from kb.store.base import Store

__all__ = [
    "FORMATS",
    "QUAD_FORMATS",
    "auto_workers",
    "check_format",
    "export",
    "iter_blocks",
    "make_writer",
    "prefixes",
]


def export(
    store: Store,
    fmt: str,
    out: BinaryIO,
    base: str | None = None,
    workers: int | None = None,
    chunk_records: int = CHUNK_RECORDS,
) -> int:
    """Write the KB to ``out`` in ``fmt``; returns the number of triples (or quads) written.

    ``workers`` processes serialise chunks of the KB in parallel when the store can be
    forked; None means one per core in a process without other threads (see
    :func:`kb.rdf.parallel.parallel_workers`), as many as free memory allows: each worker
    ends up copying most of the store's memory. The output is the same whatever the number
    of workers; ``chunk_records`` (records per chunk) does not change it either.
    """
    check_format(fmt)
    if chunk_records < 1:
        raise ValueError("chunk_records must be at least 1")
    n_workers = parallel_workers(store, workers)
    return export_chunks(store, fmt, out, Iris(base), n_workers, chunk_records)
