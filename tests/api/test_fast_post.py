"""Plain JSON POSTs answered straight by the schema (kb.api.app KBGraphQL) get exactly the
response strawberry's full request handling gives: status, content type and body."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from kb.api.app import create_app
from kb.store.memory import MemoryStore

JSON = {"content-type": "application/json"}
TWO_OPS = 'query A { force(id: "kent") { name } } query B { force(id: "kent") { id } }'

# (body bytes, extra headers)
REQUESTS: list[tuple[bytes, dict[str, str]]] = [
    (b'{"query": "{ force(id: \\"kent\\") { name officers { node { id } } } }"}', {}),
    (b'{"query": "query($f: ID!) { force(id: $f) { name } }", "variables": {"f": "kent"}}', {}),
    (b'{"query": "query($f: ID!) { force(id: $f) { name } }", "variables": {"f": 3}}', {}),
    (b'{"query": "query($f: ID!) { force(id: $f) { name } }"}', {}),
    (orjson.dumps({"query": TWO_OPS, "operationName": "B"}), {}),
    (orjson.dumps({"query": TWO_OPS, "operationName": "C"}), {}),
    (orjson.dumps({"query": TWO_OPS}), {}),
    (b'{"query": "{ force(id: \\"kent\\") { nope } }"}', {}),
    (b'{"query": "{ force(id: \\"kent\\") { officers(first: 500) { id } } }"}', {}),
    (b'{"query": "mutation { force(id: \\"kent\\") { name } }"}', {}),
    (b'{"query": "subscription { force(id: \\"kent\\") { name } }"}', {}),
    (b'{"query": ""}', {}),
    (b'{"query": "{ force(id: "}', {}),
    (b'{"query": 3}', {}),
    (b'{"query": "{ __typename }", "variables": [1]}', {}),
    (b'{"query": "{ __typename }", "extensions": {"a": 1}}', {}),
    (b'{"query": "{ __typename }", "extensions": "x"}', {}),
    (b'{"query": "{ __typename }", "operationName": 7}', {}),
    (b'[{"query": "{ __typename }"}]', {}),
    (b'"just a string"', {}),
    (b"null", {}),
    (b"42", {}),
    (b"{not json", {}),
    (b"", {}),
    (b'{"variables": {}}', {}),
    (b'{"query": "{ __typename }"}', {"content-type": "application/json; charset=utf-8"}),
    (b'{"query": "{ __typename }"}', {"accept": "application/graphql-response+json"}),
    (b'{"query": "{ __typename }"}', {"accept": "multipart/mixed"}),
    (b'{"query": "{ __typename }"}', {"content-type": "text/plain"}),
]


def _response(app_fast: bool, kb: MemoryStore, body: bytes, headers: dict[str, str]) -> tuple[Any, ...]:
    """The response, the same for the first request and the same request again (the second
    may run as a prepared operation)."""
    app = create_app(kb)
    app.state.graphql_view.fast_post = app_fast
    with TestClient(app) as client:
        answers = [client.post("/graphql", content=body, headers={**JSON, **headers}) for _ in range(2)]
    first, again = ((r.status_code, r.headers.get("content-type"), r.content) for r in answers)
    assert first == again
    return first


@pytest.mark.parametrize("body,headers", REQUESTS)
def test_fast_post_answers_as_strawberry_does(memory_kb: MemoryStore, body: bytes, headers: dict[str, str]) -> None:
    fast = _response(True, memory_kb, body, headers)
    assert fast == _response(False, memory_kb, body, headers)
    assert fast[0] in (200, 400, 405, 415)
    if body in (b'"just a string"', b"null", b"42"):
        assert fast[0] == 400 and b"must be a JSON object" in fast[2]


def test_the_fast_lane_is_taken_for_plain_queries(memory_kb: MemoryStore) -> None:
    app = create_app(memory_kb)
    view = app.state.graphql_view
    taken: list[bool] = []
    answer = view._answer

    async def spy(*args: Any) -> bool:
        done: bool = await answer(*args)
        taken.append(done)
        return done

    view._answer = spy
    with TestClient(app) as client:
        assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
        assert client.post("/graphql", json={"query": "", "variables": None}).status_code == 400
        assert client.get("/graphql", params={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
    assert taken == [True, False]  # the empty query went on to strawberry's handling; the GET never came here


def test_an_operation_seen_before_runs_prepared_with_its_variables_checked(memory_kb: MemoryStore) -> None:
    app = create_app(memory_kb)
    view = app.state.graphql_view
    prepared: list[bool] = []
    run = view.prepared.run

    async def spy(*args: Any) -> Any:
        result = await run(*args)
        prepared.append(result is not None)
        return result

    view.prepared.run = spy
    costly = """query($n: Int!) { forces(first: $n) { nodes { officers(first: $n) { node { allegations(first: $n) {
                node { ... on Allegation { outcomes(first: $n) { node { name } } } } } } } } } }"""
    with TestClient(app) as client:
        small = [client.post("/graphql", json={"query": costly, "variables": {"n": 2}}).json() for _ in range(3)]
        big = client.post("/graphql", json={"query": costly, "variables": {"n": 100}}).json()
        bad = client.post("/graphql", json={"query": costly, "variables": {"n": "two"}}).json()
    assert small[0] == small[1] == small[2] and small[0]["data"]["forces"]["nodes"]
    assert "too expensive" in big["errors"][0]["message"]  # the estimate is checked again
    assert "errors" in bad and bad.get("data") is None
    assert prepared == [False, True, True, False, False]
