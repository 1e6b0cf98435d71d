"""A read-only SPARQL 1.1 endpoint (/sparql) over the KB's RDF export.

The dataset is built lazily from the store (the N-Quads export, so every source keeps its
named graph; the default graph is their union plus the ontology) and rebuilt when the
store's counts change. Protocol: GET ?query=, POST form (query=) or POST
application/sparql-query. Results: SPARQL JSON, XML, CSV or TSV for SELECT/ASK; Turtle,
N-Triples or JSON-LD for CONSTRUCT/DESCRIBE, by Accept header or ``format``.

Safety: updates are refused, SERVICE (federated queries) and FROM / FROM NAMED (which
would make the server fetch URLs) are refused, queries run in a worker thread with a
timeout, at most ``max_concurrent`` run at once, and results are capped at ``max_results``
rows (the response then says so in the X-SPARQL-Truncated header). The dataset lives in
memory (rdflib), so KBs above ``max_triples`` are refused with advice to use a triple store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Variable
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kb.accept import preferences
from kb.rdf.export import export
from kb.rdf.owl import render_ontology
from kb.rdf.terms import Iris, ontology_iri
from kb.store.base import Store

SELECT_TYPES: dict[str, tuple[str, str]] = {
    # media type -> (rdflib result format, response media type)
    "application/sparql-results+json": ("json", "application/sparql-results+json"),
    "application/json": ("json", "application/sparql-results+json"),
    "application/sparql-results+xml": ("xml", "application/sparql-results+xml"),
    "application/xml": ("xml", "application/sparql-results+xml"),
    "text/csv": ("csv", "text/csv; charset=utf-8"),
    "text/tab-separated-values": ("tsv", "text/tab-separated-values; charset=utf-8"),
}
GRAPH_TYPES: dict[str, tuple[str, str]] = {
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/n-triples": ("nt", "application/n-triples"),
    "application/ld+json": ("json-ld", "application/ld+json"),
}
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


class SparqlError(Exception):
    """A request the endpoint refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False


def _walk(node: Any) -> Any:
    """Every CompValue in a parsed query's algebra."""
    if isinstance(node, CompValue):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _walk(v)


