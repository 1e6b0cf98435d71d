"""RDF export and SPARQL speed, each beside its reference in the same run.

Export: triples/s for each format, single-process (workers=1) and with the default worker
processes (one per core, see kb.rdf.chunks.auto_workers), beside pyoxigraph and rdflib
writing the same triples, format by format in the same minute. Single-process rates are per
CPU-second of this process (time.process_time): the machine's cores are shared, and
wall-clock rates there measure the other processes as much as ours. What is timed, and so
which figures compare like with like:

- exporters, from the store to the document (what ``policekb export`` does):
  ``policekb`` (ours); ``ox from blocks``: our mapping to blocks, pyoxigraph Quad / Triple
  objects built from them and pyoxigraph.serialize writing them, streaming (what handing the
  writing to pyoxigraph would cost); ``ox via nt``: our N-Triples / N-Quads export, parsed
  and re-serialised by pyoxigraph (the other way to use its serialiser), both steps timed;
  the two pyoxigraph exporters write the KB's first OX_TRIPLES triples, ours the whole KB;
- serialisers alone, the same first OX_TRIPLES triples already in memory: ``ox serialise``
  (pyoxigraph.serialize over pyoxigraph objects: Rust's own writing speed) and ``our
  writer`` (our writer over the mapped blocks);
- ``map only``: reading the store and mapping it to blocks, writing nothing: the floor of
  any exporter in Python, ours included;
- rdflib: a Graph of the first RDFLIB_TRIPLES triples, serialised (and built + serialised).

SPARQL: the time to build the endpoint's pyoxigraph store from the KB, then each query of
the README (and a few more) answered by the pyoxigraph store (as the endpoint's worker runs
it, JSON results written) beside rdflib's Dataset over the same N-Quads (the old endpoint),
at a size the old endpoint served (RDFLIB_SPARQL_MAX entities, run first).

Sizes: 10^5 and 10^6 entities of the synthetic KB (quick: 10^4). Each line carries the
1-minute load average; on a shared machine the ratios are the steadier figures.

    python -m bench.bench_rdf                 # 10^5 and 10^6
    python -m bench.bench_rdf 100000          # one size (or several)
    BENCH_RDF_WORKERS=1,2 BENCH_RDF_FORMATS=nt,ttl python -m bench.bench_rdf 100000
    BENCH_RDF_SPARQL=0 python -m bench.bench_rdf   # exports only
"""

from __future__ import annotations

import gc
import io
import json
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from kb.rdf.blocks import Block
from kb.rdf.chunks import prefixes
from kb.rdf.export import FORMATS, auto_workers, export, iter_blocks, make_writer
from kb.rdf.parallel import parallel_workers
from kb.rdf.sparql_results import write_select
from kb.rdf.sparql_store import SparqlData
from kb.rdf.terms import Iris
from kb.store.memory import MemoryStore

RDFLIB_TRIPLES = 50_000
OX_TRIPLES = 1_000_000
# rdflib's Dataset holds about 1 KB a triple: the old endpoint refused KBs above 3M triples
# (about 10^5 entities), so it is compared at a size it served
RDFLIB_SPARQL_MAX = 10_000
RDFLIB_QUERY_LIMIT = 120.0  # seconds an rdflib query may run (in a forked child) before it is stopped
RDFLIB_SERIALIZER = {"nt": "nt", "nq": "nquads", "ttl": "turtle", "trig": "trig", "jsonld": "json-ld"}
OX_FORMAT = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
QUADS = ("nq", "trig")
README = Path(__file__).resolve().parent.parent / "README.md"
EXTRA_QUERIES = {
    "count by class": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)",
    "officers of a force": "PREFIX pkb: <https://w3id.org/policing-kb/ontology#> "
    "PREFIX schema: <https://schema.org/> SELECT ?name WHERE { ?o pkb:servesIn "
    "<https://w3id.org/policing-kb/id/force/kent> ; schema:name ?name } ORDER BY ?name LIMIT 100",
    "names containing": "PREFIX schema: <https://schema.org/> SELECT ?s ?n WHERE { ?s schema:name ?n "
    'FILTER(CONTAINS(LCASE(?n), "misconduct")) } LIMIT 50',
}


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


def _load() -> str:
    return f"load {os.getloadavg()[0]:4.1f}"


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


def _term(o: str, k: str | None) -> Any:
    if k is None:
        return ox.NamedNode(o)
    if k == "":
        return ox.Literal(o)
    if k[0] == "@":
        return ox.Literal(o, language=k[1:])
    return ox.Literal(o, datatype=ox.NamedNode(k))


