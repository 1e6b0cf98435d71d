"""Shared fixtures: the sample KB in a memory store, the development corpus, the Bolt server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.paths import project_root, sample_dir
from kb.store.memory import MemoryStore

pytest_plugins = ["tests.fixtures.bolt"]

ROOT = project_root()
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The development corpus (../shared/corpus); tests using it skip when it is absent."""
    if not (CORPUS / "seeds").is_dir() or not (CORPUS / "gold").is_dir():
        pytest.skip(f"development corpus not found at {CORPUS} (it ships beside the repo, not in it)")
    return CORPUS


@pytest.fixture(scope="session")
def sample_store() -> MemoryStore:
    """A memory store holding the reference data and the bundled sample data (read-only use)."""
    from kb.app.pipeline import load_paths

    store = MemoryStore(None)
    load_paths(store, [sample_dir()])
    return store


@pytest.fixture()
def memory_store(tmp_path: Path) -> Iterator[MemoryStore]:
    """An empty memory store with a snapshot file in a temporary folder."""
    store = MemoryStore(tmp_path / "kb.snapshot")
    yield store
    store.close()
