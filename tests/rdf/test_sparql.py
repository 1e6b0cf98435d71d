"""The read-only SPARQL endpoint, through real HTTP requests to a starlette app."""

from __future__ import annotations

import csv
import io
import threading
import time
from typing import Any

import pytest
from rdflib import Graph
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from kb.model import Entity, Evidence, Facts
from kb.rdf.sparql import SparqlEndpoint, check_query, sparql_routes
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


@pytest.fixture(scope="module")
def client(rich_store: MemoryStore):
    app = Starlette(routes=sparql_routes(rich_store, None, max_results=50))
    with TestClient(app) as c:
        yield c


def test_select_over_get_returns_sparql_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": OFFICERS})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    rows = r.json()["results"]["bindings"]
    assert [(b["name"]["value"], b["force"]["value"]) for b in rows] == [("Alex Example", "Thames Valley Police")]


def test_select_over_post_form_and_direct_body_with_csv(client: TestClient) -> None:
    r = client.post("/sparql", data={"query": OFFICERS}, headers={"accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows == [["name", "force"], ["Alex Example", "Thames Valley Police"]]
    r = client.post(
        "/sparql",
        content=OFFICERS.encode(),
        headers={"content-type": "application/sparql-query", "accept": "application/sparql-results+xml"},
    )
    assert r.status_code == 200 and "<sparql" in r.text and "Alex Example" in r.text


def test_named_graphs_are_queryable(client: TestClient) -> None:
    q = (
        PREFIXES
        + """
    SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s pkb:mentionedIn ?src } } ORDER BY ?g
    """
    )
    r = client.get("/sparql", params={"query": q})
    graphs = [b["g"]["value"] for b in r.json()["results"]["bindings"]]
    assert "https://w3id.org/policing-kb/graph/rdf-test-article" in graphs
    assert "https://w3id.org/policing-kb/graph/rdf-test-table" in graphs


def test_ask_and_construct(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": PREFIXES + "ASK { ?s a pkb:Statistic }"})
    assert r.json()["boolean"] is True
    q = PREFIXES + "CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n }"
    r = client.get("/sparql", params={"query": q, "format": "nt"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    g = Graph().parse(data=r.text, format="nt")
    assert len(g) == 50  # capped: there are more names than max_results
    assert r.headers["x-sparql-truncated"] == "results capped at 50"


def test_result_size_is_capped(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == 50
    assert "x-sparql-truncated" in r.headers


@pytest.mark.parametrize(
    ("request_kw", "status", "message"),
    [
        ({"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 400, "read-only"),
        ({"params": {"update": "DROP ALL"}}, 400, "read-only"),
        ({"params": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}}, 400, "SERVICE"),
        ({"params": {"query": "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }"}}, 400, "FROM"),
        ({"params": {"query": "SELEKT nonsense"}}, 400, "does not parse"),
        ({"params": {}}, 400, "missing"),
    ],
)
def test_refused_requests(client: TestClient, request_kw: dict[str, Any], status: int, message: str) -> None:
    r = client.get("/sparql", **request_kw)
    assert r.status_code == status
    assert message in r.text


def test_updates_by_post_are_refused(client: TestClient) -> None:
    r = client.post(
        "/sparql", content=b"DELETE WHERE { ?s ?p ?o }", headers={"content-type": "application/sparql-update"}
    )
    assert r.status_code == 400 and "read-only" in r.text
    r = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 400
    r = client.post("/sparql", content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    # and the data is still all there
    r = client.get("/sparql", params={"query": PREFIXES + "ASK { ?s a pkb:Officer }"})
    assert r.json()["boolean"] is True


def test_timeout_answers_503(rich_store: MemoryStore) -> None:
    ep = SparqlEndpoint(rich_store, None, timeout=0.2)
    release = threading.Event()
    real_run = ep.run

    def slow_run(text, accept, cancel):
        release.wait(5)
        return real_run(text, accept, cancel)

    ep.run = slow_run  # type: ignore[method-assign]
    app = Starlette(routes=[Route("/sparql", ep.endpoint)])
    with TestClient(app) as c:
        t = time.monotonic()
        r = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 503 and "timed out" in r.text
        assert time.monotonic() - t < 3
    release.set()


def test_slow_query_is_cut_by_the_timeout(rich_store: MemoryStore) -> None:
    app = Starlette(routes=sparql_routes(rich_store, None, timeout=0.5, max_results=10**9))
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # a cross product of billions of rows
    with TestClient(app) as c:
        t = time.monotonic()
        r = c.get("/sparql", params={"query": q})
        assert r.status_code == 503
        assert time.monotonic() - t < 5


def test_dataset_follows_store_changes() -> None:
    store = MemoryStore(None)
    for f in all_facts():
        store.upsert(f)
    ep = SparqlEndpoint(store, None, refresh=0.0)
    q = PREFIXES + 'ASK { ?p schema:name "Nova Placeholder" }'
    app = Starlette(routes=[Route("/sparql", ep.endpoint)])
    with TestClient(app) as c:
        assert c.get("/sparql", params={"query": q}).json()["boolean"] is False
        src = Entity("source/extra", "Source", "extra", props={"sha256": "e" * 64, "sourceKind": "article"})
        place = Entity("place/nova", "Place", "Nova Placeholder", evidence=[Evidence("source/extra", quote="Nova")])
        store.upsert(Facts(src, [place]))
        assert c.get("/sparql", params={"query": q}).json()["boolean"] is True


def test_check_query_accepts_the_documented_examples() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "README.md"
    text = doc.read_text(encoding="utf-8")
    queries = [block.split("```", 1)[0] for block in text.split("```sparql\n")[1:]]
    assert len(queries) >= 3
    for q in queries:
        check_query(q)


def test_documented_examples_answer_on_the_sample_kb(sample_store: MemoryStore) -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "README.md"
    queries = [b.split("```", 1)[0] for b in doc.read_text(encoding="utf-8").split("```sparql\n")[1:]]
    # a generous timeout: this test checks the answers, not the speed (CI machines are busy)
    app = Starlette(routes=sparql_routes(sample_store, None, timeout=120))
    with TestClient(app) as c:
        for q in queries:
            r = c.get("/sparql", params={"query": q})
            assert r.status_code == 200, r.text
            rows = r.json()["results"]["bindings"]
            assert rows, q
            assert all(len(row) >= 2 for row in rows)


def test_too_large_a_kb_is_refused_with_advice(rich_store: MemoryStore) -> None:
    app = Starlette(routes=sparql_routes(rich_store, None, max_triples=1000))
    with TestClient(app) as c:
        r = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 503
    assert "triple store" in r.text and "policekb export --format nq" in r.text
