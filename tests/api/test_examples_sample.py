"""graphql/examples/*.graphql with their own variables on the bundled sample KB (both stores)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb.api.app import create_app
from kb.paths import sample_dir
from kb.store.base import Store
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, STORE_KINDS, TestClient
from tests.api.examples import EXAMPLES, example_files, read

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _load(store: Store) -> Store:
    from kb.app.pipeline import load_paths

    load_paths(store, [sample_dir()])
    return store


@pytest.fixture(scope="module", params=STORE_KINDS)
def sample_kb(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return _load(MemoryStore(None))
    store: Store = request.getfixturevalue("_shared_neo4j_store")
    store.clear()
    return _load(store)


@pytest.fixture()
def sample_gql(sample_kb: Store) -> Iterator[GQL]:
    if sample_kb.get("force/metropolitan") is None or sample_kb.get("programme/police-now") is None:
        sample_kb.clear()
        _load(sample_kb)  # another module cleared the shared Bolt database
    with TestClient(create_app(sample_kb)) as client:
        yield GQL(client)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_on_sample_kb(sample_gql: GQL, name: str) -> None:
    path = next(f for f in example_files() if f.stem == name)
    query, variables = read(path)
    EXAMPLES[name].check_sample(sample_gql(query, variables), sample_gql)
