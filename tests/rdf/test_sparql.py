"""The read-only SPARQL endpoint, over real HTTP: the API application served by uvicorn on a
loopback port, queries answered by pyoxigraph worker processes."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from rdflib import Graph
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from kb.api.app import create_app
from kb.model import Entity, Evidence, Facts
from kb.rdf.sparql import MAX_BODY_BYTES, SparqlEndpoint, check_query, sparql_routes
from kb.store.base import Store
from kb.store.memory import MemoryStore
from tests.rdf.facts import all_facts

PREFIXES = """
PREFIX pkb: <https://w3id.org/policing-kb/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
OFFICERS = (
    PREFIXES
    + """
SELECT ?name ?force WHERE {
  ?o a pkb:Officer ; schema:name ?name ; pkb:servesIn ?f . ?f schema:name ?force .
} ORDER BY ?name
"""
)
# A cross product of billions of rows, sorted: runs (and grows) until something stops it.
CROSS_JOIN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?f ?i"
ALEX_FORCE = "Thames Valley Police"
README = Path(__file__).resolve().parents[2] / "README.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """The ASGI app served by uvicorn on a loopback port, in a thread; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _sparql_app(store: MemoryStore, **options: Any) -> Any:
    async def health(request: Any) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[*sparql_routes(store, None, **options), Route("/health", health)])


@pytest.fixture(scope="module")
def url(rich_store: MemoryStore) -> Iterator[str]:
    with serve(_sparql_app(rich_store, max_results=50, timeout=30)) as base:
        yield base


def _get(url: str, query: str, timeout: float = 60, **params: str) -> httpx.Response:
    return httpx.get(url + "/sparql", params={"query": query, **params}, timeout=timeout)


def test_select_over_get_returns_sparql_json(url: str) -> None:
    r = _get(url, OFFICERS)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    rows = r.json()["results"]["bindings"]
    # two sources say Alex serves in the force; the default graph (their merge) says it once
    assert [(b["name"]["value"], b["force"]["value"]) for b in rows] == [("Alex Example", "Thames Valley Police")]


