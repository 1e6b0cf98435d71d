"""HTTP load on the GraphQL API: ``policekb serve`` over the synthetic KB, driven from another process.

For each size N: a child process builds the synthetic KB into a MemoryStore snapshot; the server
(``python -m kb.app.cli serve --data SNAPSHOT``, uvicorn) opens it; this process sends GraphQL
requests over loopback. Four operations are measured:

* ``entity``  - one entity by id, with a few fields;
* ``2-hop``   - a force's first 20 officers and the allegations against each;
* ``search``  - full-text search over names and aliases (10 hits);
* ``paths``   - shortest paths between two officers of one force.

Latency (p50 / p99) comes from sequential requests on one keep-alive connection to ONE worker;
throughput from CONCURRENCY connections for a bounded time, with one worker and with
``--workers 2`` (a minimal asyncio HTTP/1.1 client, so that the load generator takes as little
CPU from the server as it can on a 2-core machine). Then, on one worker, a bounded mixed load:
normal requests (entity and 2-hop) on NORMAL_CONNECTIONS connections while HOSTILE_CONNECTIONS
others send the hostile requests of issue 20 (refused, cut at the deadline, or answered), and a
probe times /health: the p99 of the normal requests there is the figure to compare with the
normal p99 alone. Targets at N = 10^6 on one worker: entity p99 < 10 ms, 2-hop p99 < 50 ms.

Run one size by hand: ``python -m bench.bench_api 100000``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
SERVER_START_TIMEOUT = 900.0
ROOT = Path(__file__).resolve().parent.parent

ENTITY_Q = "query($id: ID!) { entity(id: $id) { id type name aliases ... on Officer { rank } } }"
TWO_HOP_Q = """query($id: ID!) { force(id: $id) { name officers(first: 20) { node { id name
  ... on Officer { rank allegations { node { id ... on Allegation { category date } } } } } } } }"""
SEARCH_Q = "query($t: String!) { search(text: $t, first: 10) { score node { id type name } } }"
PATHS_Q = """query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxHops: 4, first: 3) { length
  edges { type source target evidence { quote } } } }"""
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


@dataclass
class Op:
    name: str
    query: str
    variables: Callable[[random.Random], dict[str, Any]]


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
    path.with_suffix(".pools.json").write_text(json.dumps(pools(store)))


def _build_child(n: int, path: Path) -> float:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "bench.bench_api", "--build", str(n), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env=_env())
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

    def __init__(self, snapshot: Path, workers: int) -> None:
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
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    self._settle(t0)
                    return time.perf_counter() - t0
            time.sleep(0.2)
        raise RuntimeError("server did not start in time")

    def _settle(self, t0: float) -> None:
        """With several workers, /health answers as soon as the first is up: wait until every
        worker has loaded the store (their CPU use stops growing)."""
        last = -1.0
        while self.workers > 1 and time.perf_counter() - t0 < SERVER_START_TIMEOUT:
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
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def rss_mb(self) -> float:
        """Resident memory of the server and its workers (Linux /proc)."""
        total = 0
        for pid in self._pids():
            with contextlib.suppress(OSError):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return total / 2**20

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
    """One keep-alive connection sending requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, body: bytes | None, path: str = "/graphql") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        method = "POST" if body is not None else "GET"
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write((head + "\r\n").encode() + (body or b""))
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
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
    rng, conn, times, errors = random.Random(seed), Conn(port), [], 0
    try:
        for _ in range(5):  # warm-up
            await conn.send(_body(op, rng))
        for _ in range(n):
            body = _body(op, rng)
            t0 = time.perf_counter()
            status, answer = await conn.send(body)
            times.append((time.perf_counter() - t0) * 1000)
            errors += 0 if _ok(status, answer) else 1
    finally:
        await conn.close()
    p50, p99 = _percentiles(times)
    return p50, p99, errors


async def _throughput(port: int, op: Op, seconds: float, seed: int) -> tuple[float, int, int]:
    rng = random.Random(seed)
    bodies = [_body(op, rng) for _ in range(500)]
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
                errors += 0 if _ok(status, answer) else 1
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
                body = _body(normal[k % len(normal)], rng)
                t0 = time.perf_counter()
                status, answer = await conn.send(body)
                times.append((time.perf_counter() - t0) * 1000)
                normal_errors += 0 if _ok(status, answer) else 1
        finally:
            await conn.close()

    async def hostile_worker(k: int) -> None:
        conn, i = Conn(port), k
        try:
            while time.perf_counter() < stop:
                status, answer = await conn.send(json.dumps({"query": HOSTILE[i % len(HOSTILE)]}).encode())
                kind = "answered" if _ok(status, answer) else f"refused {status}"
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
    p50, p99 = _percentiles(times)
    hp50, _ = _percentiles(health)
    return {
        "p50": p50,
        "p99": p99,
        "n": len(times),
        "errors": normal_errors,
        "health_p50": hp50,
        "health_max": max(health),
        "hostile": statuses,
    }


