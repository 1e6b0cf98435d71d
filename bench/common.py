"""What the benchmarks share: percentiles, memory figures, ``policekb serve`` in a child process,
a minimal HTTP/1.1 client timing GraphQL requests on loopback, and the GraphQL operations timed
(with their arguments drawn from the synthetic KB)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kb.store.base import Store

ROOT = Path(__file__).resolve().parent.parent

ENTITY_Q = "query($id: ID!) { entity(id: $id) { id type name aliases ... on Officer { rank } } }"
TWO_HOP_Q = """query($id: ID!) { force(id: $id) { name officers(first: 20) { node { id name
  ... on Officer { rank allegations { node { id ... on Allegation { category date } } } } } } } }"""
SEARCH_Q = "query($t: String!) { search(text: $t, first: 10) { score node { id type name } } }"
PATHS_Q = """query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxHops: 4, first: 3) { length
  edges { type source target evidence { quote } } } }"""
SERVER_START_TIMEOUT = 900.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 (nearest rank)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def env() -> dict[str, str]:
    """This process's environment with the checkout first on PYTHONPATH (for child processes)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def load_avg() -> float:
    """The machine's 1-minute load average (the figures beside it are that noisy)."""
    return os.getloadavg()[0]


# ---- memory --------------------------------------------------------------------------------------
def _status_kb(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (Linux), in bytes."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_bytes() -> int:
    """Current resident set size (Linux /proc; falls back to the peak elsewhere)."""
    now = _status_kb("VmRSS")
    return now if now is not None else peak_rss_bytes()


def peak_rss_bytes() -> int:
    """Peak resident set size of this process since it started (or exec'd).

    VmHWM, not ``getrusage``'s ru_maxrss: ru_maxrss survives exec, so a child started by
    ``subprocess`` (vfork + exec) reports its parent's peak when that is higher.
    """
    peak = _status_kb("VmHWM")
    if peak is not None:
        return max(peak, rss_bytes())
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024  # bytes on macOS, KiB on Linux


# ---- the server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``policekb serve`` on a free loopback port, stopped (by its own pid) on exit.

    :meth:`wait` times the start: the first answer of /health (any status: the server listens),
    the first 200 (the store is open), and, with ``probe`` (a GraphQL request body) sent as soon
    as the port accepts connections, when that request is answered.
    """

    def __init__(self, snapshot: Path, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        cmd = [sys.executable, "-m", "kb.app.cli", "serve", "--store", "memory", "--data", str(snapshot)]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--no-ide", "--workers", str(workers)]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=self.log, stderr=subprocess.STDOUT)
        self.health_s: float | None = None  # first /health answer, any status
        self.open_s: float | None = None  # first /health 200
        self.graphql_s: float | None = None  # the probe answered
        self.early_answer: str | None = None  # what the probe got before that, if anything else

    def wait(self, probe: bytes | None = None) -> float:
        """Wait until /health says the store is open (and every worker has it); seconds since start."""
        t0 = self.started
        prober: threading.Thread | None = None
        while time.perf_counter() - t0 < SERVER_START_TIMEOUT:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read().decode(errors='replace')[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                status = httpx.get(f"{self.url}/health", timeout=1.0).status_code
                if self.health_s is None:
                    self.health_s = time.perf_counter() - t0
                    if probe is not None:
                        prober = threading.Thread(target=self._probe, args=(probe,), daemon=True)
                        prober.start()
                if status == 200:
                    self.open_s = time.perf_counter() - t0
                    if prober is not None:
                        prober.join(SERVER_START_TIMEOUT)
                    self._settle(t0)
                    return self.open_s
            time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def _probe(self, body: bytes) -> None:
        """Send ``body`` until it is answered with data; the first refusal is kept (what a request
        sent while the store opens gets)."""
        headers = {"Content-Type": "application/json"}
        while self.graphql_s is None and self.proc.poll() is None:
            t0 = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.post(f"{self.url}/graphql", content=body, headers=headers, timeout=SERVER_START_TIMEOUT)
                if ok(r.status_code, r.content):
                    self.graphql_s = time.perf_counter() - self.started
                    return
                if self.early_answer is None:
                    waited = time.perf_counter() - t0
                    self.early_answer = f"{r.status_code} after {waited:.1f} s: {r.text[:160]}"
            time.sleep(0.05)

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

    def settle_background(self, idle_cpu: float = 0.05, step: float = 1.0) -> float:
        """Wait until the server's background work (index building) is over: its CPU time stops
        growing. Seconds waited."""
        t0, last = time.perf_counter(), -1.0
        while (now := self.cpu_seconds()) - last > idle_cpu and time.perf_counter() - t0 < SERVER_START_TIMEOUT:
            last = now
            time.sleep(step)
        return time.perf_counter() - t0

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

    def peak_mb(self) -> float:
        """Peak resident memory (VmHWM) of the server and its workers, summed (Linux /proc)."""
        total = 0
        for pid in self._pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
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
@dataclass
class Op:
    """A GraphQL operation and how to draw its variables."""

    name: str
    query: str
    variables: Callable[[random.Random], dict[str, Any]]


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


def ok(status: int, body: bytes) -> bool:
    """A GraphQL answer with data and no errors."""
    return status == 200 and b'"errors"' not in body and b'"data"' in body


def body(op: Op, rng: random.Random) -> bytes:
    return json.dumps({"query": op.query, "variables": op.variables(rng)}).encode()


async def latency(port: int, op: Op, n: int, seed: int) -> tuple[float, float, int]:
    """p50 and p99 in ms of ``n`` sequential requests on one keep-alive connection, and the
    number that failed."""
    rng, conn, times, errors = random.Random(seed), Conn(port), [], 0
    try:
        for _ in range(5):  # warm-up
            await conn.send(body(op, rng))
        for _ in range(n):
            request = body(op, rng)
            t0 = time.perf_counter()
            status, answer = await conn.send(request)
            times.append((time.perf_counter() - t0) * 1000)
            errors += 0 if ok(status, answer) else 1
    finally:
        await conn.close()
    p50, p99 = percentiles(times)
    return p50, p99, errors


def run_async(job: Any) -> Any:
    """``asyncio.run(job)`` in a thread of its own: the caller may already run an event loop
    (pytest with Playwright's plugin loaded)."""
    out: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(job))
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return out[0]


# ---- picking realistic arguments --------------------------------------------------------------------
def pools(store: Store, seed: int = 0) -> dict[str, Any]:
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
