"""Aggregates over every force are walked once per store revision, off the event loop."""

from __future__ import annotations

from kb.api.app import create_app
from kb.reference import reference_facts
from kb.store.memory import MemoryStore
from tests.api.conftest import TestClient
from tests.api.counting import CountingStore
from tests.api.kbdata import crowd_facts

COUNTS = '{ outcomeCounts { forceId year category count } allegationCounts(force: "kent") { category count } }'


def _kent_outcomes(doc: dict[str, object]) -> int:
    rows = doc["data"]["outcomeCounts"]  # type: ignore[index]
    return sum(r["count"] for r in rows if r["forceId"] == "force/kent" and r["category"] == "no-case-to-answer")


def test_counts_are_cached_until_the_store_changes() -> None:
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(12)])
    with TestClient(create_app(store)) as client:
        first = client.post("/graphql", json={"query": COUNTS}).json()
        assert not first.get("errors"), first
        assert _kent_outcomes(first) == 12
        store.calls.clear()
        again = client.post("/graphql", json={"query": COUNTS}).json()
        assert again == first
        assert store.calls["edges"] == 0, dict(store.calls)  # answered from the cache
        # a write changes the revision: the next answer is walked again and sees it
        store.upsert(crowd_facts(5, tag="later"))
        later = client.post("/graphql", json={"query": COUNTS}).json()
        assert not later.get("errors"), later
        assert _kent_outcomes(later) == 17
        assert store.calls["edges"] > 0


def test_stores_that_cannot_tell_their_revision_are_walked_every_time() -> None:
    class NoRevision(CountingStore):
        @property
        def revision(self) -> int | None:
            return None

    store = NoRevision(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(3)])
    with TestClient(create_app(store)) as client:
        client.post("/graphql", json={"query": COUNTS})
        store.calls.clear()
        doc = client.post("/graphql", json={"query": COUNTS}).json()
    assert _kent_outcomes(doc) == 3
    assert store.calls["edges"] > 0
