"""create_app options: the IRI base, queries over GET, read-only behaviour."""

from __future__ import annotations

import pytest

from kb.api.app import create_app
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_base_iri_is_configurable(memory_kb: MemoryStore) -> None:
    base = "https://kb.example.org"
    with TestClient(create_app(memory_kb, base=base + "/")) as c:
        gql = GQL(c)
        d = gql(f'{{ a: force(id: "{base}/id/force/kent") {{ iri }} b: entity(id: "force/kent") {{ iri }} }}')
        assert d["a"]["iri"] == d["b"]["iri"] == f"{base}/id/force/kent"
        assert f"{base}/id/force/kent" in c.get("/id/force/kent").text


def test_queries_over_get(client: TestClient) -> None:
    r = client.get(
        "/graphql", params={"query": '{ force(id: "kent") { name } }'}, headers={"accept": "application/json"}
    )
    assert r.status_code == 200
    assert r.json() == {"data": {"force": {"name": "Kent Police"}}}


def test_empty_page_and_negative_first(mgql: GQL) -> None:
    d = mgql("{ forces(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } }")
    assert d["forces"]["edges"] == [] and d["forces"]["totalCount"] >= 48
    assert d["forces"]["pageInfo"]["endCursor"] is None
    assert "must not be negative" in mgql.errors("{ forces(first: -1) { totalCount } }")[0]


def test_unknown_field_and_bad_enum_are_clear_errors(mgql: GQL) -> None:
    assert "Cannot query field 'nope'" in mgql.errors('{ force(id: "kent") { nope } }')[0]
    assert "RelationType" in mgql.errors('{ paths(from: "a/b", to: "c/d", relationTypes: [NOPE]) { length } }')[0]


def test_sparql_endpoint_is_mounted(client: TestClient) -> None:
    q = "SELECT ?name WHERE { <https://w3id.org/policing-kb/id/force/kent> <https://schema.org/name> ?name }"
    r = client.get("/sparql", params={"query": q}, headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert [b["name"]["value"] for b in rows] == ["Kent Police"]
