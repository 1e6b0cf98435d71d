"""RDF export speed: triples/s for each format, against a plain rdflib Graph serialising the
same triples in the same run.

Sizes: 10^5 and 10^6 entities of the synthetic KB in a MemoryStore (quick: 10^4). The rdflib
baseline takes the first RDFLIB_TRIPLES triples of the same export (rdflib holds a graph in
memory at about 1 KB a triple, so the whole of 10^6 entities would not fit) and reports two
rates: serialising a ready Graph, and building that Graph from the store plus serialising it
(what an rdflib-based exporter does; our figure is end to end too). At 10^6 the rdflib rates
are the 10^5 subset's.
Targets: N-Triples and N-Quads >= 300,000 triples/s and >= 5x rdflib; Turtle and JSON-LD of
10^6 entities in under a minute.
"""

from __future__ import annotations

import io
import os
import resource
import time
from typing import Any, cast

from kb.rdf.export import FORMATS, export
from kb.store.memory import MemoryStore

RDFLIB_TRIPLES = 50_000
RDFLIB_SERIALIZER = {"nt": "nt", "nq": "nquads", "ttl": "turtle", "trig": "trig", "jsonld": "json-ld"}


class CountingSink(io.RawIOBase):
    """A write-only stream that counts bytes (the exporter's cost, not the disk's)."""

    def __init__(self) -> None:
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        n = len(b)
        self.bytes += n
        return n


def _store(n: int) -> MemoryStore:
    try:
        from bench.synthetic import generate
    except ImportError:  # the synthetic generator is another module's job
        raise SystemExit("bench/synthetic.py is missing") from None
    t = time.perf_counter()
    facts = generate(n, 0)
    store = MemoryStore(None)
    store.upsert_many(facts)
    del facts
    s = store.stats()
    print(
        f"\n{n:,} synthetic entities: {s.total_entities:,} entities, {s.total_relations:,} relations, "
        f"{s.sources:,} sources (generated and loaded in {time.perf_counter() - t:.1f}s)",
        flush=True,
    )
    return store


def _rdflib_graphs(store: MemoryStore) -> tuple[dict[str, Any], dict[str, float]]:
    """The first RDFLIB_TRIPLES triples of the export as a plain rdflib Graph (merged) and
    Dataset (named graphs), built by ``Graph.add`` from the same mapping; (graphs, seconds
    per triple spent building each)."""
    from rdflib import Dataset, Graph, Literal, URIRef

    from kb.rdf.export import iter_blocks
    from kb.rdf.terms import Iris

    graphs: dict[str, Any] = {}
    build: dict[str, float] = {}
    for name, quads in (("nt", False), ("nq", True)):
        g: Any = Dataset() if quads else Graph()
        n = 0
        t = time.perf_counter()
        for blocks in iter_blocks(store, Iris(None), quads):
            for gname, s, pairs in blocks:
                target = g.graph(URIRef(gname)) if quads and gname else (g.default_graph if quads else g)
                subj = URIRef(s)
                for p, o, k in pairs:
                    if k is None:
                        obj: Any = URIRef(o)
                    elif k == "":
                        obj = Literal(o)
                    elif k[0] == "@":
                        obj = Literal(o, lang=k[1:])
                    else:
                        obj = Literal(o, datatype=URIRef(k))
                    target.add((subj, URIRef(p), obj))
                n += len(pairs)
            if n >= RDFLIB_TRIPLES:
                break
        build[name] = (time.perf_counter() - t) / n
        graphs[name] = g
    return graphs, build


def _rdflib_rates(store: MemoryStore) -> tuple[dict[str, float], dict[str, float]]:
    """rdflib on the first RDFLIB_TRIPLES triples of the same export: (serialise-only rates,
    end-to-end rates that also count building the Graph from the store, as an rdflib-based
    exporter would)."""
    from rdflib import Dataset

    graphs, build = _rdflib_graphs(store)
    ser_rates: dict[str, float] = {}
    e2e_rates: dict[str, float] = {}
    for fmt, ser in RDFLIB_SERIALIZER.items():
        key = "nq" if fmt in ("nq", "trig") else "nt"
        g = graphs[key]
        n = len(list(g.quads())) if isinstance(g, Dataset) else len(g)
        sink = CountingSink()
        t = time.perf_counter()
        g.serialize(destination=cast(Any, sink), format=ser, encoding="utf-8")
        dt = time.perf_counter() - t
        ser_rates[fmt] = n / dt
        e2e_rates[fmt] = n / (dt + build[key] * n)
        print(
            f"  rdflib {fmt:6} {n:>12,} triples  serialise {ser_rates[fmt]:>10,.0f} triples/s   "
            f"build + serialise {e2e_rates[fmt]:>10,.0f} triples/s",
            flush=True,
        )
    return ser_rates, e2e_rates


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(quick: bool = False) -> None:
    sizes = [10_000] if quick else [100_000, 1_000_000]
    rdflib_rates: dict[str, float] = {}
    rdflib_e2e: dict[str, float] = {}
    for n in sizes:
        store = _store(n)
        ours: dict[str, tuple[int, float, int]] = {}
        for fmt in FORMATS:
            sink = CountingSink()
            t = time.perf_counter()
            count = export(store, fmt, cast(Any, sink))
            dt = time.perf_counter() - t
            ours[fmt] = (count, dt, sink.bytes)
            print(
                f"  policekb {fmt:6} {count:>12,} triples {dt:8.2f}s {count / dt:>12,.0f} triples/s "
                f"{sink.bytes / 1e6:9.1f} MB",
                flush=True,
            )
        if not rdflib_rates or n <= 100_000:
            rdflib_rates, rdflib_e2e = _rdflib_rates(store)
            basis = f"measured on the first {RDFLIB_TRIPLES:,} triples of this export, in this run"
        else:
            basis = "rdflib rates from the 10^5 run's subset"
        print(f"  vs rdflib ({basis}; x = our triples/s over rdflib's serialise-only / build+serialise):")
        for fmt, (count, dt, _) in ours.items():
            ratio = (count / dt) / rdflib_rates[fmt]
            ratio_e2e = (count / dt) / rdflib_e2e[fmt]
            target = ""
            if fmt in ("nt", "nq"):
                ok = count / dt >= 300_000 and ratio >= 5
                target = f"target >= 300,000/s and >= 5x: {'met' if ok else 'NOT met'}"
            elif fmt in ("ttl", "jsonld") and n >= 1_000_000:
                target = f"target < 60 s at 10^6: {'met' if dt < 60 else 'NOT met'}"
            print(f"    {fmt:6} {ratio:6.1f}x / {ratio_e2e:6.1f}x  {target}", flush=True)
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (figures scale with it)", flush=True)
        del store
    print(f"\npeak RSS {_peak_rss_mb():,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
