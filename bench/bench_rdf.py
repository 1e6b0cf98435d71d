"""RDF export speed: triples/s for each format, against a plain rdflib Graph serialising the
same triples in the same run.

Sizes: 10^5 and 10^6 entities of the synthetic KB in a MemoryStore (quick: 10^4). Each format
is exported single-process (workers=1) and with the default worker processes (one per core,
see kb.rdf.export.auto_workers), and the bench says how many processes each figure used;
the outputs are byte-identical. The rdflib baseline takes the first RDFLIB_TRIPLES triples
of the same export (rdflib holds a graph in memory at about 1 KB a triple, so the whole of
10^6 entities would not fit) and reports two rates: serialising a ready Graph, and building
that Graph from the store plus serialising it (what an rdflib-based exporter does; our
figure is end to end too). rdflib serialises each format just before our exports of it, so
the two are measured in the same minute.
Targets: N-Triples and N-Quads >= 300,000 triples/s and >= 5x rdflib; Turtle and JSON-LD of
10^6 entities in under a minute (judged for each worker setting).

The machine may be shared: each line carries the 1-minute load average when it was measured
and the CPU seconds of the parent and of the workers; the ratios against rdflib, measured
in the same run, are the steadier figures. Workers only pay when cores are idle: with
another job on one of two cores, two processes share the one core left.

    python -m bench.bench_rdf                 # 10^5 and 10^6
    python -m bench.bench_rdf 100000          # one size (or several)
    BENCH_RDF_WORKERS=1,2 BENCH_RDF_FORMATS=nt,ttl python -m bench.bench_rdf 100000
"""

from __future__ import annotations

import io
import os
import resource
import sys
import time
from typing import Any, cast

from kb.rdf.export import FORMATS, auto_workers, export
from kb.rdf.parallel import parallel_workers
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


def _rdflib_rate(graphs: dict[str, Any], build: dict[str, float], fmt: str) -> tuple[float, float]:
    """rdflib serialising the first RDFLIB_TRIPLES triples of the export in ``fmt``: (the
    serialise-only rate, the rate that also counts building the Graph from the store, as an
    rdflib-based exporter would)."""
    from rdflib import Dataset

    key = "nq" if fmt in ("nq", "trig") else "nt"
    g = graphs[key]
    n = len(list(g.quads())) if isinstance(g, Dataset) else len(g)
    sink = CountingSink()
    t = time.perf_counter()
    g.serialize(destination=cast(Any, sink), format=RDFLIB_SERIALIZER[fmt], encoding="utf-8")
    dt = time.perf_counter() - t
    ser, e2e = n / dt, n / (dt + build[key] * n)
    print(
        f"  rdflib   {fmt:6}        {n:>12,} triples          serialise {ser:>10,.0f} triples/s   "
        f"build + serialise {e2e:>10,.0f} triples/s  {_load()}",
        flush=True,
    )
    return ser, e2e


def _peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of the largest finished worker (MB).

    A worker's figure counts the store pages it shares with the parent (copy-on-write) too.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    return [x.strip() for x in raw.split(",") if x.strip()] if raw else default


def _worker_settings(store: MemoryStore) -> list[tuple[int, int]]:
    """(workers asked for, processes the export will use) for each configuration measured."""
    asked = [int(w) for w in _env_list("BENCH_RDF_WORKERS", ["1", str(auto_workers())])]
    return [(w, parallel_workers(store, w)) for w in dict.fromkeys(asked)]


def _load() -> str:
    return f"load {os.getloadavg()[0]:4.1f}"


def main(quick: bool = False, sizes: list[int] | None = None) -> None:
    if sizes is None:
        sizes = [10_000] if quick else [100_000, 1_000_000]
    formats = _env_list("BENCH_RDF_FORMATS", list(FORMATS))
    print(
        f"{os.cpu_count()} CPUs; wall-clock figures with the 1-minute load average at each; rdflib is measured "
        f"on the first {RDFLIB_TRIPLES:,} triples of the same export, just before ours, format by format",
        flush=True,
    )
    for n in sizes:
        store = _store(n)
        settings = _worker_settings(store)
        graphs, build = _rdflib_graphs(store)
        verdicts: list[str] = []
        for fmt in formats:
            rdflib_ser, rdflib_e2e = _rdflib_rate(graphs, build, fmt)
            sizes_out: set[int] = set()
            for asked, used in settings:
                sink = CountingSink()
                c0 = os.times()
                t = time.perf_counter()
                count = export(store, fmt, cast(Any, sink), workers=asked)
                dt = time.perf_counter() - t
                c1 = os.times()
                sizes_out.add(sink.bytes)
                # CPU seconds of this process and of the (reaped) workers: steadier than wall
                # time on a shared machine, and they show what parallelism costs
                cpu = (c1.user - c0.user) + (c1.system - c0.system)
                cpu_w = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
                rate = count / dt
                print(
                    f"  policekb {fmt:6} {used} proc {count:>12,} triples {dt:8.2f}s {rate:>10,.0f} triples/s  "
                    f"{rate / rdflib_ser:5.1f}x / {rate / rdflib_e2e:5.1f}x rdflib  {sink.bytes / 1e6:8.1f} MB  "
                    f"cpu {cpu:5.1f}s + workers {cpu_w:5.1f}s  {_load()}",
                    flush=True,
                )
                if fmt in ("nt", "nq"):
                    ok = rate >= 300_000 and rate / rdflib_ser >= 5
                    verdicts.append(f"{fmt} {used} proc: >= 300,000/s and >= 5x rdflib: {'met' if ok else 'NOT met'}")
                elif fmt in ("ttl", "jsonld") and n >= 1_000_000:
                    verdicts.append(f"{fmt} {used} proc: < 60 s at 10^6: {'met' if dt < 60 else 'NOT met'}")
            if len(sizes_out) > 1:
                print(f"  !! {fmt}: output sizes differ between worker settings", flush=True)
        print("  (x = our triples/s over rdflib's serialise-only / build+serialise rates)")
        for v in verdicts:
            print(f"  target {v}", flush=True)
        del store, graphs
    own, worker = _peak_rss_mb()
    print(f"\npeak RSS {own:,.0f} MB; largest export worker {worker:,.0f} MB (shared pages included)", flush=True)


if __name__ == "__main__":
    main(sizes=[int(a) for a in sys.argv[1:]] or None)
