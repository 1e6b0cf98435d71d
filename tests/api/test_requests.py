"""Requests over HTTP through the ASGI app: malformed bodies, query shapes, logs, the budget, /health."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import orjson
import pytest

from kb.api.app import KBGraphQL, create_app
from kb.api.context import Budget, BudgetExceeded
from kb.store.base import SearchHit
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, TestClient
from tests.api.counting import CountingStore
from tests.api.kbdata import ALEX, load_test_kb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TWO_OPS = 'query A { force(id: "kent") { name } } query B { force(id: "kent") { id } }'
# (body, extra headers, status, words the answer holds)
BODIES: list[tuple[bytes, dict[str, str], int, str]] = [
    (b'{"query": "{ force(id: \\"kent\\") { name officers { node { id } } } }"}', {}, 200, "person/jamie-sample"),
    (b'{"query": "query($f: ID!) { force(id: $f) { name } }", "variables": {"f": "kent"}}', {}, 200, "Kent Police"),
    (b'{"query": "query($f: ID!) { force(id: $f) { name } }"}', {}, 200, "non-null type 'ID!'"),
    (orjson.dumps({"query": TWO_OPS, "operationName": "B"}), {}, 200, "force/kent"),
    (orjson.dumps({"query": TWO_OPS, "operationName": "C"}), {}, 400, 'Unknown operation named "C"'),
    (b'{"query": "{ force(id: \\"kent\\") { nope } }"}', {}, 200, "Cannot query field 'nope'"),
    (b'{"query": "{ force(id: \\"kent\\") { officers(first: 500) { id } } }"}', {}, 200, "maximum page size is 100"),
    (b'{"query": "mutation { force(id: \\"kent\\") { name } }"}', {}, 200, "mutation operation is not supported"),
    (b'{"query": "subscription { force { name } }"}', {}, 200, "subscription operation is not supported"),
    (b'{"query": ""}', {}, 400, "No GraphQL query found"),
    (b'{"query": "{ force(id: "}', {}, 200, "Syntax Error: Unexpected <EOF>"),
    (b'{"query": "{ force(id: \\"kent\\") { } }"}', {}, 200, "Syntax Error: Expected Name, found '}'"),
    (b'{"query": 3}', {}, 400, "`query` must be a string"),
    (b'{"query": "{ __typename }", "variables": [1]}', {}, 400, "`variables` must be an object"),
    (b'{"query": "{ __typename }", "extensions": "x"}', {}, 400, "`extensions` must be an object"),
    (b'[{"query": "{ __typename }"}]', {}, 400, "Batching is not enabled"),
    (b'"just a string"', {}, 400, "must be a JSON object"),
    (b"null", {}, 400, "must be a JSON object"),
    (b"42", {}, 400, "must be a JSON object"),
    (b"{not json", {}, 400, "Unable to parse request body as JSON"),
    (b"", {}, 400, "Unable to parse request body as JSON"),
    (b'{"query": "{ __typename }"}', {"content-type": "application/json; charset=utf-8"}, 200, "Query"),
    (b'{"query": "{ __typename }"}', {"accept": "application/graphql-response+json"}, 200, "Query"),
    (b'{"query": "{ __typename }"}', {"content-type": "text/plain"}, 400, "Unsupported content type"),
]


@pytest.mark.parametrize("body,headers,status,expect", BODIES)
def test_request_bodies(client: TestClient, body: bytes, headers: dict[str, str], status: int, expect: str) -> None:
    r = client.post("/graphql", content=body, headers={"content-type": "application/json", **headers})
    assert (r.status_code, expect in r.text) == (status, True), r.text
    assert "Internal error" not in r.text


SHAPES: list[tuple[str, dict[str, Any], Any]] = [
    # aliases of one list with different pages, __typename, a fragment on the interface
    (
        """{ force(id: "thames-valley") { a: officers(first: 0) { id } b: officers(first: 3) { node { ...F } } } }
           fragment F on Entity { __typename id ... on Officer { rank } }""",
        {},
        {"force": {"a": [], "b": [{"node": {"__typename": "Officer", "id": ALEX, "rank": "PC"}}]}},
    ),
    # directives on leaves and lists
    (
        """query($yes: Boolean!) { force(id: "kent") { name @skip(if: $yes) id @include(if: $yes)
           officers(first: 2) @include(if: $yes) { node { id } } } }""",
        {"yes": False},
        {"force": {"name": "Kent Police"}},
    ),
    # the same list twice: selections merged
    (
        """{ force(id: "thames-valley") { officers(first: 2) { node { id } } officers(first: 2) { role } } }""",
        {},
        {"force": {"officers": [{"node": {"id": ALEX}, "role": "response officer"}]}},
    ),
    # statistics on a force, narrowed by period
    (
        'query($m: String, $f: String) { force(id: "kent") { statistics(measure: $m, from: $f, to: "2030") '
        "{ node { id } } } }",
        {"m": None, "f": "2000-01-01"},
        {"force": {"statistics": [{"node": {"id": "statistic/kent-dismissals-2020"}}]}},
    ),
]


@pytest.mark.parametrize("query,variables,answer", SHAPES)
def test_query_shapes(mgql: GQL, query: str, variables: dict[str, Any], answer: Any) -> None:
    assert mgql(query, variables) == answer


def test_a_nested_error_is_reported_on_its_field(mgql: GQL) -> None:
    # (relationship lists are non-null: the error nulls the nearest nullable field, the force)
    q = """{ tvp: force(id: "thames-valley") { officers(first: 2) { node { id ... on Officer {
             allegations(after: "x") { id } } } } } kent: force(id: "kent") { name } }"""
    doc = mgql.raw(q)
    assert doc["data"] == {"tvp": None, "kent": {"name": "Kent Police"}}
    assert [e["path"] for e in doc["errors"]] == [["tvp", "officers", 0, "node", "allegations"]]
    assert "`after` is not the id of one of these relationships" in doc["errors"][0]["message"]


def test_client_errors_are_one_line_and_faults_keep_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(CountingStore):
        def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> list[SearchHit]:
            raise RuntimeError("the index is gone")

    with TestClient(create_app(Broken(load_test_kb(MemoryStore(None))))) as c, caplog.at_level(logging.INFO):
        GQL(c).errors("{ ...Nope }")
        GQL(c).errors('{ forces(after: "garbage!") { totalCount } }')
        client_records = [r for r in caplog.records if r.name == "kb.api"]
        caplog.clear()
        assert GQL(c).errors('{ search(text: "kent") { score } }') == [
            "Internal error: the request could not be completed."
        ]
    assert [r.getMessage() for r in client_records] == [
        "GraphQL request refused: Unknown fragment 'Nope'.",
        "GraphQL request refused: invalid cursor 'garbage!'",
    ]
    assert all(r.exc_info is None for r in client_records)
    faults = [r for r in caplog.records if r.levelno >= logging.ERROR or r.name == "kb.api"]
    assert len(faults) == 1 and faults[0].exc_info is not None and "the index is gone" in str(faults[0].exc_info[1])


def test_an_operation_that_fails_runs_once_each_time() -> None:
    store = CountingStore(load_test_kb(MemoryStore(None)))
    q = '{ search(text: "kent") { score } force(id: "kent") { officers(first: -1) { id } } }'
    with TestClient(create_app(store)) as c:
        for _ in range(3):
            store.calls.clear()
            assert "must not be negative" in GQL(c).errors(q)[0]
            assert store.calls["search"] == 1


def test_the_budget_stops_work_with_a_clear_error() -> None:
    b = Budget(seconds=5, max_objects=10, max_bytes=1000)
    b.spend(10, 500)
    with pytest.raises(BudgetExceeded, match="more than 10 objects"):
        b.spend(1)
    with pytest.raises(BudgetExceeded, match="more than 10 objects"):
        b.check()  # once stopped, every later check stops too
    with pytest.raises(BudgetExceeded, match="larger than"):
        Budget(max_bytes=2**20).spend(1, 2**21)
    late = Budget(seconds=0.01)
    time.sleep(0.02)
    with pytest.raises(BudgetExceeded, match=r"deadline of 0\.01 s"):
        late.check()
    assert late.deadline.left() == 0


def test_an_answer_over_the_size_limit_is_replaced_by_an_error(memory_kb: MemoryStore) -> None:
    view: KBGraphQL = create_app(memory_kb).state.graphql_view
    big = orjson.loads(view.encode_json({"data": {"x": "a" * (9 * 2**20)}}))
    assert big["data"] is None and "larger than 8 MB" in big["errors"][0]["message"]


def test_a_deadline_in_the_past_answers_one_clear_error(memory_kb: MemoryStore) -> None:
    with TestClient(create_app(memory_kb, deadline=0.0)) as c:
        doc = GQL(c).raw('{ force(id: "kent") { name } }')
    assert doc["data"] is None and len(doc["errors"]) == 1 and "deadline" in doc["errors"][0]["message"]


class Unusable(MemoryStore):
    """A store whose check fails (a lost database) or hangs."""

    def __init__(self, hangs: bool) -> None:
        super().__init__(None)
        self.hangs = hangs

    def check(self) -> None:
        if self.hangs:
            time.sleep(30)
        raise ConnectionError("bolt://user:secret@db:7687 refused")


@pytest.mark.parametrize("hangs", [False, True])
def test_health_says_when_the_store_is_unusable(hangs: bool) -> None:
    from kb.api.app import STALE_S

    with TestClient(create_app(Unusable(hangs))) as c:
        time.sleep(STALE_S + 0.5 if hangs else 0.5)
        t0 = time.monotonic()
        r = c.get("/health")
        took = time.monotonic() - t0
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
    assert ("has not answered its check" if hangs else "ConnectionError") in r.json()["reason"]
    assert "secret" not in r.text
    assert took < 0.5
