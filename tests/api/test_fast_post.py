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
    app = create_app(kb)
    app.state.graphql_view.fast_post = app_fast
    with TestClient(app) as client:
        r = client.post("/graphql", content=body, headers={**JSON, **headers})
    return r.status_code, r.headers.get("content-type"), r.content


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
