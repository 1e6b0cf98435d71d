"""Hostile queries get a clear GraphQL error, cost little, and the server keeps answering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from kb.api.app import MAX_BODY_BYTES, create_app
from kb.api.cost import MAX_TOKENS
from kb.api.schema import MAX_ALIASES, MAX_DEPTH
from kb.model import Edge, Node
from kb.store.base import SearchHit
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, TestClient
from tests.api.counting import CountingStore
from tests.api.kbdata import load_test_kb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NORMAL = '{ force(id: "kent") { name } }'


def _still_up(gql: GQL) -> None:
    assert gql(NORMAL) == {"force": {"name": "Kent Police"}}


def test_deep_nesting(mgql: GQL) -> None:
    inner = "name"
    for _ in range(30):
        inner = f"officers {{ node {{ forces {{ node {{ {inner} }} }} }} }}"
    errs = mgql.errors(f'{{ force(id: "kent") {{ {inner} }} }}')
    assert any("exceeds maximum operation depth" in e for e in errs), errs
    assert str(MAX_DEPTH) in " ".join(errs)
    _still_up(mgql)


def test_a_thousand_aliases(mgql: GQL) -> None:
    q = "{ " + " ".join(f'a{i}: force(id: "kent") {{ name }}' for i in range(1000)) + " }"
    errs = mgql.errors(q)
    assert any("aliases" in e.lower() or "token" in e.lower() for e in errs), errs
    _still_up(mgql)


def test_aliases_over_the_limit_even_within_the_token_budget(mgql: GQL) -> None:
    q = "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1)) + " }"
    errs = mgql.errors(q)
    assert any(f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}" in e for e in errs), errs


def test_aliases_hidden_in_fragments_are_counted(mgql: GQL) -> None:
    frag = " ".join(f"a{i}: name" for i in range(MAX_ALIASES + 1))
    errs = mgql.errors(f'{{ force(id: "kent") {{ ...F }} }} fragment F on PoliceForce {{ {frag} }}')
    assert any("aliases" in e for e in errs), errs


def test_huge_first(mgql: GQL) -> None:
    assert "maximum page size is 100" in mgql.errors("{ forces(first: 1000000) { totalCount } }")[0]
    errs = mgql.errors("query($n: Int!) { officers(first: $n) { totalCount } }", {"n": 10**9})
    assert "maximum page size is 100" in errs[0]
    _still_up(mgql)


def test_expensive_nested_pages(mgql: GQL) -> None:
    q = """{ forces(first: 100) { nodes { officers(first: 100) { node { allegations(first: 100) {
            node { ... on Allegation { outcomes(first: 100) { node { name } } } } } } } } } }"""
    errs = mgql.errors(q)
    assert any("too expensive" in e for e in errs), errs
    # the same shape with variables is costed with the variables' values
    qv = """query($n: Int!) { forces(first: $n) { nodes { officers(first: $n) { node { allegations(first: $n) {
            node { ... on Allegation { outcomes(first: $n) { node { name } } } } } } } } } }"""
    assert any("too expensive" in e for e in mgql.errors(qv, {"n": 100}))
    assert mgql(qv, {"n": 2})["forces"]["nodes"]
    # estimates are remembered per document and variables: the same text costs as its variables say
    for _ in range(2):
        assert any("too expensive" in e for e in mgql.errors(qv, {"n": 100}))
        assert mgql(qv, {"n": 2})["forces"]["nodes"]


def test_fragment_cycles(mgql: GQL) -> None:
    q = """{ force(id: "kent") { ...A } }
    fragment A on PoliceForce { name officers { node { ... on Officer { forces { node { ...B } } } } } }
    fragment B on PoliceForce { ...A }"""
    errs = mgql.errors(q)
    assert any("Cannot spread fragment" in e for e in errs), errs
    _still_up(mgql)


def test_fragment_fan_out_is_costed_without_blowing_up(mgql: GQL) -> None:
    # F0 spreads F1 twice, F1 spreads F2 twice ...: 2^25 fields if expanded naively.
    n = 25
    frags = [f"fragment F{i} on PoliceForce {{ ...F{i + 1} officers {{ node {{ name }} }} }}" for i in range(n)]
    frags.append(f"fragment F{n} on PoliceForce {{ name }}")
    q = '{ force(id: "kent") { ...F0 } } ' + " ".join(frags)
    doc = mgql.raw(q)
    assert doc.get("data") is not None or doc.get("errors")
    _still_up(mgql)


def test_introspection_flood(mgql: GQL) -> None:
    deep = "name"
    for _ in range(20):
        deep = f"fields {{ type {{ ofType {{ {deep} }} }} }}"
    errs = mgql.errors(f"{{ __schema {{ types {{ {deep} }} }} }}")
    assert any("depth" in e for e in errs), errs
    many = "{ " + " ".join(f"s{i}: __schema {{ types {{ name fields {{ name }} }} }}" for i in range(200)) + " }"
    errs = mgql.errors(many)
    assert any("aliases" in e.lower() or "token" in e.lower() for e in errs), errs
    _still_up(mgql)


def test_huge_query_string(mgql: GQL, client: TestClient) -> None:
    # many tokens but a small body: the token limit answers
    q = "{ " + "__typename " * (MAX_TOKENS + 10) + "}"
    errs = mgql.errors(q)
    assert any("token" in e.lower() for e in errs), errs
    # a body over the size limit is refused before it is parsed
    big = "{ " + " " * (MAX_BODY_BYTES + 10) + "__typename }"
    r = client.post("/graphql", json={"query": big})
    assert r.status_code == 413
    assert "too large" in r.json()["errors"][0]["message"]
    _still_up(mgql)


def test_a_huge_filter_is_refused(mgql: GQL) -> None:
    ors = ", ".join(f'{{name: {{eq: "x{i}"}}}}' for i in range(300))
    errs = mgql.errors(f"{{ forces(where: {{OR: [{ors}]}}) {{ totalCount }} }}")
    assert any("conditions" in e or "token" in e.lower() for e in errs), errs


def test_no_mutations(mgql: GQL) -> None:
    errs = mgql.errors('mutation { upsert(id: "x") }')
    assert any("mutation" in e.lower() for e in errs), errs


class FailingStore(CountingStore):
    """A store whose search breaks (as a lost database connection would)."""

    def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> list[SearchHit]:
        raise RuntimeError("secret connection string bolt://user:pw@db")

    def edges(self, ids: Sequence[str], rel_types: Sequence[str] | None = None, direction: Any = "both") -> list[Edge]:
        return super().edges(ids, rel_types, direction)

    def get(self, entity_id: str) -> Node | None:
        return super().get(entity_id)


def test_internal_errors_are_masked() -> None:
    store = FailingStore(load_test_kb(MemoryStore(None)))
    with TestClient(create_app(store)) as c:
        gql = GQL(c)
        errs = gql.errors('{ search(text: "kent") { score } }')
        assert errs == ["Internal error: the request could not be completed."]
        assert "bolt" not in str(gql.raw('{ search(text: "kent") { score } }'))
        _still_up(gql)


def test_introspection_and_ide_can_be_switched_off(memory_kb: MemoryStore) -> None:
    with TestClient(create_app(memory_kb, ide=False, introspection=False)) as c:
        gql = GQL(c)
        errs = gql.errors("{ __schema { queryType { name } } }")
        assert any("introspection" in e.lower() for e in errs), errs
        page = c.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        _still_up(gql)
    with TestClient(create_app(memory_kb)) as c:
        assert "graphiql" in c.get("/graphql", headers={"accept": "text/html"}).text.lower()
        assert GQL(c)("{ __schema { queryType { name } } }")["__schema"]["queryType"]["name"] == "Query"


def test_validation_results_are_remembered_per_schema_and_document(memory_kb: MemoryStore) -> None:
    """The same query text is validated once per schema and its answer reused: introspection
    stays refused where it is off and answered where it is on, however the requests alternate."""
    query = "{ __schema { queryType { name } } }"
    with TestClient(create_app(memory_kb, introspection=False)) as off, TestClient(create_app(memory_kb)) as on:
        for _ in range(3):
            assert any("introspection" in e.lower() for e in GQL(off).errors(query))
            assert GQL(on)(query)["__schema"]["queryType"]["name"] == "Query"
            assert GQL(on).errors('{ force(id: "kent") { nope } }') == GQL(off).errors('{ force(id: "kent") { nope } }')
            assert "nope" in GQL(on).errors('{ force(id: "kent") { nope } }')[0]
