"""Heavy requests (aggregates over every force, filtered listings) run off the event loop;
aggregates are walked once per store revision."""

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


def test_a_slow_filtered_listing_does_not_hold_up_other_requests() -> None:
    import asyncio
    import threading
    import time

    import httpx

    from kb.store.base import Page
    from kb.store.query import Filter

    release = threading.Event()

    class SlowScans(CountingStore):
        def list(
            self, entity_type: str | None = None, where: Filter | None = None, *args: object, **kw: object
        ) -> Page:
            if where is not None:
                release.wait(10)  # a scan that takes until the other request has been answered
            return super().list(entity_type, where, *args, **kw)  # type: ignore[arg-type]

    store = SlowScans(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(3)])
    app = create_app(store)
    order: list[str] = []

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kb") as client:

            async def slow() -> None:
                q = '{ officers(where: {name: {contains: "crowd"}}) { totalCount } }'
                r = await client.post("/graphql", json={"query": q})
                assert r.json()["data"]["officers"]["totalCount"] == 3
                order.append("scan")

            async def quick() -> None:
                await asyncio.sleep(0.05)
                r = await client.post("/graphql", json={"query": '{ force(id: "kent") { name } }'})
                assert r.json()["data"]["force"]["name"] == "Kent Police"
                order.append("lookup")
                release.set()

            t0 = time.perf_counter()
            await asyncio.gather(slow(), quick())
            assert time.perf_counter() - t0 < 9

    asyncio.run(run())
    assert order == ["lookup", "scan"]


def test_a_hubs_neighbourhood_reads_only_the_relations_it_can_show() -> None:
    """A force with 300 officers, asked for a graph of 50 nodes: the graph holds the force and officers from
    the first 50 in list order (by id), and the store is asked for no more than 50 relations per type."""
    store = CountingStore(MemoryStore(None))
    store.upsert_many([reference_facts(), crowd_facts(300)])
    q = '{ neighbourhood(id: "force/kent", limit: 50, relationTypes: [SERVES_IN]) { truncated nodes { id } } }'
    with TestClient(create_app(store)) as client:
        store.calls.clear()
        got = client.post("/graphql", json={"query": q}).json()["data"]["neighbourhood"]
    officers = sorted(n.id for n in store.iter_nodes("Officer") if n.id.startswith("person/crowd-officer-"))
    assert got["truncated"] is True
    ids = [n["id"] for n in got["nodes"]]
    assert len(ids) == 50 and ids[0] == "force/kent" and set(ids[1:]) <= set(officers[:50])
    assert store.calls["edges"] == 0 and store.calls["first_edges"] >= 1, dict(store.calls)


def test_a_search_while_the_index_is_being_built_gets_a_clear_answer_at_once() -> None:
    """A served KB just opened builds its search index in the background (seconds at 10^6 entities);
    a search meanwhile is told so at once instead of waiting out the request's deadline."""
    store = MemoryStore(None)
    store.upsert_many([reference_facts(), crowd_facts(20)])
    q = '{ search(text: "Kent") { node { id } } }'
    with TestClient(create_app(store)) as client:
        store.warmed()
        store._search = None  # the index as after a reopen, its build under way (holding the build's lock)
        with store._search_lock:
            got = client.post("/graphql", json={"query": q}).json()
        assert got["errors"][0]["message"].startswith("search is not ready yet: its index is being built")
        again = client.post("/graphql", json={"query": q}).json()
    assert "force/kent" in {h["node"]["id"] for h in again["data"]["search"]}
