"""Benchmark of the embedded store: load the synthetic KB into a MemoryStore and query it.

For each size N the measurement runs in a fresh Python process, so peak memory figures
do not mix. A run loads the synthetic KB source by source (upsert_many in batches, then
flush to a snapshot), then times two 2-hop relationship queries through the public store
interface (``edges`` + ``get_many``):

* force -> its officers (SERVES_IN, in) -> the allegations against them (AGAINST, in);
* officer -> allegations against them (AGAINST, in) -> the investigations into those (CONCERNS, in).

Beside the snapshot it writes the same graph (the store's own dicts) with plain ``pickle.dump``
and opens both in fresh processes one after the other: open time and file size as ratios to
pickle's. Then it serves the snapshot with ``policekb serve`` (one worker) and times search,
paths (maxHops 4) and neighbourhood (depth 2) over real HTTP on loopback, p50 and p99.

Wall-clock times suffer when other work shares the machine; the CPU time of the load is
printed beside them. Run one size by hand with ``python -m bench.bench_memory 100000`` (add ``--profile`` for a
cProfile of the load).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import pickle
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import bench_api
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


def _rss_bytes() -> int:
    """Current resident set size (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux
    try:
        # the kernel updates ru_maxrss lazily: the resident size now can be a few pages above it
        with open("/proc/self/statm") as fh:
            return max(peak, int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except OSError:
        return peak


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _time_queries(run: Callable[[str], int], roots: list[str]) -> tuple[float, float, float]:
    """p50 and p99 latency in ms, and the mean number of entities reached."""
    times: list[float] = []
    reached = 0
    for root in roots:
        t0 = time.perf_counter()
        reached += run(root)
        times.append((time.perf_counter() - t0) * 1000)
    p50, p99 = _percentiles(times)
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


def measure(n: int, seed: int = 0) -> dict[str, float]:
    """Load N synthetic entities into a fresh store, flush it, query it; return the figures."""
    rss_before = _rss_bytes()
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        path = Path(tmp) / "kb.snapshot"
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
        peak_upsert = _peak_rss_bytes()
        t1 = time.perf_counter()
        store.flush()
        flush_s = time.perf_counter() - t1
        load_s = max(time.perf_counter() - t0 - gen_s, 1e-9)
        load_cpu = max(time.process_time() - c0 - gen_cpu, 0.0)
        gc.collect()
        rss_loaded = _rss_bytes()
        stats = store.stats()
        entities = stats.total_entities + stats.sources
        snapshot = path.stat().st_size

        queries = query_figures(store, seed)
        pools = bench_api.pools(store, seed)
        # The reference: the same dicts the snapshot holds, written by plain pickle (memo on).
        ref = Path(tmp) / "kb.pickle"
        with ref.open("wb") as fh, no_gc():
            pickle.dump((store.g.nodes, store.g.succ, store.g.pred, store.g.by_source), fh, protocol=5)
        peak_load = _peak_rss_bytes()
        del store
        gc.collect()
        # Open the snapshot in a fresh process, as `policekb serve` would: memory the loading
        # process freed but kept would otherwise blur what the opened store needs.
        reopened = _run_module(["--reopen", str(path)])
        if reopened["entities"] != entities:
            raise RuntimeError("the reopened snapshot does not hold what was loaded")
        ref_bytes = ref.stat().st_size
        pickled = _run_module(["--pickle-load", str(ref)])
        http = http_figures(path, pools)
    return {
        "n": n,
        "entities": entities,
        "relations": stats.total_relations,
        "gen_s": gen_s,
        "load_s": load_s,
        "load_cpu_s": load_cpu,
        "flush_s": flush_s,
        "reopen_s": reopened["reopen_s"],
        "entities_per_s": entities / load_s,
        "snapshot_bytes": snapshot,
        "rss_before": rss_before,
        "rss_loaded": rss_loaded,
        "peak_upsert": peak_upsert,
        "peak_rss": peak_load,
        "rss_reopened": reopened["rss"],
        "reopen_cpu_s": reopened["cpu_s"],
        "reopen_peak": reopened["peak"],
        "pickle_bytes": ref_bytes,
        "pickle_s": pickled["load_s"],
        "pickle_cpu_s": pickled["cpu_s"],
        "pickle_peak": pickled["peak"],
        "load_avg": os.getloadavg()[0],
        **queries,
        **http,
    }


def http_figures(snapshot: Path, pools: dict[str, Any]) -> dict[str, float]:
    """Serve ``snapshot`` with ``policekb serve`` (one worker) and time search, paths and
    neighbourhood over loopback HTTP, one request at a time."""
    ops = bench_api.operations(pools)
    by_name = {op.name: op for op in ops}
    hood = bench_api.Op("neighbourhood", NEIGHBOURHOOD_Q, lambda r: {"id": r.choice(pools["pairs"])[0]})
    server = bench_api.Server(snapshot, 1)
    out: dict[str, float] = {}
    try:
        out["serve_start_s"] = server.wait()
        # /health answers once the store is open; the search and hub indexes build after it in
        # the background: let that finish (the server's CPU stops growing) before timing.
        last = -1.0
        while (now := server.cpu_seconds()) - last > 0.05:
            last = now
            time.sleep(1.0)
        for i, op in enumerate([by_name["search"], by_name["paths"], hood]):
            # in a thread of its own: the caller may already run an event loop (pytest with Playwright)
            with ThreadPoolExecutor(1) as pool:
                run = pool.submit(asyncio.run, bench_api._latency(server.port, op, HTTP_REQUESTS, seed=i))
                p50, p99, errors = run.result()
            if errors:
                raise RuntimeError(f"{errors} of {HTTP_REQUESTS} {op.name} requests failed")
            out[f"http_{op.name}_p50_ms"], out[f"http_{op.name}_p99_ms"] = p50, p99
        out["serve_rss"] = server.rss_mb() * 2**20
    finally:
        server.stop()
    return out


def pickle_load(path: Path) -> dict[str, float]:
    """The reference: ``pickle.load`` of the plain pickle of the same dicts."""
    t0, c0 = time.perf_counter(), time.process_time()
    with path.open("rb") as fh, no_gc():
        loaded = pickle.load(fh)  # noqa: S301 - our own file, written a moment ago
    load_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"load_s": load_s, "cpu_s": cpu_s, "peak": _peak_rss_bytes(), "nodes": len(loaded[0])}


def reopen(path: Path) -> dict[str, float]:
    """Open a snapshot; the time it takes, the RSS of the opened store and its entity count."""
    t0, c0 = time.perf_counter(), time.process_time()
    store = MemoryStore(path)
    reopen_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    stats = store.stats()
    return {
        "reopen_s": reopen_s,
        "cpu_s": cpu_s,
        "rss": _rss_bytes(),
        "peak": _peak_rss_bytes(),
        "entities": stats.total_entities + stats.sources,
    }


def _run_child(n: int) -> dict[str, float]:
    """Measure one size in a fresh interpreter so that peak RSS belongs to that size alone."""
    return _run_module([str(n)])


def _run_module(args: list[str]) -> dict[str, float]:
    """Run this module in a fresh interpreter and return the JSON figures it prints."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_memory", *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench_memory child {' '.join(args)} failed:\n{proc.stderr.strip()}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
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
            f" (before flush {_mb(r['peak_upsert'])}); after load {_mb(r['rss_loaded'])}"
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
            f"  over HTTP (policekb serve, 1 worker, up in {r['serve_start_s']:.1f} s, RSS {_mb(r['serve_rss'])}):"
            + "".join(
                f" {name} p50 {r[f'http_{name}_p50_ms']:.1f} ms p99 {r[f'http_{name}_p99_ms']:.1f} ms"
                f" [{'ok' if r[f'http_{name}_p99_ms'] < TARGET_P99_MS else 'OVER TARGET'} < {TARGET_P99_MS:.0f} ms];"
                for name in ("search", "paths", "neighbourhood")
            ),
            f"  load average {r['load_avg']:.2f} (1 min, at the end of this size)",
        ]
    )


def main(quick: bool = False) -> None:
    """Print load speed, memory, snapshot size and 2-hop query latency for each size."""
    print("MemoryStore: load the synthetic KB, flush a snapshot, 2-hop queries (one process per size)")
    for n in SIZES[:1] if quick else SIZES:
        print(report(_run_child(n)), flush=True)


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", help="measure one size in this process")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    parser.add_argument("--profile", action="store_true", help="cProfile the run; top functions to stderr")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reopen", type=Path, help="only open this snapshot (used for a fresh-process figure)")
    parser.add_argument("--pickle-load", type=Path, help="only pickle.load this file (the reference)")
    args = parser.parse_args()
    if args.pickle_load is not None:
        print(json.dumps(pickle_load(args.pickle_load)))
        return
    if args.reopen is not None:
        print(json.dumps(reopen(args.reopen)))
        return
    if args.n is None:
        main(quick=args.quick)
        return
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        result = prof.runcall(measure, args.n)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        result = measure(args.n)
    print(json.dumps(result) if args.json else report(result))


if __name__ == "__main__":
    _cli()
