"""HTTP load on the GraphQL API: ``policekb serve`` over the synthetic KB, driven from another process.

For each size N: a child process builds the synthetic KB into a MemoryStore snapshot; the
server (``python -m kb.app.cli serve --data SNAPSHOT --workers 2``: uvicorn, one process per core)
opens it; this
process sends GraphQL requests over loopback. Four operations are measured:

* ``entity``  - one entity by id, with a few fields;
* ``2-hop``   - a force's first 20 officers and the allegations against each;
* ``search``  - full-text search over names and aliases (10 hits);
* ``paths``   - shortest paths between two officers of one force.

Latency (p50 / p99) comes from sequential requests on one keep-alive connection; throughput
from CONCURRENCY connections for a bounded time (a minimal asyncio HTTP/1.1 client, so that
the load generator takes as little CPU from the server as it can on a 2-core machine). The
2-hop query is also timed by calling the store directly (same edges / get_many reads, same
data), to show what the API layer adds.
Targets at N = 10^6 on MemoryStore: p99 < 50 ms for 2-hop and search, >= 300 requests/s,
2-hop within 3x of the direct store call.

Run one size by hand: ``python -m bench.bench_api 100000``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kb.api.errors import DEFAULT_PAGE
from kb.store.memory import MemoryStore

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000,)
LATENCY_REQUESTS = 300
QUICK_LATENCY_REQUESTS = 100
THROUGHPUT_SECONDS = 5.0
QUICK_THROUGHPUT_SECONDS = 2.0
MAX_THROUGHPUT_REQUESTS = 5_000
CONCURRENCY = 8
# Server processes (``policekb serve --workers``): one per core, as it would be deployed.
WORKERS = min(2, os.cpu_count() or 1)
SERVER_START_TIMEOUT = 600.0
ROOT = Path(__file__).resolve().parent.parent

ENTITY_Q = "query($id: ID!) { entity(id: $id) { id type name aliases ... on Officer { rank } } }"
TWO_HOP_Q = """query($id: ID!) { force(id: $id) { name officers(first: 20) { node { id name
  ... on Officer { rank allegations { node { id ... on Allegation { category date } } } } } } } }"""
SEARCH_Q = "query($t: String!) { search(text: $t, first: 10) { score node { id type name } } }"
PATHS_Q = """query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxHops: 4, first: 3) { length
  edges { type source target evidence { quote } } } }"""


@dataclass
class Op:
    name: str
    query: str
    variables: Callable[[random.Random], dict[str, Any]]


@dataclass
class Figures:
    p50_ms: float
    p99_ms: float
    rps: float
    errors: int
    # Server CPU time per request during the throughput run: what a request costs whatever
    # else the machine is doing (wall-clock figures suffer from other load on 2 cores).
    cpu_ms: float


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


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


def _build_child(n: int, path: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_api", "--build", str(n), str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=_env(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building the synthetic KB (N={n}) failed:\n{proc.stderr.strip()[-2000:]}")
    return time.perf_counter() - t0


# ---- the server ---------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``policekb serve`` on a free loopback port, stopped (by its own pid) on exit."""

    def __init__(self, snapshot: Path, workers: int = 1) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        cmd = [sys.executable, "-m", "kb.app.cli", "serve", "--store", "memory", "--data", str(snapshot)]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--no-ide", "--workers", str(workers)]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < SERVER_START_TIMEOUT:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read().decode(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    self._settle(t0)
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start in time")

    def _settle(self, t0: float) -> None:
        """With several workers, /health answers as soon as the first is up: wait until every
        worker has loaded the store (their CPU use stops growing)."""
        if self.workers <= 1:
            return
        last = -1.0
        while time.perf_counter() - t0 < SERVER_START_TIMEOUT:
            time.sleep(1.0)
            now = self.cpu_seconds()
            if len(self._pids()) > self.workers and now - last < 0.05:
                return
            last = now

    def _pids(self) -> list[int]:
        """The server's process and its workers (Linux /proc)."""
        pids = [self.proc.pid]
        with contextlib.suppress(OSError):
            pids += [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time the server and its workers have used so far (Linux /proc)."""
        total = 0.0
        for pid in self._pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ---- load ------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 keep-alive client on asyncio streams: httpx costs about a millisecond of
# CPU per request, which on a 2-core machine would be taken from the server being measured.
class Conn:
    """One keep-alive connection posting GraphQL requests."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body and b'"data"' in body


def _body(op: Op, rng: random.Random) -> bytes:
    return json.dumps({"query": op.query, "variables": op.variables(rng)}).encode()


async def _latency(port: int, op: Op, n: int, seed: int) -> tuple[float, float, int]:
    rng = random.Random(seed)
    conn = Conn("127.0.0.1", port)
    times: list[float] = []
    errors = 0
    try:
        for _ in range(5):  # warm-up
            await conn.post(_body(op, rng))
        for _ in range(n):
            body = _body(op, rng)
            t0 = time.perf_counter()
            status, answer = await conn.post(body)
            times.append((time.perf_counter() - t0) * 1000)
            errors += 0 if _ok(status, answer) else 1
    finally:
        await conn.close()
    p50, p99 = _percentiles(times)
    return p50, p99, errors


async def _throughput(port: int, op: Op, seconds: float, seed: int) -> tuple[float, int, int]:
    rng = random.Random(seed)
    bodies = [_body(op, rng) for _ in range(500)]
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal done, errors
        conn = Conn("127.0.0.1", port)
        try:
            i = k
            while time.perf_counter() < deadline and done < MAX_THROUGHPUT_REQUESTS:
                status, answer = await conn.post(bodies[i % len(bodies)])
                i += CONCURRENCY
                done += 1
                errors += 0 if _ok(status, answer) else 1
        finally:
            await conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(CONCURRENCY)))
    return done / (time.perf_counter() - t0), done, errors