# ---- picking realistic arguments --------------------------------------------------------------------
def pools(store: MemoryStore, seed: int = 0) -> dict[str, Any]:
    """Argument pools for the four operations, drawn from the KB (and its size)."""
    rng = random.Random(seed)
    forces = sorted(n.id for n in store.iter_nodes("PoliceForce"))
    serving = store.edges(forces, ["SERVES_IN"], "in")
    by_force: dict[str, list[str]] = {}
    for e in serving:
        by_force.setdefault(e.target, []).append(e.source)
    busy = sorted(f for f, os_ in by_force.items() if len(os_) >= 20)
    officers = [e.source for e in serving]
    sample = rng.sample(officers, min(500, len(officers)))
    entity_ids = sample + [e.source for e in store.edges(sample, ["AGAINST"], "in")] + forces
    names = [n.name for n in store.get_many(sample[:200]).values()]
    texts = [*names, *(nm.split()[-1] for nm in names), "thames valley", "met police", "devon & cornwall", "iopc"]
    pairs = [rng.sample(by_force[f], 2) for f in busy for _ in range(5)]
    stats = store.stats()
    size = {"entities": stats.total_entities + stats.sources, "relations": stats.total_relations}
    return {"entity": entity_ids, "busy": busy, "texts": texts, "pairs": pairs, **size}


def operations(p: dict[str, Any]) -> list[Op]:
    return [
        Op("entity", ENTITY_Q, lambda r: {"id": r.choice(p["entity"])}),
        Op("2-hop", TWO_HOP_Q, lambda r: {"id": r.choice(p["busy"])}),
        Op("search", SEARCH_Q, lambda r: {"t": r.choice(p["texts"])}),
        Op("paths", PATHS_Q, lambda r: dict(zip(("a", "b"), r.choice(p["pairs"]), strict=True))),
    ]


# ---- one size ----------------------------------------------------------------------------------------
def measure(n: int, quick: bool, workers: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    lat_n = QUICK_LATENCY_REQUESTS if quick else LATENCY_REQUESTS
    seconds = QUICK_THROUGHPUT_SECONDS if quick else THROUGHPUT_SECONDS
    result: dict[str, Any] = {"n": n, "latency": {}, "rps": {}, "rss_mb": {}}
    with tempfile.TemporaryDirectory(prefix="kb-bench-api-") as tmp:
        snapshot = Path(tmp) / "kb.snapshot"
        result["build_s"] = _build_child(n, snapshot)
        p = json.loads(snapshot.with_suffix(".pools.json").read_text())  # (the build child's: one store in memory)
        result["entities"], result["relations"] = p["entities"], p["relations"]
        ops = operations(p)
        for w in workers:
            server = Server(snapshot, w)
            try:
                result.setdefault("start_s", server.wait())
                result["rss_mb"][w] = server.rss_mb()
                for i, op in enumerate(ops):
                    if w == 1:
                        result["latency"][op.name] = asyncio.run(_latency(server.port, op, lat_n, seed=i))
                    cpu0 = server.cpu_seconds()
                    rps, done, errors = asyncio.run(_throughput(server.port, op, seconds, seed=100 + i))
                    cpu_ms = (server.cpu_seconds() - cpu0) * 1000 / max(done, 1)
                    result["rps"][(op.name, w)] = (rps, cpu_ms, errors)
                if w == 1:
                    mix_s = QUICK_MIX_SECONDS if quick else MIX_SECONDS
                    normal = [ops[0], ops[1]]
                    result["alone"] = asyncio.run(_mixed(server.port, normal, mix_s / 2, hostile=False))
                    result["mixed"] = asyncio.run(_mixed(server.port, normal, mix_s, hostile=True))
            finally:
                server.stop()
    result["load"] = os.getloadavg()[0]
    return result


def report(r: dict[str, Any]) -> str:
    lines = [
        f"N = {r['n']:,}: {r['entities']:,} entities, {r['relations']:,} relations "
        f"(built in {r['build_s']:.0f} s; server ready {r['start_s']:.1f} s after start)",
        f"  machine load average {r['load']:.1f} on {os.cpu_count()} cores at the end of the run; server RSS "
        + ", ".join(f"{mb:,.0f} MB with {w} worker(s)" for w, mb in r["rss_mb"].items()),
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
    ap.add_argument("--build", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.build:
        build(int(ns.build[0]), Path(ns.build[1]))
    elif ns.n:
        print(report(measure(ns.n, ns.quick, tuple(ns.workers))))
    else:
        main(quick=ns.quick)
