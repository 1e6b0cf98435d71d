"""API test fixtures: the test KB on each store kind, an HTTP client, a GraphQL helper."""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette announces a future change of HTTP library for its TestClient; not our concern.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from kb.api.app import create_app
from kb.store.base import Store
from kb.store.memory import MemoryStore
from tests.api.kbdata import ARTICLE, load_test_kb

__all__ = ["GQL", "STORE_KINDS", "TestClient"]

STORE_KINDS = ["memory"] + (["neo4j"] if importlib.util.find_spec("kb.store.neo4j") else [])


class GQL:
    """Posts GraphQL over HTTP through the ASGI app and returns the decoded answer."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert r.status_code in (200, 400), r.text
        doc: dict[str, Any] = r.json()
        return doc

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        doc = self.raw(query, variables)
        assert not doc.get("errors"), doc["errors"]
        data: dict[str, Any] = doc["data"]
        return data

    def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        doc = self.raw(query, variables)
        assert doc.get("errors"), f"expected errors, got {doc}"
        return [e["message"] for e in doc["errors"]]


def _loaded(request: pytest.FixtureRequest, kind: str) -> Store:
    if kind == "memory":
        return load_test_kb(MemoryStore(None))
    store: Store = request.getfixturevalue("_shared_neo4j_store")
    store.clear()
    return load_test_kb(store)


@pytest.fixture(scope="module", params=STORE_KINDS)
def api_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The test KB, on every store kind (module scope: loaded once per module and kind)."""
    store = _loaded(request, request.param)
    yield store


@pytest.fixture()
def gql(api_store: Store) -> Iterator[GQL]:
    if api_store.get(ARTICLE) is None:  # another module cleared the shared Bolt database
        load_test_kb(api_store)
    with TestClient(create_app(api_store)) as client:
        yield GQL(client)


@pytest.fixture(scope="module")
def memory_kb() -> MemoryStore:
    """The test KB in a memory store (tests that do not depend on the store kind)."""
    store = load_test_kb(MemoryStore(None))
    assert isinstance(store, MemoryStore)
    return store


@pytest.fixture()
def client(memory_kb: MemoryStore) -> Iterator[TestClient]:
    with TestClient(create_app(memory_kb)) as c:
        yield c


@pytest.fixture()
def mgql(client: TestClient) -> GQL:
    return GQL(client)