def test_select_over_post_form_and_direct_body_with_csv(url: str) -> None:
    r = httpx.post(url + "/sparql", data={"query": OFFICERS}, headers={"accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows == [["name", "force"], ["Alex Example", "Thames Valley Police"]]
    r = httpx.post(
        url + "/sparql",
        content=OFFICERS.encode(),
        headers={"content-type": "application/sparql-query", "accept": "application/sparql-results+xml"},
    )
    assert r.status_code == 200 and "<sparql" in r.text and "Alex Example" in r.text


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_every_documented_select_format(url: str, fmt: str, media: str) -> None:
    q = (
        PREFIXES
        + 'SELECT ?name ?lang WHERE { ?s schema:name ?name . BIND("x"@en AS ?lang) FILTER(?name = "Alex Example") }'
    )
    for r in (_get(url, q, format=fmt), httpx.get(url + "/sparql", params={"query": q}, headers={"accept": media})):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(media)
        text = r.text
        if fmt == "json":
            row = json.loads(text)["results"]["bindings"][0]
            assert row["name"] == {"type": "literal", "value": "Alex Example"}
            assert row["lang"] == {"type": "literal", "value": "x", "xml:lang": "en"}
        elif fmt == "xml":
            assert '<literal xml:lang="en">x</literal>' in text and "<literal>Alex Example</literal>" in text
        elif fmt == "csv":
            assert list(csv.reader(io.StringIO(text))) == [["name", "lang"], ["Alex Example", "x"]]
        else:
            assert text.splitlines() == ["?name\t?lang", '"Alex Example"\t"x"@en']


@pytest.mark.parametrize(
    ("fmt", "media", "rdflib_format"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("nt", "application/n-triples", "nt"),
        ("jsonld", "application/ld+json", "json-ld"),
    ],
)
def test_every_documented_graph_format(url: str, fmt: str, media: str, rdflib_format: str) -> None:
    q = PREFIXES + 'CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n FILTER(?n = "Alex Example") }'
    r = _get(url, q, format=fmt)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    g = Graph().parse(data=r.text, format=rdflib_format)
    assert [str(o) for o in g.objects()] == ["Alex Example"]


def test_ask_both_ways_and_construct_capped(url: str) -> None:
    assert _get(url, PREFIXES + "ASK { ?s a pkb:Statistic }").json()["boolean"] is True
    assert _get(url, PREFIXES + "ASK { ?s a pkb:NoSuchClass }").json()["boolean"] is False
    r = _get(url, PREFIXES + "ASK { ?s a pkb:Statistic }", format="tsv")
    assert r.status_code == 200 and r.text.strip() == "true"
    q = PREFIXES + "CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n }"
    r = _get(url, q, format="nt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    assert len(Graph().parse(data=r.text, format="nt")) == 50  # capped: there are more names
    assert r.headers["x-sparql-truncated"] == "results capped at 50"


def test_named_graphs_are_queryable(url: str) -> None:
    q = PREFIXES + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s pkb:mentionedIn ?src } } ORDER BY ?g"
    graphs = [b["g"]["value"] for b in _get(url, q).json()["results"]["bindings"]]
    assert "https://w3id.org/policing-kb/graph/rdf-test-article" in graphs
    assert "https://w3id.org/policing-kb/graph/rdf-test-table" in graphs
    # the ontology is queryable too, in the default graph and in its own
    q = "ASK { <https://w3id.org/policing-kb/ontology#Officer> ?p ?o }"
    assert _get(url, q).json()["boolean"] is True


def test_result_size_is_capped(url: str) -> None:
    r = _get(url, "SELECT * WHERE { ?s ?p ?o }")
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == 50
    assert "x-sparql-truncated" in r.headers


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, 400, "read-only"),
        ({"update": "DROP ALL"}, 400, "read-only"),
        ({"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}, 400, "SERVICE"),
        ({"query": "SELECT * WHERE { service   <http://127.0.0.1:9/x> { ?s ?p ?o } }"}, 400, "SERVICE"),
        ({"query": "SELEKT nonsense"}, 400, "does not parse"),
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT " + "1" * 20_000}, 413, "longer than"),
        ({}, 400, "missing"),
    ],
)
def test_refused_requests(url: str, params: dict[str, str], status: int, message: str) -> None:
    r = httpx.get(url + "/sparql", params=params)
    assert r.status_code == status, r.text
    assert message in r.text


def test_service_in_strings_iris_and_names_is_not_a_service_call() -> None:
    check_query('SELECT ?service WHERE { ?service <urn:x:SERVICE> "SERVICE" } # SERVICE')
    check_query("PREFIX service: <urn:s:> SELECT * WHERE { ?s service:p ?o ; <http://e.org/SERVICE> ?x }")


def test_from_picks_among_the_kbs_own_graphs_and_fetches_nothing(url: str) -> None:
    q = PREFIXES + "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/policing-kb/graph/rdf-test-table> WHERE { ?s ?p ?o }"
    n = int(_get(url, q).json()["results"]["bindings"][0]["n"]["value"])
    assert n > 0
    t = time.monotonic()
    r = _get(url, "SELECT * FROM <http://10.255.255.1/remote.ttl> WHERE { ?s ?p ?o }")
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    assert time.monotonic() - t < 5  # no connection was attempted


def test_updates_by_post_are_refused(url: str) -> None:
    r = httpx.post(
        url + "/sparql", content=b"DELETE WHERE { ?s ?p ?o }", headers={"content-type": "application/sparql-update"}
    )
    assert r.status_code == 400 and "read-only" in r.text
    assert httpx.post(url + "/sparql", data={"update": "CLEAR ALL"}).status_code == 400
    assert httpx.post(url + "/sparql", content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    assert _get(url, PREFIXES + "ASK { ?s a pkb:Officer }").json()["boolean"] is True


def test_request_body_over_the_limit_is_refused_before_it_is_read(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # declare a 100 MB body and send none of it: the answer must come without waiting for it
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100000000\r\n\r\n"
        )
        t = time.monotonic()
        head = sock.recv(4096)
        assert time.monotonic() - t < 5
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    # a chunked body (no Content-Length) is cut once it passes the limit
    body = b"ASK {" + b" " * (MAX_BODY_BYTES + 10) + b"}"

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 8192):
            yield body[i : i + 8192]

    r = httpx.post(url + "/sparql", content=chunks(), headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413 and "too large" in r.text


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_pids() -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes()
                status = (d / "status").read_text()
            except OSError:
                continue
            ppid = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0)
            if b"kb.rdf.sparql_worker" in cmd and ppid == os.getpid():
                out.append(int(d.name))
    return out


