"""Benchmark of the embedded store: load the synthetic KB into a MemoryStore and query it.

For each size N the measurement runs in a fresh Python process, so peak memory figures
do not mix. A run loads the synthetic KB source by source (upsert_many in batches, then
flush to a snapshot), then times two 2-hop relationship queries through the public store
interface (``edges`` + ``get_many``):

* force -> its officers (SERVES_IN, in) -> the allegations against them (AGAINST, in);
* officer -> allegations against them (AGAINST, in) -> the investigations into those (CONCERNS, in).

Wall-clock times suffer when other work shares the machine; the CPU time of the load is
printed beside them. Run one size by hand with ``python -m bench.bench_memory 100000`` (add ``--profile`` for a
cProfile of the load).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.synthetic import iter_generate
from kb.store.memory import MemoryStore

SIZES = (10_000, 100_000, 1_000_000)
TARGET_SECONDS = 60.0
TARGET_BYTES = 3 * 1024**3
BATCH = 100
QUERIES = 300


def _rss_bytes() -> int:
    """Current resident set size (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


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
        peak_load = _peak_rss_bytes()
        del store
        # Open the snapshot in a fresh process, as `policekb serve` would: memory the loading
        # process freed but kept would otherwise blur what the opened store needs.
        reopened = _run_module(["--reopen", str(path)])
        if reopened["entities"] != entities:
            raise RuntimeError("the reopened snapshot does not hold what was loaded")
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
        **queries,
    }


def reopen(path: Path) -> dict[str, float]:
    """Open a snapshot; the time it takes, the RSS of the opened store and its entity count."""
    t0 = time.perf_counter()
    store = MemoryStore(path)
    reopen_s = time.perf_counter() - t0
    stats = store.stats()
    return {"reopen_s": reopen_s, "rss": _rss_bytes(), "entities": stats.total_entities + stats.sources}


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
    return "\n".join(
        [
            f"N = {int(r['n']):,}: {int(r['entities']):,} entities, {int(r['relations']):,} relations",
            f"  load     {r['load_s']:.1f} s ({r['entities_per_s']:,.0f} entities/s; flush {r['flush_s']:.1f} s)"
            f" [{ok_time} < {TARGET_SECONDS:.0f} s]; CPU {r['load_cpu_s']:.1f} s (generating alone {r['gen_s']:.1f} s)",
            f"  memory   peak RSS {_mb(r['peak_rss'])} [{ok_mem} < {_mb(TARGET_BYTES)}]"
            f" (before flush {_mb(r['peak_upsert'])}); after load {_mb(r['rss_loaded'])}"
            f" (interpreter alone {_mb(r['rss_before'])})",
            f"  snapshot {_mb(r['snapshot_bytes'])}; reopening it took {r['reopen_s']:.1f} s"
            f" in a fresh process (RSS then {_mb(r['rss_reopened'])})",
            f"  2-hop force -> officers -> allegations:  p50 {r['force_p50_ms']:.2f} ms,"
            f" p99 {r['force_p99_ms']:.2f} ms ({r['force_reach']:,.0f} entities per query)",
            f"  2-hop officer -> allegations -> investigations: p50 {r['officer_p50_ms']:.3f} ms,"
            f" p99 {r['officer_p99_ms']:.3f} ms ({r['officer_reach']:,.1f} entities per query)",
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
    args = parser.parse_args()
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
