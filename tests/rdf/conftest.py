"""Fixtures of the RDF tests: a memory store holding the hand-written RDF test KB."""

from __future__ import annotations

import pytest

from kb.store.memory import MemoryStore
from tests.rdf.facts import all_facts


@pytest.fixture(scope="session")
def rich_store() -> MemoryStore:
    """Reference data plus the hand-written article and table sources of tests/rdf/facts.py."""
    store = MemoryStore(None)
    for f in all_facts():
        store.upsert(f)
    return store