def _busy_workers() -> list[int]:
    """Worker processes of this test process that are using CPU (a query still running)."""
    before = {pid: _cpu_seconds(pid) for pid in _worker_pids()}
    time.sleep(1.0)
    busy = []
    for pid, t0 in before.items():
        t1 = _cpu_seconds(pid)
        if t0 is not None and t1 is not None and t1 - t0 > 0.2:
            busy.append(pid)
    return busy


def test_timeout_stops_the_query_and_the_slots_free_up(rich_store: MemoryStore) -> None:
    with serve(_sparql_app(rich_store, timeout=1.0, max_concurrent=2, build_wait=120)) as base:
        assert _get(base, "ASK { ?s ?p ?o }").status_code == 200  # the store is built, a worker is up
        results: list[httpx.Response] = []

        def slow() -> None:
            results.append(_get(base, CROSS_JOIN))

        threads = [threading.Thread(target=slow) for _ in range(2)]
        t = time.monotonic()
        for th in threads:
            th.start()
        time.sleep(0.3)
        third = _get(base, "ASK { ?s ?p ?o }")  # both slots are held by the slow queries
        health = httpx.get(base + "/health", timeout=5)
        for th in threads:
            th.join(30)
        assert time.monotonic() - t < 10
        assert [r.status_code for r in results] == [503, 503]
        assert all("timed out" in r.text for r in results)
        assert third.status_code == 503 and "too many queries" in third.text
        assert health.status_code == 200
        # the queries were stopped, not abandoned: no worker is still computing
        assert _busy_workers() == []
        # and the endpoint answers again at once, on fresh workers
        r = _get(base, PREFIXES + "ASK { ?s a pkb:Officer }", timeout=10)
        assert r.status_code == 200 and r.json()["boolean"] is True


