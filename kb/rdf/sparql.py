"""A read-only SPARQL 1.1 endpoint (/sparql) over the KB's RDF export, on pyoxigraph.

The data is a pyoxigraph store on disk built from the N-Quads export, so every source keeps
its named graph; the default graph is their merge (each triple once) plus the ontology
(:mod:`kb.rdf.sparql_store` says where it lives and when it is rebuilt). Queries run in
worker processes (:mod:`kb.rdf.sparql_worker`), at most ``max_concurrent`` at once; a query
that outlives ``timeout`` is stopped by killing its worker, which is replaced, and a worker's
memory is capped, so no query can stall or starve the server. pyoxigraph's regular
expressions run in linear time (Rust's regex crate), so no pattern backtracks for ever.

Protocol: GET ?query=, POST form (query=) or POST application/sparql-query, the body at
most ``MAX_BODY_BYTES`` (refused before it is read when Content-Length says so). Results:
SPARQL JSON, XML, CSV or TSV for SELECT/ASK; Turtle, N-Triples or JSON-LD for
CONSTRUCT/DESCRIBE, by Accept header or ``format``; at most ``max_results`` rows (the
X-SPARQL-Truncated header says when). Updates and SERVICE (which would make the server fetch
URLs) are refused; FROM / FROM NAMED pick among the KB's own graphs and never fetch anything.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import re
import select
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kb.accept import preferences
from kb.rdf.sparql_results import GRAPH_MEDIA, SELECT_MEDIA
from kb.rdf.sparql_store import BuildFailed, NotReady, SparqlData
from kb.rdf.sparql_worker import READY, read_frame, write_frame
from kb.rdf.terms import Iris
from kb.store.base import Store

log = logging.getLogger(__name__)

FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
MAX_QUERY_CHARS = 20_000
MAX_BODY_BYTES = 64 * 1024  # a form-encoded query of MAX_QUERY_CHARS fits
WORKER_MEMORY = 2 << 30  # bytes of data segment a query may use
WORKER_START = 60.0  # seconds a new worker may take to open the store (not counted in a query's time)


class SparqlError(Exception):
    """A request the endpoint refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False


# -- checking a query before it runs -------------------------------------------------------
# Strings, IRIs and comments, which may contain any word; what is left are the query's tokens.
_NOT_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
    re.S,
)
_SERVICE = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:.-])", re.I)


def check_query(text: str) -> None:
    """Refuse what must not reach the store: over-long queries and SERVICE (pyoxigraph would
    fetch the URL: the server must never be made to call out)."""
    if len(text) > MAX_QUERY_CHARS:
        raise SparqlError(413, f"query longer than {MAX_QUERY_CHARS} characters")
    if _SERVICE.search(_NOT_TOKENS.sub(" ", text)):
        raise SparqlError(400, "SERVICE (federated query) is not allowed on this endpoint")


# -- worker processes ------------------------------------------------------------------------
class WorkerDied(Exception):
    pass


class Worker:
    """One worker process over one version of the store."""

    def __init__(self, path: Path, memory: int) -> None:
        self.path = path
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kb.rdf.sparql_worker", str(path), str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the server's terminal is the server's to handle
        )
        self.stdin: IO[bytes] = self.proc.stdin  # type: ignore[assignment]
        self.stdout: IO[bytes] = self.proc.stdout  # type: ignore[assignment]

    def wait_ready(self, timeout: float) -> None:
        """Wait until the worker has opened the store; kill it if it cannot."""
        ready, _, _ = select.select([self.stdout], [], [], timeout)
        frame = read_frame(self.stdout) if ready else None
        if frame != READY:
            self.kill()
            raise WorkerDied(self.proc.returncode)

    def ask(self, request: bytes) -> tuple[dict[str, Any], bytes]:
        """Send one request and read its answer (blocking; called from a thread)."""
        try:
            write_frame(self.stdin, request)
            self.stdin.flush()
            head = read_frame(self.stdout)
            body = read_frame(self.stdout) if head is not None else None
        except (BrokenPipeError, OSError, ValueError):
            head = body = None
        if head is None or body is None:
            raise WorkerDied(self.proc.wait())
        return json.loads(head), body

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for fh in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                fh.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