def check_query(text: str) -> Any:
    """Parse a query; refuse updates, federation and remote datasets."""
    if len(text) > MAX_QUERY_CHARS:
        raise SparqlError(413, f"query longer than {MAX_QUERY_CHARS} characters")
    try:
        q = prepareQuery(text)
    except Exception as exc:  # pyparsing raises several types; all mean a bad query
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if any(w in text.upper() for w in ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE")):
            raise SparqlError(400, f"this endpoint is read-only: SPARQL Update is not accepted ({first})") from None
        raise SparqlError(400, f"query does not parse: {first}") from None
    for comp in _walk(q.algebra):
        if comp.name == "ServiceGraphPattern":
            raise SparqlError(400, "SERVICE (federated query) is not allowed on this endpoint")
    if q.algebra.get("datasetClause"):
        raise SparqlError(400, "FROM / FROM NAMED are not allowed: query the KB's own graphs (GRAPH ?g { ... })")
    return q


class SparqlEndpoint:
    """The dataset and the query runner behind /sparql."""

    def __init__(
        self,
        store: Store,
        base: str | None = None,
        timeout: float = 10.0,
        max_results: int = 10_000,
        max_concurrent: int = 2,
        refresh: float = 30.0,
        max_triples: int = 3_000_000,
    ) -> None:
        self.store = store
        self.base = base
        self.timeout = timeout
        self.max_results = max_results
        self.refresh = refresh
        self.max_triples = max_triples
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="sparql")
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._fingerprint: object = None
        self._checked = 0.0

    # -- the dataset ----------------------------------------------------------------
    def _store_fingerprint(self) -> object:
        s = self.store.stats()
        return (tuple(sorted(s.entities.items())), tuple(sorted(s.relations.items())), s.sources)

    def dataset(self) -> Dataset:
        """The KB as an rdflib Dataset, built on first use and after the store changed."""
        with self._lock:
            now = time.monotonic()
            if self._dataset is not None and now - self._checked < self.refresh:
                return self._dataset
            fp = self._store_fingerprint()
            self._checked = now
            if self._dataset is None or fp != self._fingerprint:
                self._dataset = self._build()
                self._fingerprint = fp
            return self._dataset

    def _build(self) -> Dataset:
        stats = self.store.stats()
        # about 15 triples per entity and 13 per relation (with their evidence); rdflib keeps
        # roughly 1 KB a triple in memory, so a national-scale KB belongs in a triple store
        estimate = 15 * (stats.total_entities + stats.sources) + 13 * stats.total_relations
        if estimate > self.max_triples:
            raise SparqlError(
                503,
                f"the KB (about {estimate:,} triples) is larger than this embedded endpoint serves "
                f"({self.max_triples:,}): load `policekb export --format nq` into a triple store instead",
            )
        buf = io.BytesIO()
        export(self.store, "nq", buf, base=self.base)
        ds = Dataset(default_union=True)
        ds.parse(data=buf.getvalue(), format="nquads")
        onto = ds.graph(URIRef(ontology_iri(Iris(self.base).onto)))
        onto.parse(data=render_ontology(), format="turtle")
        for prefix, ns in Iris(self.base).onto.prefixes.items():
            ds.bind(prefix, ns, replace=True)
        return ds

    # -- running queries ----------------------------------------------------------------
    def run(self, text: str, accept: str, cancel: threading.Event) -> Answer:
        """Parse, evaluate and serialise one query (blocking; call from a worker thread)."""
        q = check_query(text)
        ds = self.dataset()
        result = ds.query(q)
        if result.type in ("SELECT", "ASK"):
            fmt, media = _negotiate(accept, SELECT_TYPES, "application/sparql-results+json")
            truncated = False
            if result.type == "SELECT":
                names = list(result.vars or [])
                rows: list[dict[Variable, Identifier]] = []
                for row in result:
                    if cancel.is_set():
                        raise SparqlError(503, "query cancelled after the timeout")
                    if len(rows) >= self.max_results:
                        truncated = True
                        break
                    assert isinstance(row, ResultRow)
                    rows.append({v: row[i] for i, v in enumerate(names) if row[i] is not None})
                capped = Result("SELECT")
                capped.vars = names
                capped.bindings = rows  # type: ignore[assignment]
                result = capped
            out = io.BytesIO()
            result.serialize(out, format=fmt, encoding="utf-8")
            return Answer(out.getvalue(), media, truncated)
        fmt, media = _negotiate(accept, GRAPH_TYPES, "text/turtle")
        g = Graph()
        for prefix, ns in ds.namespaces():
            g.bind(prefix, ns)
        truncated = False
        for i, t in enumerate(result):
            if cancel.is_set():
                raise SparqlError(503, "query cancelled after the timeout")
            if i >= self.max_results:
                truncated = True
                break
            g.add(t)  # type: ignore[arg-type]
        return Answer(g.serialize(format=fmt, encoding="utf-8"), media, truncated)

    async def answer(self, text: str, accept: str) -> Answer:
        """Run a query in a worker thread, within the timeout and the concurrency limit."""
        if not self._slots.acquire(blocking=False):
            raise SparqlError(503, "too many queries running: try again shortly")
        cancel = threading.Event()

        def job() -> Answer:
            try:
                return self.run(text, accept, cancel)
            finally:
                self._slots.release()

        try:
            future = self._executor.submit(job)
        except BaseException:
            self._slots.release()
            raise
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=self.timeout)
        except TimeoutError:
            cancel.set()
            raise SparqlError(503, f"query timed out after {self.timeout:g} s") from None

    # -- HTTP ---------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
        try:
            text = await _query_text(request)
            accept = request.query_params.get("format", "") or request.headers.get("accept", "")
            accept = FORMAT_ALIASES.get(accept, accept)
            ans = await self.answer(text, accept)
        except SparqlError as exc:
            return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=headers)
        if ans.truncated:
            headers["X-SPARQL-Truncated"] = f"results capped at {self.max_results}"
        return Response(ans.body, media_type=ans.media_type, headers=headers)


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
            text = (await request.body()).decode("utf-8", "replace")
        elif ctype == "application/x-www-form-urlencoded":
            form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=20)
            if "update" in form:
                raise SparqlError(400, "this endpoint is read-only: SPARQL Update is not accepted")
            text = form.get("query", [""])[0]
        else:
            raise SparqlError(415, "POST a query as application/sparql-query or as a form field 'query'")
    if not text or not text.strip():
        raise SparqlError(400, "missing 'query' parameter (a SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE query)")
    return text


def _negotiate(accept: str, table: dict[str, tuple[str, str]], default: str) -> tuple[str, str]:
    """Pick a result format from an Accept header (q-values respected; */* gets the default)."""
    media = next((m for m in preferences(accept) if m in table), None)
    return table[media or default]


def sparql_routes(store: Store, base: str | None = None, **options: Any) -> list[Route]:
    """The /sparql route for the API's create_app (options: timeout, max_results, max_concurrent)."""
    ep = SparqlEndpoint(store, base, **options)
    return [Route("/sparql", ep.endpoint, methods=["GET", "POST"], name="sparql")]