def _ox_stream(store: MemoryStore, quads: bool, limit: int) -> Iterator[Any]:
    """The export's first ``limit`` triples (quads) as pyoxigraph objects, built from our blocks."""
    n = 0
    for blocks in iter_blocks(store, Iris(None), quads):
        for g, s, pairs in blocks:
            subj = ox.NamedNode(s)
            graph = ox.NamedNode(g) if g else ox.DefaultGraph()
            for p, o, k in pairs:
                obj = _term(o, k)
                yield ox.Quad(subj, ox.NamedNode(p), obj, graph) if quads else ox.Triple(subj, ox.NamedNode(p), obj)
            n += len(pairs)
        if n >= limit:
            return


def _first_blocks(store: MemoryStore, quads: bool, limit: int) -> list[list[Block]]:
    """The export's first record lists holding ``limit`` triples (the same as _ox_stream's)."""
    out: list[list[Block]] = []
    n = 0
    for blocks in iter_blocks(store, Iris(None), quads):
        out.append(blocks)
        n += sum(len(pairs) for _, _, pairs in blocks)
        if n >= limit:
            break
    return out


def _cpu_rate(count: int, run: Callable[[], object]) -> float:
    """``count`` over the CPU seconds of this process that ``run`` takes (the collector kept off:
    the objects held in memory for the serialiser-only figures would make it scan them)."""
    gc.disable()
    try:
        t = time.process_time()
        run()
        return count / max(time.process_time() - t, 1e-9)
    finally:
        gc.enable()


def _map_only(store: MemoryStore) -> float:
    t = time.process_time()
    n = sum(len(pairs) for blocks in iter_blocks(store, Iris(None), False) for _, _, pairs in blocks)
    return n / (time.process_time() - t)


def _ox_prefixes(fmt: str) -> dict[str, str] | None:
    return prefixes(Iris(None)) if fmt in ("ttl", "trig") else None


def _serialisers(store: MemoryStore, fmt: str) -> tuple[float, float, int]:
    """(ox serialise, our writer, triples): each over the same first OX_TRIPLES triples, in memory."""
    quads = fmt in QUADS
    objects = list(_ox_stream(store, quads, OX_TRIPLES))
    blocks = _first_blocks(store, quads, OX_TRIPLES)

    def ours() -> None:
        w = make_writer(fmt, cast(Any, CountingSink()), Iris(None))
        for bl in blocks:
            w.write(bl)
        w.close()

    def theirs() -> None:
        ox.serialize(objects, cast(Any, CountingSink()), OX_FORMAT[fmt], prefixes=_ox_prefixes(fmt))

    n = len(objects)
    return max(_cpu_rate(n, theirs) for _ in range(2)), max(_cpu_rate(n, ours) for _ in range(2)), n


def _ox_from_blocks(store: MemoryStore, fmt: str) -> float:
    """pyoxigraph writing ``fmt`` from objects built from our blocks, streaming (first OX_TRIPLES)."""
    quads = fmt in QUADS
    count = sum(1 for _ in _ox_stream(store, quads, OX_TRIPLES))
    stream = _ox_stream(store, quads, OX_TRIPLES)
    t = time.process_time()
    ox.serialize(stream, cast(Any, CountingSink()), OX_FORMAT[fmt], prefixes=_ox_prefixes(fmt))
    return count / (time.process_time() - t)


def _ox_via_nt(store: MemoryStore, fmt: str) -> float:
    """Our N-Triples / N-Quads export of the first OX_TRIPLES triples, then pyoxigraph parsing it
    and writing ``fmt``, streaming: both steps timed."""
    quads = fmt in QUADS
    buf = io.BytesIO()
    t = time.process_time()
    w = make_writer("nq" if quads else "nt", buf, Iris(None))
    for blocks in iter_blocks(store, Iris(None), quads):
        w.write(blocks)
        if w.count >= OX_TRIPLES:
            break
    count = w.close()
    src = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    ox.serialize(ox.parse(buf.getvalue(), src), cast(Any, CountingSink()), OX_FORMAT[fmt], prefixes=_ox_prefixes(fmt))
    return count / (time.process_time() - t)


def _rdflib_graphs(store: MemoryStore) -> tuple[dict[str, Any], dict[str, float]]:
    """The first RDFLIB_TRIPLES triples of the export as an rdflib Graph (merged) and Dataset
    (named graphs), built by ``Graph.add``; (graphs, CPU seconds per triple spent building each)."""
    from rdflib import Dataset, Graph, Literal, URIRef

    graphs: dict[str, Any] = {}
    build: dict[str, float] = {}
    for name, quads in (("nt", False), ("nq", True)):
        g: Any = Dataset() if quads else Graph()
        n = 0
        t = time.process_time()
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
        build[name] = (time.process_time() - t) / n
        graphs[name] = g
    return graphs, build