# ---- picking realistic arguments --------------------------------------------------------------------
def operations(store: MemoryStore, seed: int = 0) -> tuple[list[Op], list[str]]:
    """The four operations, with argument pools drawn from the KB; also the forces for the 2-hop."""
    rng = random.Random(seed)
    forces = sorted(n.id for n in store.iter_nodes("PoliceForce"))
    serving = store.edges(forces, ["SERVES_IN"], "in")
    by_force: dict[str, list[str]] = {}
    for e in serving:
        by_force.setdefault(e.target, []).append(e.source)
    busy = sorted(f for f, os_ in by_force.items() if len(os_) >= 20)
    officers = [e.source for e in serving]
    sample = rng.sample(officers, min(500, len(officers)))
    allegations = [e.source for e in store.edges(sample, ["AGAINST"], "in")]
    entity_ids = sample + allegations + forces
    names = [n.name for n in store.get_many(sample[:200]).values()]
    texts = [*names, *(nm.split()[-1] for nm in names), "thames valley", "met police", "devon & cornwall", "iopc"]
    pairs = []
    for f in busy:
        os_ = by_force[f]
        for _ in range(5):
            a, b = rng.sample(os_, 2)
            pairs.append((a, b))
    ops = [
        Op("entity", ENTITY_Q, lambda r: {"id": r.choice(entity_ids)}),
        Op("2-hop", TWO_HOP_Q, lambda r: {"id": r.choice(busy)}),
        Op("search", SEARCH_Q, lambda r: {"t": r.choice(texts)}),
        Op("paths", PATHS_Q, lambda r: dict(zip(("a", "b"), r.choice(pairs), strict=True))),
    ]
    return ops, busy


def direct_two_hop(store: MemoryStore, forces: list[str], n: int, seed: int) -> tuple[float, float, float]:
    """The 2-hop query's reads done on the store directly: p50 / p99 wall ms, mean CPU ms."""
    rng = random.Random(seed)
    times: list[float] = []
    cpu0 = time.process_time()
    for _ in range(n):
        fid = rng.choice(forces)
        t0 = time.perf_counter()
        store.get_many([fid])
        serving = store.first_edges([fid], ["SERVES_IN"], "in", 20)
        officer_ids = [e.source for e in serving]
        store.get_many(officer_ids)
        against = store.first_edges(officer_ids, ["AGAINST"], "in", DEFAULT_PAGE)
        store.get_many([e.source for e in against])
        times.append((time.perf_counter() - t0) * 1000)
    p50, p99 = _percentiles(times)
    return p50, p99, (time.process_time() - cpu0) * 1000 / max(n, 1)