def test_a_query_that_grows_without_bound_dies_alone(rich_store: MemoryStore) -> None:
    with serve(_sparql_app(rich_store, timeout=120.0, memory=400 << 20)) as base:
        t = time.monotonic()
        r = _get(base, CROSS_JOIN, timeout=150)
        assert r.status_code == 503 and "memory" in r.text, r.text
        assert time.monotonic() - t < 120
        assert _get(base, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_catastrophic_regex_does_not_freeze_the_server(sample_store: MemoryStore) -> None:
    """pyoxigraph's regex has no backtracking: the classic ReDoS pattern answers at once, and
    the rest of the API keeps answering meanwhile."""
    app = create_app(sample_store)
    with serve(app) as base:
        subject = "a" * 15_000 + "!"
        q = f'SELECT ?x WHERE {{ BIND("{subject}" AS ?x) FILTER regex(?x, "^(a+)+$") }}'
        got: list[httpx.Response] = []
        post = lambda: httpx.post(  # noqa: E731
            base + "/sparql", content=q.encode(), headers={"content-type": "application/sparql-query"}, timeout=60
        )
        th = threading.Thread(target=lambda: got.append(post()))
        t = time.monotonic()
        th.start()
        health = httpx.get(base + "/health", timeout=5)
        graphql = httpx.post(base + "/graphql", json={"query": '{ force(id: "kent") { name } }'}, timeout=30)
        th.join(60)
        assert health.status_code == 200 and graphql.json()["data"]["force"]["name"] == "Kent Police"
        assert got and got[0].status_code == 200, got[0].text if got else "no answer"
        assert got[0].json()["results"]["bindings"] == []
        assert time.monotonic() - t < 30
        q = 'ASK { FILTER regex("' + "a" * 5000 + '!", "^(a+)+$") }'
        r = _get(base, q, timeout=10)
        assert r.status_code == 200 and r.json()["boolean"] is False


def test_dataset_follows_store_changes() -> None:
    store = MemoryStore(None)
    for f in all_facts():
        store.upsert(f)
    q = PREFIXES + 'ASK { ?p schema:name "Nova Placeholder" }'
    with serve(_sparql_app(store, refresh=0.0)) as base:
        assert _get(base, q).json()["boolean"] is False
        src = Entity("source/extra", "Source", "extra", props={"sha256": "e" * 64, "sourceKind": "article"})
        place = Entity("place/nova", "Place", "Nova Placeholder", evidence=[Evidence("source/extra", quote="Nova")])
        store.upsert(Facts(src, [place]))
        assert _get(base, q).json()["boolean"] is True


def test_the_store_lives_beside_the_snapshot_and_is_reused(tmp_path: Path) -> None:
    snap = tmp_path / "kb.snapshot"
    store = MemoryStore(snap)
    for f in all_facts():
        store.upsert(f)
    store.flush()
    reopened = MemoryStore(snap)
    ep = SparqlEndpoint(reopened, None)
    path = ep.data.current(wait=120)
    assert path.parent == tmp_path / "kb.snapshot.sparql"
    built = (path / "fingerprint.json").stat().st_mtime_ns
    again = SparqlEndpoint(MemoryStore(snap), None)  # a server restarted on the same snapshot
    assert again.data.current(wait=0) == path
    assert (path / "fingerprint.json").stat().st_mtime_ns == built
    ep.close()
    again.close()


def test_check_query_accepts_the_documented_examples() -> None:
    queries = [block.split("```", 1)[0] for block in README.read_text(encoding="utf-8").split("```sparql\n")[1:]]
    assert len(queries) >= 3
    for q in queries:
        check_query(q)


def test_documented_examples_answer_on_the_sample_kb(sample_store: MemoryStore) -> None:
    queries = [b.split("```", 1)[0] for b in README.read_text(encoding="utf-8").split("```sparql\n")[1:]]
    # a generous timeout: this test checks the answers, not the speed (CI machines are busy)
    with serve(_sparql_app(sample_store, timeout=120)) as base:
        for q in queries:
            r = _get(base, q, timeout=180)
            assert r.status_code == 200, r.text
            rows = r.json()["results"]["bindings"]
            assert rows, q
            assert all(len(row) >= 2 for row in rows)


@pytest.mark.neo4j
def test_neo4j_store_gets_its_sparql_store_from_an_export(
    neo4j_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neo4j has no snapshot: its SPARQL store is built from an export, in $KB_SPARQL_DIR, and
    rebuilt when the KB's counts or a source's SHA-256 change."""
    monkeypatch.setenv("KB_SPARQL_DIR", str(tmp_path / "neo4j-sparql"))
    for f in all_facts():
        neo4j_store.upsert(f)
    ep = SparqlEndpoint(neo4j_store, None, refresh=0.0)
    try:
        path = ep.data.current(wait=120)
        assert path.parent == tmp_path / "neo4j-sparql"
        with serve(Starlette(routes=[Route("/sparql", ep.endpoint, methods=["GET", "POST"])])) as base:
            r = _get(base, OFFICERS)
            assert r.status_code == 200, r.text
            rows = r.json()["results"]["bindings"]
            assert [(b["name"]["value"], b["force"]["value"]) for b in rows] == [
                ("Alex Example", "Thames Valley Police")
            ]
            q = PREFIXES + 'ASK { ?p schema:name "Nova Placeholder" }'
            assert _get(base, q).json()["boolean"] is False
            src = Entity("source/extra", "Source", "extra", props={"sha256": "e" * 64, "sourceKind": "article"})
            place = Entity("place/nova", "Place", "Nova Placeholder", evidence=[Evidence("source/extra", quote="Nova")])
            neo4j_store.upsert(Facts(src, [place]))
            assert _get(base, q).json()["boolean"] is True
        assert ep.data.current(wait=0) != path  # a new version
    finally:
        ep.close()