def _rdflib_rate(graphs: dict[str, Any], build: dict[str, float], fmt: str) -> tuple[float, float]:
    from rdflib import Dataset

    key = "nq" if fmt in QUADS else "nt"
    g = graphs[key]
    n = len(list(g.quads())) if isinstance(g, Dataset) else len(g)
    sink = CountingSink()
    t = time.process_time()
    g.serialize(destination=cast(Any, sink), format=RDFLIB_SERIALIZER[fmt], encoding="utf-8")
    dt = time.process_time() - t
    return n / dt, n / (dt + build[key] * n)


def _peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    return [x.strip() for x in raw.split(",") if x.strip()] if raw else default


def _worker_settings(store: MemoryStore) -> list[tuple[int, int]]:
    asked = [int(w) for w in _env_list("BENCH_RDF_WORKERS", ["1", str(auto_workers())])]
    return [(w, parallel_workers(store, w)) for w in dict.fromkeys(asked)]


def _ours(store: MemoryStore, fmt: str, workers: int, reps: int) -> tuple[int, float, float, float, int]:
    """(triples, rate per CPU-s of this process, wall rate, rate per CPU-s of all processes,
    bytes), of the run with the best first rate out of ``reps``."""
    best: tuple[int, float, float, float, int] | None = None
    for _ in range(reps):
        sink = CountingSink()
        c0 = os.times()
        t = time.perf_counter()
        got = export(store, fmt, cast(Any, sink), workers=workers)
        wall = time.perf_counter() - t
        c1 = os.times()
        own = (c1.user - c0.user) + (c1.system - c0.system)
        kids = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
        run = (got, got / max(own, 1e-9), got / wall, got / max(own + kids, 1e-9), sink.bytes)
        if best is None or run[1] > best[1]:
            best = run
    assert best is not None
    return best


def bench_exports(store: MemoryStore, n: int) -> list[str]:
    formats = _env_list("BENCH_RDF_FORMATS", list(FORMATS))
    settings = _worker_settings(store)
    floor = _map_only(store)
    print(f"  map only (read the store, map to blocks, write nothing): {floor:,.0f} triples/s  {_load()}", flush=True)
    graphs, build = _rdflib_graphs(store)
    reps = 2 if n < 1_000_000 else 1
    verdicts: list[str] = []
    for fmt in formats:
        ox_ser, our_writer, in_memory = _serialisers(store, fmt)
        ox_blocks = _ox_from_blocks(store, fmt)
        ox_nt = _ox_via_nt(store, fmt)
        rd_ser, rd_e2e = _rdflib_rate(graphs, build, fmt)
        print(
            f"  {fmt:6} exporters from the store: ox from blocks {ox_blocks:>9,.0f}/s   ox via nt {ox_nt:>9,.0f}/s   "
            f"rdflib build + serialise {rd_e2e:>7,.0f}/s  {_load()}\n"
            f"  {fmt:6} serialisers alone, first {in_memory:,} triples in memory: ox serialise {ox_ser:>10,.0f}/s  "
            f"our writer {our_writer:>10,.0f}/s ({our_writer / ox_ser:4.2f}x)   rdflib serialise {rd_ser:>8,.0f}/s",
            flush=True,
        )
        ox_best = max(ox_blocks, ox_nt)
        sizes_out: set[int] = set()
        for _asked, used in settings:
            got, cpu_rate, wall_rate, all_rate, size = _ours(store, fmt, used, reps)
            sizes_out.add(size)
            if used == 1:
                print(
                    f"  {fmt:6} policekb 1 proc {got:>12,} triples {cpu_rate:>10,.0f}/s   "
                    f"{cpu_rate / ox_best:4.2f}x the best pyoxigraph exporter   "
                    f"{cpu_rate / ox_ser:4.2f}x ox serialise alone   {cpu_rate / rd_e2e:6.1f}x rdflib   "
                    f"{size / 1e6:8.1f} MB  (wall {wall_rate:,.0f}/s)  {_load()}",
                    flush=True,
                )
                if fmt in ("ttl", "trig"):
                    verdicts.append(
                        f"{fmt}: from the store {cpu_rate / ox_best:.2f}x the best pyoxigraph-based exporter "
                        f"({cpu_rate:,.0f} vs {ox_best:,.0f} triples/CPU-s); writer alone {our_writer / ox_ser:.2f}x "
                        f"pyoxigraph's serialiser alone; map-only floor {floor / ox_ser:.2f}x that serialiser"
                    )
            else:
                print(
                    f"  {fmt:6} policekb {used} proc {got:>12,} triples wall {wall_rate:>10,.0f}/s   "
                    f"per CPU-s of all processes {all_rate:>10,.0f}/s   {size / 1e6:8.1f} MB  {_load()}",
                    flush=True,
                )
        if len(sizes_out) > 1:
            print(f"  !! {fmt}: output sizes differ between worker settings", flush=True)
    return verdicts