# ---- one size ----------------------------------------------------------------------------------------
def measure(n: int, quick: bool) -> dict[str, Any]:
    lat_n = QUICK_LATENCY_REQUESTS if quick else LATENCY_REQUESTS
    seconds = QUICK_THROUGHPUT_SECONDS if quick else THROUGHPUT_SECONDS
    with tempfile.TemporaryDirectory(prefix="kb-bench-api-") as tmp:
        snapshot = Path(tmp) / "kb.snapshot"
        build_s = _build_child(n, snapshot)
        server = Server(snapshot, WORKERS)
        try:
            store = MemoryStore(snapshot)  # this process's own copy: argument pools and direct timing
            stats = store.stats()
            gc.collect()
            gc.freeze()  # as the server does (kb.api.app): long-lived store objects out of the GC's way
            start_s = server.wait()
            ops, busy = operations(store)
            figures: dict[str, Figures] = {}
            for i, op in enumerate(ops):
                p50, p99, errors = asyncio.run(_latency(server.port, op, lat_n, seed=i))
                cpu0 = server.cpu_seconds()
                rps, done, errors2 = asyncio.run(_throughput(server.port, op, seconds, seed=100 + i))
                cpu_ms = (server.cpu_seconds() - cpu0) * 1000 / max(done, 1)
                figures[op.name] = Figures(p50, p99, rps, errors + errors2, cpu_ms)
            d50, d99, dcpu = direct_two_hop(store, busy, lat_n, seed=1)
            load = os.getloadavg()[0]
        finally:
            server.stop()
    return {
        "n": n,
        "entities": stats.total_entities + stats.sources,
        "relations": stats.total_relations,
        "build_s": build_s,
        "start_s": start_s,
        "figures": figures,
        "direct_p50": d50,
        "direct_p99": d99,
        "direct_cpu": dcpu,
        "load": load,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"N = {r['n']:,}: {r['entities']:,} entities, {r['relations']:,} relations "
        f"(built in {r['build_s']:.0f} s; server ready {r['start_s']:.1f} s after start)",
        f"  machine load average {r['load']:.1f} on {os.cpu_count()} cores at the end of the run; "
        f"{WORKERS} server worker(s)",
        f"  {'operation':<8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'cpu ms/req':>11} {'req/s/core':>11}"
        f" {'errors':>7}",
    ]
    figs: dict[str, Figures] = r["figures"]
    for name, f in figs.items():
        per_core = 1000 / f.cpu_ms if f.cpu_ms else float("inf")
        lines.append(
            f"  {name:<8} {f.p50_ms:>8.2f} {f.p99_ms:>8.2f} {f.rps:>8.0f} {f.cpu_ms:>11.2f} {per_core:>11.0f}"
            f" {f.errors:>7}"
        )
    two = figs["2-hop"]
    ratio = two.p50_ms / r["direct_p50"] if r["direct_p50"] else float("inf")
    cpu_ratio = two.cpu_ms / r["direct_cpu"] if r["direct_cpu"] else float("inf")
    lines.append(
        f"  2-hop on the store directly: p50 {r['direct_p50']:.2f} ms, p99 {r['direct_p99']:.2f} ms, "
        f"{r['direct_cpu']:.2f} ms CPU; over HTTP/GraphQL {ratio:.1f}x at p50, {cpu_ratio:.1f}x in CPU"
    )
    if r["n"] >= 1_000_000:
        checks = [
            ("2-hop p99 < 50 ms", two.p99_ms < 50),
            ("search p99 < 50 ms", figs["search"].p99_ms < 50),
            (">= 300 req/s (2-hop)", two.rps >= 300),
            ("2-hop within 3x of direct", ratio <= 3),
        ]
        lines.append("  targets: " + "; ".join(f"{name} {'ok' if ok else 'MISSED'}" for name, ok in checks))
    return "\n".join(lines)


def main(quick: bool = False) -> None:
    print(f"GraphQL over HTTP (loopback, {CONCURRENCY} connections for throughput), MemoryStore")
    for n in QUICK_SIZES if quick else SIZES:
        print(report(measure(n, quick)), flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.bench_api", description=__doc__.splitlines()[0] if __doc__ else None
    )
    ap.add_argument("n", nargs="?", type=int, help="one size to measure")
    ap.add_argument("--quick", action="store_true", help="small sizes, short runs")
    ap.add_argument("--build", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.build:
        build(int(ns.build[0]), Path(ns.build[1]))
    elif ns.n:
        print(report(measure(ns.n, ns.quick)))
    else:
        main(quick=ns.quick)
