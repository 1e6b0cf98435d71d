"""The environment-configured application factory (uvicorn --factory kb.api.app:from_env)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.api.app import from_env as app
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, TestClient
from tests.api.kbdata import load_test_kb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_factory_reads_store_and_switches_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tmp_path / "kb.snapshot"
    store = load_test_kb(MemoryStore(snapshot))
    store.flush()
    monkeypatch.setenv("KB_STORE", "memory")
    monkeypatch.setenv("KB_DATA", str(snapshot))
    monkeypatch.setenv("KB_BASE_IRI", "https://kb.example.org")
    monkeypatch.setenv("KB_INTROSPECTION", "0")
    monkeypatch.setenv("KB_IDE", "off")
    with TestClient(app()) as c:
        gql = GQL(c)
        assert gql('{ force(id: "kent") { iri } }') == {"force": {"iri": "https://kb.example.org/id/force/kent"}}
        assert any("introspection" in e.lower() for e in gql.errors("{ __schema { queryType { name } } }"))
        assert "graphiql" not in c.get("/graphql", headers={"accept": "text/html"}).text.lower()