def _readme_queries() -> dict[str, str]:
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    blocks = [b.split("```", 1)[0] for b in text.split("```sparql\n")[1:]]
    return {**{f"README {i + 1}": q for i, q in enumerate(blocks)}, **EXTRA_QUERIES}


def _ox_query(ox_store: Any, q: str) -> tuple[float, float, int]:
    """(wall s, CPU s, rows) of one query with its JSON results written, as the worker does."""
    c = time.process_time()
    t = time.perf_counter()
    res = ox_store.query(q)
    body, _ = write_select(res, "json", 10_000)
    rows = len(json.loads(body)["results"]["bindings"]) if body[:1] == b"{" else 0
    return time.perf_counter() - t, time.process_time() - c, rows


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _rdflib_query(ds: Any, q: str) -> float | None:
    """rdflib's time for ``q`` (JSON results written), or None past RDFLIB_QUERY_LIMIT: it runs in a
    forked child (sharing the Dataset), which is killed then, as the old endpoint never could."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: time the query, report, leave
        try:
            os.close(r)
            t = time.perf_counter()
            out = io.BytesIO()
            ds.query(q).serialize(out, format="json")
            os.write(w, f"{time.perf_counter() - t}".encode())
        finally:
            os._exit(0)
    os.close(w)
    deadline = time.monotonic() + RDFLIB_QUERY_LIMIT
    try:
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                text = os.read(r, 64).decode()
                return float(text) if text else None
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    finally:
        os.close(r)


def bench_sparql(store: MemoryStore, n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as home:
        data = SparqlData(store, home=Path(home))
        c = _cpu()
        t = time.perf_counter()
        path = data.build(data.wanted_key())
        dt = time.perf_counter() - t
        cpu = _cpu() - c
        made = json.loads((path / "fingerprint.json").read_text())
        quads = int(made["quads"])
        print(
            f"  sparql store: {quads:,} quads exported, bulk-loaded and compacted in {dt:.1f}s "
            f"({quads / dt:,.0f}/s; compacting {made.get('compact_seconds', 0):.1f}s), CPU {cpu:.1f}s  {_load()}",
            flush=True,
        )
        ox_store = ox.Store.read_only(str(path))
        ds = None
        if n <= RDFLIB_SPARQL_MAX:
            from rdflib import Dataset

            buf = io.BytesIO()
            export(store, "nq", buf, workers=1)
            t = time.perf_counter()
            ds = Dataset(default_union=True)
            ds.parse(data=buf.getvalue(), format="nquads")
            print(f"  rdflib Dataset (old endpoint): parsed in {time.perf_counter() - t:.1f}s  {_load()}")
        for name, q in _readme_queries().items():
            runs = [_ox_query(ox_store, q) for _ in range(3 if n < 1_000_000 else 1)]
            ox_times = [r[0] for r in runs]
            line = (
                f"  {name:22} pyoxigraph {statistics.median(ox_times) * 1000:9.1f} ms "
                f"(CPU {statistics.median(r[1] for r in runs) * 1000:8.1f} ms, {runs[0][2]:>6,} rows)"
            )
            if ds is not None:
                rd = _rdflib_query(ds, q)
                ox_t = statistics.median(ox_times)
                if rd is None:
                    limit = RDFLIB_QUERY_LIMIT
                    line += f"   rdflib > {limit * 1000:8.0f} ms   (> {limit / ox_t:6.1f}x faster)"
                else:
                    line += f"   rdflib {rd * 1000:10.1f} ms   ({rd / ox_t:6.1f}x faster)"
            print(line + f"  {_load()}", flush=True)
        del ox_store, ds


def main(quick: bool = False, sizes: list[int] | None = None) -> None:
    if sizes is None:
        sizes = [10_000] if quick else [100_000, 1_000_000]
    print(f"{os.cpu_count()} CPUs; wall-clock figures with the 1-minute load average at each", flush=True)
    sparql = os.environ.get("BENCH_RDF_SPARQL", "1") != "0"
    if sparql and not quick and min(sizes) > RDFLIB_SPARQL_MAX:
        print(f"\nSPARQL beside the old rdflib endpoint, at {RDFLIB_SPARQL_MAX:,} entities", flush=True)
        store = _store(RDFLIB_SPARQL_MAX)
        bench_sparql(store, RDFLIB_SPARQL_MAX)
        del store
    for n in sizes:
        store = _store(n)
        verdicts = bench_exports(store, n)
        print("  (x = our triples/s over the reference's, measured just before)")
        for v in verdicts:
            print(f"  turtle/trig: {v}", flush=True)
        if sparql:
            bench_sparql(store, n)
        del store
    own, worker = _peak_rss_mb()
    print(f"\npeak RSS {own:,.0f} MB; largest export worker {worker:,.0f} MB (shared pages included)", flush=True)


if __name__ == "__main__":
    main(sizes=[int(a) for a in sys.argv[1:]] or None)
