"""HTTP load on the GraphQL API: ``policekb serve`` over the synthetic KB, driven from another process.

For each size N: a child process builds the synthetic KB into a MemoryStore snapshot; the server
(``python -m kb.app.cli serve --data SNAPSHOT``, uvicorn) opens it; this process sends GraphQL
requests over loopback. Four operations are measured:

* ``entity``  - one entity by id, with a few fields;
* ``2-hop``   - a force's first 20 officers and the allegations against each;
* ``search``  - full-text search over names and aliases (10 hits);
* ``paths``   - shortest paths between two officers of one force.

First the start of one worker is timed: /health's first answer (503 while the store opens), the
store open (/health 200), an entity query sent as soon as the port listens (answered once the
store is open), the first search (it waits for the search index, built in the background), and
the end of the background work; the timings below start after it.

Latency (p50 / p99) comes from sequential requests on one keep-alive connection to ONE worker;
throughput from CONCURRENCY connections for a bounded time, with one worker and with
``--workers 2`` (a minimal asyncio HTTP/1.1 client, so that the load generator takes as little
CPU from the server as it can on a 2-core machine). Then, on one worker, a bounded mixed load:
normal requests (entity and 2-hop) on NORMAL_CONNECTIONS connections while HOSTILE_CONNECTIONS
others send the hostile requests of issue 20 (refused, cut at the deadline, or answered), and a
probe times /health: the p99 of the normal requests there is the figure to compare with the
normal p99 alone. Targets at N = 10^6 on one worker: entity p99 < 10 ms, 2-hop p99 < 50 ms.

Run one size by hand: ``python -m bench.bench_api 100000``; ``--keep DIR`` leaves the
built KB (DIR/kb.snapshot), ``--snapshot`` serves one built before (also by ``bench_memory --keep``). The load
average is printed beside each group of figures: on a shared 2-core machine it moves them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    ENTITY_Q,
    ROOT,
    SEARCH_Q,
    Conn,
    Op,
    Server,
    body,
    env,
    latency,
    load_avg,
    ok,
    operations,
    percentiles,
    pools,
)
from kb.store.memory import MemoryStore

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000,)
LATENCY_REQUESTS = 300
QUICK_LATENCY_REQUESTS = 100
THROUGHPUT_SECONDS = 5.0
QUICK_THROUGHPUT_SECONDS = 2.0
MAX_THROUGHPUT_REQUESTS = 5_000
CONCURRENCY = 8
MIX_SECONDS = 20.0
QUICK_MIX_SECONDS = 6.0
NORMAL_CONNECTIONS = 4
HOSTILE_CONNECTIONS = 2

_ORS = ", ".join(f'{{name: {{contains: "zz-{i}"}}}}' for i in range(150))
HOSTILE = [
    "{ forces(first:1){ nodes { sources { mentions { node { evidence { source { mentions { node { id } "
    "} } } } } } } } }",
    "{ forces(where: {officers: {some: {forces: {some: {officers: {some: {forces: {some: "
    '{name: {eq: "nowhere"}}}}}}}}}}) { totalCount } }',
    "{ officers(where: {name: {in: " + json.dumps([f"Officer {i}" for i in range(1000)]) + "}}) { totalCount } }",
    "{ people(where: {OR: [" + _ORS + "]}) { totalCount } }",
    """{ force(id:"metropolitan") { evidence { source { a: mentions(first:-1) { node { id } }
       b: mentions { node { id } } } } sources { c: mentions { node { id } } } } }""",
    "{ outcomeCounts { forceId year category count } }",
    '{ force(id: "kent") { } }',
]


# ---- building the snapshot (child process) ----------------------------------------------------
def build(n: int, path: Path, seed: int = 0) -> None:
    from bench.synthetic import iter_generate

    store = MemoryStore(path)
    batch = []
    for facts in iter_generate(n, seed):
        batch.append(facts)
        if len(batch) >= 100:
            store.upsert_many(batch)
            batch = []
    if batch:
        store.upsert_many(batch)
    store.flush()
    path.with_suffix(".pools.json").write_text(json.dumps(pools(store)))


def _build_child(n: int, path: Path) -> float:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "bench.bench_api", "--build", str(n), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env=env())
    if proc.returncode != 0:
        raise RuntimeError(f"building the synthetic KB (N={n}) failed:\n{proc.stderr.strip()[-2000:]}")
    return time.perf_counter() - t0


async def _throughput(port: int, op: Op, seconds: float, seed: int) -> tuple[float, int, int]:
    rng = random.Random(seed)
    bodies = [body(op, rng) for _ in range(500)]
    done = errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal done, errors
        conn, i = Conn(port), k
        try:
            while time.perf_counter() < deadline and done < MAX_THROUGHPUT_REQUESTS:
                status, answer = await conn.send(bodies[i % len(bodies)])
                i += CONCURRENCY
                done += 1
                errors += 0 if ok(status, answer) else 1
        finally:
            await conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(CONCURRENCY)))
    return done / (time.perf_counter() - t0), done, errors


async def _mixed(port: int, normal: list[Op], seconds: float, hostile: bool) -> dict[str, Any]:
    """Normal requests (and, if ``hostile``, hostile ones beside them) for ``seconds``; a /health probe."""
    stop = time.perf_counter() + seconds
    times: list[float] = []
    health: list[float] = []
    statuses: dict[str, int] = {}
    normal_errors = 0

    async def normal_worker(k: int) -> None:
        nonlocal normal_errors
        rng, conn = random.Random(k), Conn(port)
        try:
            while time.perf_counter() < stop:
                request = body(normal[k % len(normal)], rng)
                t0 = time.perf_counter()
                status, answer = await conn.send(request)
                times.append((time.perf_counter() - t0) * 1000)
                normal_errors += 0 if ok(status, answer) else 1
        finally:
            await conn.close()

    async def hostile_worker(k: int) -> None:
        conn, i = Conn(port), k
        try:
            while time.perf_counter() < stop:
                status, answer = await conn.send(json.dumps({"query": HOSTILE[i % len(HOSTILE)]}).encode())
                kind = "answered" if ok(status, answer) else f"refused {status}"
                if b"deadline" in answer:
                    kind = "stopped at the deadline"
                statuses[kind] = statuses.get(kind, 0) + 1
                i += HOSTILE_CONNECTIONS
        finally:
            await conn.close()

    async def probe() -> None:
        conn = Conn(port)
        try:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                status, _ = await conn.send(None, "/health")
                health.append((time.perf_counter() - t0) * 1000 if status == 200 else float("inf"))
                await asyncio.sleep(0.1)
        finally:
            await conn.close()

    jobs = [normal_worker(k) for k in range(NORMAL_CONNECTIONS)] + [probe()]
    jobs += [hostile_worker(k) for k in range(HOSTILE_CONNECTIONS)] if hostile else []
    await asyncio.gather(*jobs)
    p50, p99 = percentiles(times)
    hp50, _ = percentiles(health)
    return {
        "p50": p50,
        "p99": p99,
        "n": len(times),
        "errors": normal_errors,
        "health_p50": hp50,
        "health_max": max(health),
        "hostile": statuses,
    }


# ---- one size ----------------------------------------------------------------------------------------
def _start(server: Server, p: dict[str, Any], result: dict[str, Any]) -> None:
    """Wait for the server and time its start: /health's first answer (any status), the store
    open (/health 200), an entity lookup sent as soon as the port listens, the first search (it
    waits for the search index, built in the background), and the rest of the background work."""
    probe = json.dumps({"query": ENTITY_Q, "variables": {"id": p["busy"][0]}}).encode()
    server.wait(probe)
    result["start"] = {"health_s": server.health_s, "open_s": server.open_s, "graphql_s": server.graphql_s}
    result["start"]["early"] = server.early_answer
    t0 = time.perf_counter()
    search = Op("search", SEARCH_Q, lambda r: {"t": p["texts"][0]})
    result["start"]["search_s"] = None
    while time.perf_counter() - t0 < 120:  # a search during the index build is told to retry
        status, answer = asyncio.run(_once(server.port, body(search, random.Random(0))))
        if ok(status, answer):
            result["start"]["search_s"] = time.perf_counter() - server.started
            break
        result["start"].setdefault("search_refused", answer[:120].decode(errors="replace"))
        time.sleep(0.1)
    result["start"]["search_wait_s"] = time.perf_counter() - t0
    server.settle_background()  # (to within a second or two: it polls the server's CPU time)
    result["start"]["settled_s"] = time.perf_counter() - server.started


async def _once(port: int, request: bytes) -> tuple[int, bytes]:
    conn = Conn(port)
    try:
        return await conn.send(request)
    finally:
        await conn.close()


def measure(
    n: int, quick: bool, workers: tuple[int, ...] = (1, 2), snapshot: Path | None = None, keep: Path | None = None
) -> dict[str, Any]:
    """Build (or, with ``snapshot``, reuse: its ``.pools.json`` beside it) the synthetic KB, serve
    it with each worker count in turn and time the operations; ``keep``: a folder to leave the
    built snapshot (and its pools) in, for another run."""
    lat_n = QUICK_LATENCY_REQUESTS if quick else LATENCY_REQUESTS
    seconds = QUICK_THROUGHPUT_SECONDS if quick else THROUGHPUT_SECONDS
    result: dict[str, Any] = {"n": n, "latency": {}, "rps": {}, "rss_mb": {}, "load_at": {}}
    with tempfile.TemporaryDirectory(prefix="kb-bench-api-") as tmp:
        if snapshot is None:
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
            snapshot = (keep or Path(tmp)) / "kb.snapshot"
            result["build_s"] = _build_child(n, snapshot)
        else:
            result["build_s"] = 0.0
        p = json.loads(snapshot.with_suffix(".pools.json").read_text())  # (the build child's: one store in memory)
        result["entities"], result["relations"] = p["entities"], p["relations"]
        ops = operations(p)
        for w in workers:
            server = Server(snapshot, w)
            try:
                if w == 1:
                    _start(server, p, result)
                else:
                    server.wait()
                    server.settle_background()
                result["rss_mb"][w] = server.rss_mb()
                for i, op in enumerate(ops):
                    if w == 1:
                        result["latency"][op.name] = asyncio.run(latency(server.port, op, lat_n, seed=i))
                        result["load_at"][op.name] = load_avg()
                    cpu0 = server.cpu_seconds()
                    rps, done, errors = asyncio.run(_throughput(server.port, op, seconds, seed=100 + i))
                    cpu_ms = (server.cpu_seconds() - cpu0) * 1000 / max(done, 1)
                    result["rps"][(op.name, w)] = (rps, cpu_ms, errors)
                result["load_at"][f"rps w={w}"] = load_avg()
                if w == 1:
                    mix_s = QUICK_MIX_SECONDS if quick else MIX_SECONDS
                    normal = [ops[0], ops[1]]
                    result["alone"] = asyncio.run(_mixed(server.port, normal, mix_s / 2, hostile=False))
                    result["mixed"] = asyncio.run(_mixed(server.port, normal, mix_s, hostile=True))
                    result["load_at"]["mixed"] = load_avg()
                result.setdefault("peak_mb", {})[w] = server.peak_mb()
            finally:
                server.stop()
    result["load"] = load_avg()
    return result


def _s(v: float | None) -> str:
    return "never" if v is None else f"{v:.1f} s"


def report(r: dict[str, Any]) -> str:
    st = r["start"]
    lines = [
        f"N = {r['n']:,}: {r['entities']:,} entities, {r['relations']:,} relations (built in {r['build_s']:.0f} s)",
        f"  server start (1 worker), seconds after launch: /health answers {_s(st['health_s'])},"
        f" store open (/health 200) {_s(st['open_s'])}, an entity query sent at once answered {_s(st['graphql_s'])},"
        f" first search answered {_s(st['search_s'])} ({st['search_wait_s']:.1f} s after open"
        + (f"; before that: {st['search_refused']}" if st.get("search_refused") else "")
        + "),"
        f" background indexes done by {_s(st['settled_s'])}"
        + (f"; before that the query got {st['early']}" if st["early"] else ""),
        f"  machine load average {r['load']:.1f} on {os.cpu_count()} cores at the end of the run"
        f" ({', '.join(f'{k} {v:.1f}' for k, v in r['load_at'].items())}); server RSS "
        + ", ".join(
            f"{mb:,.0f} MB (peak {r['peak_mb'][w]:,.0f} MB) with {w} worker(s)" for w, mb in r["rss_mb"].items()
        ),
        f"  {'operation':<8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}   (one worker, sequential)"
        + "".join(f" {'req/s w=' + str(w):>10} {'cpu ms':>7}" for w in r["rss_mb"]),
    ]
    for name, (p50, p99, errors) in r["latency"].items():
        tput = "".join(f" {r['rps'][(name, w)][0]:>10.0f} {r['rps'][(name, w)][1]:>7.2f}" for w in r["rss_mb"])
        lines.append(f"  {name:<8} {p50:>8.2f} {p99:>8.2f} {errors:>7}  {' ' * 24}{tput}")
    alone, mixed = r["alone"], r["mixed"]
    lines.append(
        f"  entity + 2-hop on {NORMAL_CONNECTIONS} connections: alone p50 {alone['p50']:.1f} /"
        f" p99 {alone['p99']:.1f} ms;"
        f" beside {HOSTILE_CONNECTIONS} hostile connections p50 {mixed['p50']:.1f} / p99 {mixed['p99']:.1f} ms"
        f" ({mixed['p99'] / alone['p99']:.1f}x), {mixed['errors']} errors in {mixed['n']};"
        f" /health p50 {mixed['health_p50']:.1f} ms, max {mixed['health_max']:.0f} ms"
    )
    lines.append("  hostile requests: " + ", ".join(f"{k} {v}" for k, v in sorted(mixed["hostile"].items())))
    if r["n"] >= 1_000_000:
        lat = r["latency"]
        checks = [("entity p99 < 10 ms", lat["entity"][1] < 10), ("2-hop p99 < 50 ms", lat["2-hop"][1] < 50)]
        lines.append("  targets (one worker): " + "; ".join(f"{c} {'ok' if ok else 'MISSED'}" for c, ok in checks))
    return "\n".join(lines)


def main(quick: bool = False) -> None:
    print(f"GraphQL over HTTP (loopback, {CONCURRENCY} connections for throughput), MemoryStore")
    for n in QUICK_SIZES if quick else SIZES:
        # two workers hold two copies of the store: at 10^6 (about 4 GB each) only with --workers 1 2
        print(report(measure(n, quick, (1, 2) if n < 1_000_000 else (1,))), flush=True)


if __name__ == "__main__":
    doc = __doc__.splitlines()[0] if __doc__ else None
    ap = argparse.ArgumentParser(prog="python -m bench.bench_api", description=doc)
    ap.add_argument("n", nargs="?", type=int, help="one size to measure")
    ap.add_argument("--quick", action="store_true", help="small sizes, short runs")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server worker counts to measure (1 first)")
    ap.add_argument("--keep", type=Path, help="leave the built snapshot in this folder (kb.snapshot, kb.pools.json)")
    ap.add_argument("--snapshot", type=Path, help="serve this snapshot (built by --keep) instead of building one")
    ap.add_argument("--build", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.build:
        build(int(ns.build[0]), Path(ns.build[1]))
    elif ns.n:
        print(report(measure(ns.n, ns.quick, tuple(ns.workers), ns.snapshot, ns.keep)))
    else:
        main(quick=ns.quick)
