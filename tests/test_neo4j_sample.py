"""The bundled sample KB in Neo4j: the same graph as the memory store, and the six ready
Neo4j Browser queries (ontology/browser-queries.cypher) each returning rows on it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from neo4j import GraphDatabase

from kb.paths import ontology_dir, sample_dir
from kb.store.memory import MemoryStore
from kb.store.neo4j import Neo4jStore
from tests.fixtures.bolt import BoltServer
from tests.test_store_conformance import assert_same_graph

pytestmark = pytest.mark.neo4j

QUERIES_FILE = ontology_dir() / "browser-queries.cypher"


@dataclass
class BrowserQuery:
    title: str
    text: str
    params: dict[str, str] = field(default_factory=dict)


def browser_queries() -> list[BrowserQuery]:
    """The numbered queries of the file, with their :param examples."""
    out = []
    for block in QUERIES_FILE.read_text(encoding="utf-8").split(";\n"):
        lines = block.strip().splitlines()
        titles = [m.group(1) for ln in lines if (m := re.match(r"//\s*\d+\.\s*(.+)", ln))]
        if not titles:
            continue
        params = {
            m.group(1): m.group(2) for ln in lines if (m := re.match(r"//\s*:param\s+(\w+)\s*=>\s*'([^']*)'", ln))
        }
        text = "\n".join(ln for ln in lines if not ln.lstrip().startswith("//"))
        out.append(BrowserQuery(titles[-1], text.strip(), params))
    return out


@pytest.fixture(scope="module")
def sample_neo4j(_shared_neo4j_store: Neo4jStore) -> Iterator[Neo4jStore]:
    from kb.app.pipeline import load_paths

    store = _shared_neo4j_store
    store.clear()
    load_paths(store, [sample_dir()])
    yield store
    store.clear()


def test_sample_kb_is_the_same_in_both_stores(sample_neo4j: Neo4jStore, sample_store: MemoryStore) -> None:
    assert sample_store.stats().total_entities > 100
    assert_same_graph(sample_store, sample_neo4j)
    for text in ("met police", "devon & cornwall", "IOPC", "constable"):
        got = [(h.node.id, h.score) for h in sample_neo4j.search(text)]
        assert got == [(h.node.id, h.score) for h in sample_store.search(text)], text
    assert sample_neo4j.search("met police")[0].node.id == "force/metropolitan"
    assert sample_neo4j.search("devon & cornwall")[0].node.id == "force/devon-and-cornwall"


def test_the_file_has_six_titled_queries() -> None:
    titles = [q.title for q in browser_queries()]
    assert titles == [
        "A force's officers and their cases",
        "Everything an oversight body investigated",
        "The path between two people",
        "Outcomes by category per force",
        "The sources behind one relationship",
        "Officers sharing a case",
    ]


def _run(bolt: BoltServer, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with (
        GraphDatabase.driver(bolt.uri, auth=(bolt.user, bolt.password)) as driver,
        driver.session(database=bolt.database) as s,
    ):
        return [r.data() for r in s.run(query, params)]


def _params_from_sample(store: MemoryStore) -> dict[str, dict[str, str]]:
    """Parameters that point at real things in the sample KB, per query title."""
    officers_by_force: dict[str, int] = {}
    for e in store.iter_edges():
        if e.type == "SERVES_IN":
            officers_by_force[e.target] = officers_by_force.get(e.target, 0) + 1
    force = max(officers_by_force, key=lambda f: (officers_by_force[f], f))
    # oversight bodies only: a force is INVESTIGATED_BY's target too, for the hearings it holds
    bodies = [
        e.target
        for e in store.iter_edges()
        if e.type in ("INVESTIGATED_BY", "REFERRED_TO")
        and (n := store.get(e.target)) is not None
        and n.type == "OversightBody"
    ]
    body = max(set(bodies), key=lambda b: (bodies.count(b), b))
    serves = next(e for e in sorted(store.iter_edges(), key=lambda e: e.id) if e.type == "SERVES_IN")
    # two people joined by a short path: speakers or officers around the same force
    people = [n.id for n in store.iter_nodes("Person")]
    pair = None
    for a in people:
        for b in people:
            if a < b and store.paths(a, b, 4):
                pair = (a, b)
                break
        if pair:
            break
    assert pair is not None, "the sample KB has no two connected people"
    return {
        "A force's officers and their cases": {"force": force},
        "Everything an oversight body investigated": {"body": body},
        "The path between two people": {"from": pair[0], "to": pair[1]},
        "The sources behind one relationship": {"from": serves.source, "to": serves.target},
    }


def test_every_browser_query_returns_rows_on_the_sample(
    sample_neo4j: Neo4jStore, sample_store: MemoryStore, bolt_server: BoltServer
) -> None:
    params = _params_from_sample(sample_store)
    for q in browser_queries():
        p = dict(q.params)
        p.update(params.get(q.title, {}))
        rows = _run(bolt_server, q.text, p)
        assert rows, f"query {q.title!r} returned no rows with {p}"
        if q.title == "A force's officers and their cases":
            assert all(r["officer"] for r in rows)
        if q.title == "The path between two people":
            assert rows[0]["via"][0] and len(rows[0]["relations"]) >= 1
        if q.title == "The sources behind one relationship":
            assert rows[0]["relation"] == "SERVES_IN" and rows[0]["source"]
        if q.title == "Outcomes by category per force":
            assert all(r["outcomes"] >= 1 and r["category"] for r in rows)
        if q.title == "Officers sharing a case":
            assert all(r["officer"] != r["other_officer"] for r in rows)


def _standing_outcomes_per_force(store: MemoryStore, reversals: bool = True) -> dict[tuple[str, str], int]:
    """The reference for query 4, in Python over the memory store: outcomes reached through
    Outcome <-RESULTED_IN- Investigation -CONCERNS-> Allegation -AGAINST-> Officer/PoliceForce,
    without those a standing later outcome REVERSES, counted per (force name, category)."""
    edges = list(store.iter_edges())

    def kind(i: str) -> str:
        n = store.get(i)
        return n.type if n is not None else ""

    def out(src: str, rel: str) -> list[str]:
        return [e.target for e in edges if e.source == src and e.type == rel]

    reversers = {
        o: [e.source for e in edges if e.type == "REVERSES" and e.target == o] for o in {e.target for e in edges}
    }

    def stands(o: str) -> bool:
        if not reversals:
            return True
        return not any(not reversers.get(r) for r in reversers.get(o, []))

    found: dict[tuple[str, str], set[str]] = {}
    for e in edges:
        if e.type != "RESULTED_IN" or kind(e.source) != "Investigation" or not stands(e.target):
            continue
        for a in out(e.source, "CONCERNS"):
            if kind(a) != "Allegation":
                continue
            for x in out(a, "AGAINST"):
                forces = [x] if kind(x) == "PoliceForce" else out(x, "SERVES_IN") if kind(x) == "Officer" else []
                for f in forces:
                    force, outcome = store.get(f), store.get(e.target)
                    assert force is not None and outcome is not None
                    key = (force.name, str(outcome.props.get("category")))
                    found.setdefault(key, set()).add(e.target)
    return {k: len(v) for k, v in found.items()}


def test_outcomes_per_force_follow_the_case_chain_and_leave_reversed_ones_out(
    sample_neo4j: Neo4jStore, sample_store: MemoryStore, bolt_server: BoltServer
) -> None:
    (q,) = [q for q in browser_queries() if q.title == "Outcomes by category per force"]
    rows = _run(bolt_server, q.text, {})
    got = {(r["force"], r["category"]): r["outcomes"] for r in rows}
    assert got == _standing_outcomes_per_force(sample_store)
    # the sample has reversed outcomes on the chain, so leaving them out changes the answer
    assert sum(_standing_outcomes_per_force(sample_store, reversals=False).values()) > sum(got.values())


def test_graphql_examples_answer_the_same_from_neo4j(sample_neo4j: Neo4jStore, sample_store: MemoryStore) -> None:
    """`policekb serve --store neo4j`: every documented operation gives the memory store's answer."""
    import json

    from starlette.testclient import TestClient

    from kb.api.app import create_app
    from kb.paths import project_root

    examples = sorted((project_root() / "graphql" / "examples").glob("*.graphql"))
    assert len(examples) >= 10
    with TestClient(create_app(sample_store)) as mem_client, TestClient(create_app(sample_neo4j)) as neo_client:
        for path in examples:
            variables_file = path.with_suffix(".json")
            variables = json.loads(variables_file.read_text(encoding="utf-8")) if variables_file.exists() else {}
            body = {"query": path.read_text(encoding="utf-8"), "variables": variables}
            want = mem_client.post("/graphql", json=body)
            got = neo_client.post("/graphql", json=body)
            assert got.status_code == want.status_code == 200, path.name
            assert "errors" not in want.json(), path.name
            assert got.json() == want.json(), path.name