class WorkerPool:
    """Idle workers, by store version; a worker is taken for one query and given back."""

    def __init__(self, memory: int) -> None:
        self.memory = memory
        self._idle: list[Worker] = []
        self._lock = threading.Lock()

    def take(self, path: Path) -> Worker:
        with self._lock:
            stale = [w for w in self._idle if w.path != path or not w.alive]
            self._idle = [w for w in self._idle if w not in stale]
            worker = self._idle.pop() if self._idle else None
        for w in stale:
            w.kill()
        if worker is None:
            worker = Worker(path, self.memory)
            worker.wait_ready(WORKER_START)
        return worker

    def give_back(self, worker: Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.kill()


# -- the endpoint ----------------------------------------------------------------------------
class SparqlEndpoint:
    """The data, the workers and the HTTP handler behind /sparql."""

    def __init__(
        self,
        store: Store,
        base: str | None = None,
        timeout: float = 10.0,
        max_results: int = 10_000,
        max_concurrent: int = 2,
        refresh: float = 30.0,
        memory: int = WORKER_MEMORY,
        build_wait: float | None = None,
        home: Path | None = None,
    ) -> None:
        self.store = store
        self.base = base
        self.timeout = timeout
        self.max_results = max_results
        self.build_wait = timeout if build_wait is None else build_wait
        self.data = SparqlData(store, base, home=home, refresh=refresh)
        self.pool = WorkerPool(memory)
        self.prefixes = dict(Iris(base).onto.prefixes)
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._threads = concurrent.futures.ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="sparql")

    def close(self) -> None:
        self.pool.close()
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def answer(self, text: str, accept: str) -> Answer:
        """Run a query in a worker process, within the timeout and the concurrency limit."""
        check_query(text)
        select_fmt = _negotiate(accept, SELECT_MEDIA, "json")
        graph_fmt = _negotiate(accept, GRAPH_MEDIA, "ttl")
        if not self._slots.acquire(blocking=False):
            raise SparqlError(503, "too many queries running: try again shortly", {"Retry-After": "2"})
        try:
            loop = asyncio.get_running_loop()
            try:
                path = await loop.run_in_executor(self._threads, self.data.current, self.build_wait)
            except NotReady as exc:
                raise SparqlError(503, f"{exc}: try again shortly", {"Retry-After": "10"}) from None
            except BuildFailed as exc:
                log.error("%s", exc)
                raise SparqlError(500, str(exc)) from None
            request = json.dumps(
                {
                    "query": text,
                    "select": select_fmt,
                    "graph": graph_fmt,
                    "max_results": self.max_results,
                    "prefixes": self.prefixes,
                }
            ).encode()
            try:
                worker = await loop.run_in_executor(self._threads, self.pool.take, path)
            except WorkerDied:
                raise SparqlError(503, "the SPARQL worker could not start: try again shortly") from None
            future = loop.run_in_executor(self._threads, worker.ask, request)
            try:
                header, body = await asyncio.wait_for(asyncio.shield(future), timeout=self.timeout)
            except TimeoutError:
                worker.kill()  # the only way to stop the query; its thread then sees the pipe close
                future.add_done_callback(_ignore_result)
                raise SparqlError(503, f"query timed out after {self.timeout:g} s") from None
            except WorkerDied as exc:
                worker.kill()
                code = exc.args[0] if exc.args else None
                log.warning("SPARQL worker exited (status %s) during a query", code)
                raise SparqlError(
                    503, "the query was stopped: it needed more memory than the endpoint allows"
                ) from None
            except BaseException:
                worker.kill()
                raise
            self.pool.give_back(worker)
        finally:
            self._slots.release()
        if header.get("status") != 200:
            raise SparqlError(int(header.get("status", 500)), str(header.get("message", "query failed")))
        return Answer(body, str(header["media_type"]), bool(header.get("truncated")))

    # -- HTTP ---------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
        try:
            text = await _query_text(request)
            accept = request.query_params.get("format", "") or request.headers.get("accept", "")
            ans = await self.answer(text, FORMAT_ALIASES.get(accept, accept))
        except SparqlError as exc:
            return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers={**headers, **exc.headers})
        if ans.truncated:
            headers["X-SPARQL-Truncated"] = f"results capped at {self.max_results}"
        return Response(ans.body, media_type=ans.media_type, headers=headers)


def _ignore_result(f: asyncio.Future[Any]) -> None:
    if not f.cancelled():
        f.exception()  # retrieved, so asyncio does not log it: the worker was killed on purpose


async def _read_body(request: Request) -> bytes:
    """The request body, refused (413) past MAX_BODY_BYTES: by its Content-Length before a
    byte is read, else as soon as the bytes read pass the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise SparqlError(413, f"request body too large (limit {MAX_BODY_BYTES} bytes)")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise SparqlError(413, f"request body too large (limit {MAX_BODY_BYTES} bytes)")
            chunks.append(chunk)
    except ClientDisconnect:
        raise SparqlError(400, "the client went away") from None
    return b"".join(chunks)


async def _query_text(request: Request) -> str:
    if "update" in request.query_params:
        raise SparqlError(400, "this endpoint is read-only: SPARQL Update is not accepted")
    if request.method == "GET":
        text = request.query_params.get("query")
    else:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            raise SparqlError(400, "this endpoint is read-only: SPARQL Update is not accepted")
        if ctype == "application/sparql-query":
            text = (await _read_body(request)).decode("utf-8", "replace")
        elif ctype == "application/x-www-form-urlencoded":
            form = parse_qs((await _read_body(request)).decode("utf-8", "replace"), max_num_fields=20)
            if "update" in form:
                raise SparqlError(400, "this endpoint is read-only: SPARQL Update is not accepted")
            text = form.get("query", [""])[0]
        else:
            raise SparqlError(415, "POST a query as application/sparql-query or as a form field 'query'")
    if not text or not text.strip():
        raise SparqlError(400, "missing 'query' parameter (a SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE query)")
    return text


def _negotiate(accept: str, table: dict[str, str], default: str) -> str:
    """Pick a result format from an Accept header (q-values respected; */* gets the default)."""
    media = next((m for m in preferences(accept) if m in table), None)
    return table[media] if media else default


def sparql_routes(store: Store, base: str | None = None, **options: Any) -> list[Route]:
    """The /sparql route for the API's create_app (options: see SparqlEndpoint)."""
    ep = SparqlEndpoint(store, base, **options)
    return [Route("/sparql", ep.endpoint, methods=["GET", "POST"], name="sparql")]
