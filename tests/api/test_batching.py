"""No N+1: nested relationship fields are read in batches, whatever the number of entities."""

from __future__ import annotations

import pytest

from kb.api.app import create_app
from kb.model import Facts
from kb.reference import reference_facts
from kb.store.memory import MemoryStore
from tests.api.conftest import TestClient
from tests.api.counting import CountingStore
from tests.api.kbdata import crowd_facts

# Three levels below the listed officers: force -> allegations -> outcomes, each with evidence and sources.
NESTED = """
query($n: Int!) {
  officers(first: $n, where: {name: {startsWith: "Officer crowd"}}) {
    totalCount
    nodes {
      name
      ... on Officer {
        forces(first: 2) { node { name } evidence(first: 2) { source { title } } }
        allegations(first: 2) {
          node { ... on Allegation { category outcomes(first: 2) {
            node { category sources(first: 2) { title } } evidence(first: 2) { locator } } } }
        }
      }
    }
  }
}
"""


def _calls(facts: Facts, n: int) -> tuple[int, dict[str, int]]:
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), facts])
    with TestClient(create_app(store)) as client:
        store.calls.clear()
        r = client.post("/graphql", json={"query": NESTED, "variables": {"n": n}})
    doc = r.json()
    assert not doc.get("errors"), doc
    officers = doc["data"]["officers"]["nodes"]
    assert len(officers) == n
    # the answer is complete: every officer has its force and its allegation's outcome
    assert all(o["forces"][0]["node"]["name"] == "Kent Police" for o in officers)
    assert all(o["allegations"][0]["node"]["outcomes"][0]["node"]["category"] == "no-case-to-answer" for o in officers)
    return store.total, dict(store.calls)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_store_calls_do_not_grow_with_entities() -> None:
    _, small = _calls(crowd_facts(5, tag="crowd"), 5)
    big_total, big = _calls(crowd_facts(50, tag="crowd"), 50)
    assert big == small, f"store calls grew with the number of entities: {small} -> {big}"
    # a small constant: one list, then a few batched edge and node reads per level
    assert big_total <= 12, big


# Entities reached through a graph answer are batched by the DataLoaders too.
GRAPH = """
{
  neighbourhood(id: "force/kent", relationTypes: [SERVES_IN], limit: 500) {
    nodes { id ... on Officer { allegations(first: 2) { node { ... on Allegation { outcomes(first: 2) {
      node { category } } } } } } }
  }
}
"""


def _graph_calls(n: int) -> dict[str, int]:
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(n)])
    with TestClient(create_app(store)) as client:
        store.calls.clear()
        doc = client.post("/graphql", json={"query": GRAPH}).json()
    assert not doc.get("errors"), doc
    officers = [x for x in doc["data"]["neighbourhood"]["nodes"] if "allegations" in x]
    assert len(officers) == n
    assert all(o["allegations"][0]["node"]["outcomes"][0]["node"]["category"] == "no-case-to-answer" for o in officers)
    return dict(store.calls)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_entities_reached_through_a_graph_are_batched_too() -> None:
    assert _graph_calls(5) == _graph_calls(50)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_only_the_page_shown_is_read() -> None:
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(50)])
    q = """{ force(id: "kent") { officers(first: 3) { node { ... on Officer {
             allegations { node { ... on Allegation { outcomes { node { category } } } } } } } } } }"""
    with TestClient(create_app(store)) as client:
        store.entities_read = 0
        doc = client.post("/graphql", json={"query": q}).json()
    assert not doc.get("errors"), doc
    assert len(doc["data"]["force"]["officers"]) == 3
    # the force, 3 officers, their 3 allegations and 3 outcomes: not the 50 officers of the force
    assert store.entities_read == 1 + 3 + 3 + 3


# A page of a hub's relationships reads that page, not the hub's every relationship.
HUB_PAGE = """
{
  force(id: "force/kent") {
    officers(first: 3) { node { id ... on Officer { allegations(first: 1) { node { id } } } } }
  }
}
"""


def test_a_page_of_a_hub_reads_only_that_page() -> None:
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(400)])
    every = sorted(e.source for e in store.edges(["force/kent"], ["SERVES_IN"], "in"))
    assert len(every) >= 400
    with TestClient(create_app(store)) as client:
        store.calls.clear()
        store.edges_read = 0
        doc = client.post("/graphql", json={"query": HUB_PAGE}).json()
    assert not doc.get("errors"), doc
    officers = doc["data"]["force"]["officers"]
    assert [o["node"]["id"] for o in officers] == every[:3]  # the first page, in order
    assert all(len(o["node"]["allegations"]) == 1 for o in officers)
    assert store.edges_read <= 3 + 3, (store.edges_read, dict(store.calls))


def test_the_server_warms_the_store_before_serving() -> None:
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(300)])
    cold = {e.id for e in store.first_edges(["force/kent"], ["SERVES_IN"], "in", 7)}
    with TestClient(create_app(store)) as client:
        assert store.calls["warm"] == 1  # at start-up, before any request
        doc = client.post("/graphql", json={"query": HUB_PAGE}).json()
    assert not doc.get("errors"), doc
    # warm indexes answer exactly as cold reads did
    assert {e.id for e in store.first_edges(["force/kent"], ["SERVES_IN"], "in", 7)} == cold
    hits = store.search("officer crowd")
    assert hits and all("crowd" in h.node.name.lower() for h in hits)


def test_a_short_page_of_a_list_does_not_cut_a_longer_page_of_it() -> None:
    # the force's officers are listed twice: two of them at the top, five further down
    query = """{ force(id: "kent") { officers(first: 2) { node { ... on Officer { forces { node {
      ... on PoliceForce { officers(first: 5) { node { id } } } } } } } } } }"""
    store = MemoryStore(None)
    store.upsert_many([reference_facts(), crowd_facts(10)])
    with TestClient(create_app(store)) as client:
        doc = client.post("/graphql", json={"query": query}).json()
    assert not doc.get("errors"), doc
    inner = [f["node"]["officers"] for o in doc["data"]["force"]["officers"] for f in o["node"]["forces"]]
    first_five = sorted(e.source for e in store.edges(["force/kent"], ["SERVES_IN"], "in"))[:5]
    assert len(inner) == 2
    assert all([x["node"]["id"] for x in lst] == first_five for lst in inner)
