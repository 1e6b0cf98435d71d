"""Benchmark of the embedded store: load the synthetic KB into a MemoryStore and query it.

For each size N every step runs in a fresh Python process of its own, one after the other, so
peak memory figures do not mix (peaks are VmHWM: getrusage's would carry over the parent's).
A run loads the synthetic KB source by source (upsert_many in batches, then
flush to a snapshot), then times two 2-hop relationship queries through the public store
interface (``edges`` + ``get_many``):

* force -> its officers (SERVES_IN, in) -> the allegations against them (AGAINST, in);
* officer -> allegations against them (AGAINST, in) -> the investigations into those (CONCERNS, in).

Beside the snapshot it writes the same graph (the store's own dicts) with plain ``pickle.dump``
and opens both in fresh processes one after the other: open time and file size as ratios to
pickle's. Then it serves the snapshot with ``policekb serve`` (one worker) and times search,
paths (maxHops 4) and neighbourhood (depth 2) over real HTTP on loopback, p50 and p99.

Wall-clock times suffer when other work shares the machine; the CPU time of the load is
printed beside them, and the load average beside each figure. Run one size by hand with
``python -m bench.bench_memory 100000`` (``--profile`` for a cProfile of the load; ``--keep DIR``
leaves the snapshot for ``python -m bench.bench_api 100000 --snapshot DIR/kb.snapshot``).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    ENTITY_Q,
    ROOT,
    Op,
    Server,
    env,
    latency,
    load_avg,
    operations,
    peak_rss_bytes,
    percentiles,
    pools,
    rss_bytes,
    run_async,
)
from bench.synthetic import iter_generate
from kb.store.memory import MemoryStore
from kb.store.memory_snapshot import no_gc

SIZES = (10_000, 100_000, 1_000_000)
TARGET_SECONDS = 60.0
TARGET_BYTES = 3 * 1024**3
TARGET_P99_MS = 50.0
BATCH = 100
QUERIES = 300
HTTP_REQUESTS = 300
NEIGHBOURHOOD_Q = """query($id: ID!) { neighbourhood(id: $id, depth: 2, limit: 200) { nodes { id type name }
  edges { type source target } } }"""


def _time_queries(run: Callable[[str], int], roots: list[str]) -> tuple[float, float, float]:
    """p50 and p99 latency in ms, and the mean number of entities reached."""
    times: list[float] = []
    reached = 0
    for root in roots:
        t0 = time.perf_counter()
        reached += run(root)
        times.append((time.perf_counter() - t0) * 1000)
    p50, p99 = percentiles(times)
    return p50, p99, reached / max(len(roots), 1)


def query_figures(store: MemoryStore, seed: int = 0) -> dict[str, float]:
    """Time the two 2-hop queries from random roots (forces, then officers)."""
    rng = random.Random(seed)
    forces = [node.id for node in store.iter_nodes("PoliceForce")]
    officers = [e.source for e in store.edges(forces, ["SERVES_IN"], "in")]

    def force_query(fid: str) -> int:
        officer_ids = [e.source for e in store.edges([fid], ["SERVES_IN"], "in")]
        allegation_ids = [e.source for e in store.edges(officer_ids, ["AGAINST"], "in")]
        return len(store.get_many(officer_ids)) + len(store.get_many(allegation_ids))

    def officer_query(oid: str) -> int:
        allegation_ids = [e.source for e in store.edges([oid], ["AGAINST"], "in")]
        investigation_ids = [e.source for e in store.edges(allegation_ids, ["CONCERNS"], "in")]
        return len(store.get_many(allegation_ids)) + len(store.get_many(investigation_ids))

    f50, f99, freach = _time_queries(force_query, [rng.choice(forces) for _ in range(QUERIES)])
    o50, o99, oreach = _time_queries(officer_query, [rng.choice(officers) for _ in range(QUERIES)])
    return {
        "force_p50_ms": f50,
        "force_p99_ms": f99,
        "force_reach": freach,
        "officer_p50_ms": o50,
        "officer_p99_ms": o99,
        "officer_reach": oreach,
    }


def load_figures(n: int, folder: Path, seed: int = 0) -> dict[str, Any]:
    """Load N synthetic entities into a fresh store at ``folder``/kb.snapshot, flush it, query it,
    write the argument pools of the HTTP operations beside it and the pickle reference; the figures."""
    rss_before = rss_bytes()
    path = folder / "kb.snapshot"
    # Generating alone first: interleaved with loading, garbage-collector work that the
    # store's allocations cause can fall inside generator calls, so the store's cost is
    # taken as (generate + load) minus generate alone.
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in iter_generate(n, seed):
        pass
    gen_s, gen_cpu = time.perf_counter() - t0, time.process_time() - c0
    store = MemoryStore(path)
    t0, c0 = time.perf_counter(), time.process_time()
    stream = iter_generate(n, seed)
    while batch := list(itertools.islice(stream, BATCH)):
        store.upsert_many(batch)
    del batch
    peak_upsert = peak_rss_bytes()
    t1 = time.perf_counter()
    store.flush()
    flush_s = time.perf_counter() - t1
    load_s = max(time.perf_counter() - t0 - gen_s, 1e-9)
    load_cpu = max(time.process_time() - c0 - gen_cpu, 0.0)
    peak_flush = peak_rss_bytes()  # the load's own peak (the pickle reference below adds its memo)
    gc.collect()
    rss_loaded = rss_bytes()
    stats = store.stats()
    entities = stats.total_entities + stats.sources
    queries = query_figures(store, seed)
    path.with_suffix(".pools.json").write_text(json.dumps(pools(store, seed)))
    # The reference: the same dicts the snapshot holds, written by plain pickle (memo on).
    with (folder / "kb.pickle").open("wb") as fh, no_gc():
        pickle.dump((store.g.nodes, store.g.succ, store.g.pred, store.g.by_source), fh, protocol=5)
    return {
        "n": n,
        "entities": entities,
        "relations": stats.total_relations,
        "gen_s": gen_s,
        "load_s": load_s,
        "load_cpu_s": load_cpu,
        "flush_s": flush_s,
        "entities_per_s": entities / load_s,
        "snapshot_bytes": path.stat().st_size,
        "rss_before": rss_before,
        "rss_loaded": rss_loaded,
        "peak_upsert": peak_upsert,
        "peak_rss": peak_flush,
        "peak_with_reference": peak_rss_bytes(),
        "load_avg_load": load_avg(),
        **queries,
    }


def measure(n: int, seed: int = 0, keep: Path | None = None) -> dict[str, Any]:
    """The figures of one size. Each step runs in a fresh process of its own, one after the
    other, so that no two copies of the KB are in memory at once and every peak belongs to one
    step: the load (:func:`load_figures`), opening the snapshot as ``policekb serve`` would, the
    reference ``pickle.load``, and the server. ``keep``: a folder to leave the snapshot (and its
    ``kb.pools.json``) in, for ``python -m bench.bench_api N --snapshot``."""
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "kb.snapshot"
        loaded = _run_module(["--load", str(n), str(folder)])
        reopened = _run_module(["--reopen", str(path)])
        if reopened["entities"] != loaded["entities"]:
            raise RuntimeError("the reopened snapshot does not hold what was loaded")
        ref = folder / "kb.pickle"
        ref_bytes = ref.stat().st_size
        pickled = _run_module(["--pickle-load", str(ref)])
        ref.unlink()
        loaded["load_avg_open"] = load_avg()
        http = http_figures(path, json.loads(path.with_suffix(".pools.json").read_text()))
    return {
        **loaded,
        "reopen_s": reopened["reopen_s"],
        "rss_reopened": reopened["rss"],
        "reopen_cpu_s": reopened["cpu_s"],
        "reopen_peak": reopened["peak"],
        "pickle_bytes": ref_bytes,
        "pickle_s": pickled["load_s"],
        "pickle_cpu_s": pickled["cpu_s"],
        "pickle_peak": pickled["peak"],
        "load_avg": load_avg(),
        **http,
    }


def http_figures(snapshot: Path, pools: dict[str, Any]) -> dict[str, float]:
    """Serve ``snapshot`` with ``policekb serve`` (one worker) and time search, paths and
    neighbourhood over loopback HTTP, one request at a time."""
    ops = operations(pools)
    by_name = {op.name: op for op in ops}
    hood = Op("neighbourhood", NEIGHBOURHOOD_Q, lambda r: {"id": r.choice(pools["pairs"])[0]})
    server = Server(snapshot, 1)
    out: dict[str, float] = {}
    try:
        probe = json.dumps({"query": ENTITY_Q, "variables": {"id": pools["busy"][0]}}).encode()
        server.wait(probe)
        out["serve_health_s"] = server.health_s or 0.0
        out["serve_open_s"] = server.open_s or 0.0
        out["serve_graphql_s"] = server.graphql_s if server.graphql_s is not None else float("nan")
        out["serve_early"] = server.early_answer or ""  # type: ignore[assignment]
        # /health answers once the store is open; the search and hub indexes build after it in
        # the background: let that finish (the server's CPU stops growing) before timing.
        server.settle_background()
        out["serve_settled_s"] = time.perf_counter() - server.started
        for i, op in enumerate([by_name["search"], by_name["paths"], hood]):
            p50, p99, errors = run_async(latency(server.port, op, HTTP_REQUESTS, seed=i))
            if errors:
                raise RuntimeError(f"{errors} of {HTTP_REQUESTS} {op.name} requests failed")
            out[f"http_{op.name}_p50_ms"], out[f"http_{op.name}_p99_ms"] = p50, p99
            out[f"load_avg_{op.name}"] = load_avg()
        out["serve_rss"] = server.rss_mb() * 2**20
        out["serve_peak"] = server.peak_mb() * 2**20
    finally:
        server.stop()
    return out


def pickle_load(path: Path) -> dict[str, float]:
    """The reference: ``pickle.load`` of the plain pickle of the same dicts."""
    t0, c0 = time.perf_counter(), time.process_time()
    with path.open("rb") as fh, no_gc():
        loaded = pickle.load(fh)  # noqa: S301 - our own file, written a moment ago
    load_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"load_s": load_s, "cpu_s": cpu_s, "peak": peak_rss_bytes(), "nodes": len(loaded[0])}


def reopen(path: Path) -> dict[str, float]:
    """Open a snapshot; the time it takes, the RSS of the opened store and its entity count."""
    t0, c0 = time.perf_counter(), time.process_time()
    store = MemoryStore(path)
    reopen_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    stats = store.stats()
    return {
        "reopen_s": reopen_s,
        "cpu_s": cpu_s,
        "rss": rss_bytes(),
        "peak": peak_rss_bytes(),
        "entities": stats.total_entities + stats.sources,
    }


def _run_module(args: list[str]) -> dict[str, Any]:
    """Run this module in a fresh interpreter and return the JSON figures it prints."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_memory", *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench_memory child {' '.join(args)} failed:\n{proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _mb(b: float) -> str:
    return f"{b / 1024**2:,.0f} MB"


def report(r: dict[str, float]) -> str:
    ok_time = "ok" if r["load_s"] < TARGET_SECONDS else "OVER TARGET"
    ok_mem = "ok" if r["peak_rss"] < TARGET_BYTES else "OVER TARGET"
    snap_ok = r["snapshot_bytes"] <= r["pickle_bytes"] and r["reopen_s"] <= r["pickle_s"]
    ok_snap = "ok: no bigger, no slower" if snap_ok else "OVER TARGET: bigger or slower than pickle"
    return "\n".join(
        [
            f"N = {int(r['n']):,}: {int(r['entities']):,} entities, {int(r['relations']):,} relations",
            f"  load     {r['load_s']:.1f} s ({r['entities_per_s']:,.0f} entities/s; flush {r['flush_s']:.1f} s)"
            f" [{ok_time} < {TARGET_SECONDS:.0f} s]; CPU {r['load_cpu_s']:.1f} s (generating alone {r['gen_s']:.1f} s)",
            f"  memory   peak RSS {_mb(r['peak_rss'])} [{ok_mem} < {_mb(TARGET_BYTES)}]"
            f" (before flush {_mb(r['peak_upsert'])}; with the reference pickle.dump after it"
            f" {_mb(r['peak_with_reference'])}); after load {_mb(r['rss_loaded'])}"
            f" (interpreter alone {_mb(r['rss_before'])})",
            f"  snapshot {_mb(r['snapshot_bytes'])}; reopening it took {r['reopen_s']:.1f} s"
            f" (CPU {r['reopen_cpu_s']:.1f} s) in a fresh process (RSS then {_mb(r['rss_reopened'])},"
            f" peak {_mb(r['reopen_peak'])})",
            f"  reference: plain pickle of the same dicts {_mb(r['pickle_bytes'])}, pickle.load"
            f" {r['pickle_s']:.1f} s (CPU {r['pickle_cpu_s']:.1f} s, peak {_mb(r['pickle_peak'])});"
            f" snapshot/pickle: size {r['snapshot_bytes'] / r['pickle_bytes']:.2f}x,"
            f" open {r['reopen_s'] / r['pickle_s']:.2f}x (CPU {r['reopen_cpu_s'] / r['pickle_cpu_s']:.2f}x)"
            f" [{ok_snap}]",
            f"  2-hop force -> officers -> allegations:  p50 {r['force_p50_ms']:.2f} ms,"
            f" p99 {r['force_p99_ms']:.2f} ms ({r['force_reach']:,.0f} entities per query)",
            f"  2-hop officer -> allegations -> investigations: p50 {r['officer_p50_ms']:.3f} ms,"
            f" p99 {r['officer_p99_ms']:.3f} ms ({r['officer_reach']:,.1f} entities per query)",
            f"  policekb serve (1 worker), seconds after launch: /health answers {r['serve_health_s']:.1f},"
            f" store open (/health 200) {r['serve_open_s']:.1f}, an entity query sent at once answered"
            f" {r['serve_graphql_s']:.1f}, background indexes done by {r['serve_settled_s']:.0f};"
            f" RSS {_mb(r['serve_rss'])}, peak {_mb(r['serve_peak'])}"
            + (f"; before that the query got {r['serve_early']}" if r["serve_early"] else ""),
            "  over HTTP:"
            + "".join(
                f" {name} p50 {r[f'http_{name}_p50_ms']:.1f} ms p99 {r[f'http_{name}_p99_ms']:.1f} ms"
                f" [{'ok' if r[f'http_{name}_p99_ms'] < TARGET_P99_MS else 'OVER TARGET'} < {TARGET_P99_MS:.0f} ms]"
                f" (load {r[f'load_avg_{name}']:.1f});"
                for name in ("search", "paths", "neighbourhood")
            ),
            f"  load average (1 min) after loading {r['load_avg_load']:.1f}, after the open/pickle.load"
            f" children {r['load_avg_open']:.1f}, at the end {r['load_avg']:.1f}",
        ]
    )


def main(quick: bool = False) -> None:
    """Print load speed, memory, snapshot size and 2-hop query latency for each size."""
    print("MemoryStore: load the synthetic KB, flush a snapshot, 2-hop queries (one process per step)")
    for n in SIZES[:1] if quick else SIZES:
        print(report(measure(n)), flush=True)


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", help="measure one size")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    parser.add_argument("--profile", action="store_true", help="cProfile the load of N; top functions to stderr")
    parser.add_argument("--keep", type=Path, help="leave the snapshot (and kb.pools.json) in this folder")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--load", nargs=2, metavar=("N", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--reopen", type=Path, help="only open this snapshot (used for a fresh-process figure)")
    parser.add_argument("--pickle-load", type=Path, help="only pickle.load this file (the reference)")
    args = parser.parse_args()
    if args.pickle_load is not None:
        print(json.dumps(pickle_load(args.pickle_load)))
        return
    if args.reopen is not None:
        print(json.dumps(reopen(args.reopen)))
        return
    if args.load is not None:
        print(json.dumps(load_figures(int(args.load[0]), Path(args.load[1]))))
        return
    if args.n is None:
        main(quick=args.quick)
        return
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
            figures = prof.runcall(load_figures, args.n, Path(tmp))
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        print(json.dumps(figures))
        return
    result = measure(args.n, keep=args.keep)
    print(json.dumps(result) if args.json else report(result))


if __name__ == "__main__":
    _cli()
