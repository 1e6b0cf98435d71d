"""A served memory KB opens and warms in the background: /health answers at once, reads wait for
the store to be open, and answers given while the indexes are being built are the right ones."""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from bench.synthetic import iter_generate
from kb.store import follow as follow_module
from kb.store.follow import FollowingStore
from kb.store.memory import MemoryStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from kb.api.app import create_app

QUERIES = ["wood", "james smith", "thames valley", "met police", "investigation into", "iopc", "a", "zzz"]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bg") / "kb.snapshot"
    store = MemoryStore(path)
    store.upsert_many(list(iter_generate(6000, seed=3)))
    store.close()
    return path


def _answers(store: MemoryStore, text: str) -> list[tuple[str, float]]:
    return [(h.node.id, h.score) for h in store.search(text, None, 10)]


def test_searches_during_the_background_build_answer_as_after_it(snapshot: Path) -> None:
    reference = MemoryStore(snapshot)
    reference.warm(wait=True)
    want = {q: _answers(reference, q) for q in QUERIES}
    force = "force/metropolitan"
    officers = [e.source for e in reference.first_edges([force], ["SERVES_IN"], "in", 3)]
    want_paths = reference.paths(officers[0], officers[1], 4, None, 5)
    assert want_paths
    for _ in range(3):
        store = MemoryStore(snapshot)
        store.warm()  # returns at once
        got: dict[str, list[tuple[str, float]]] = {}
        errors: list[BaseException] = []

        def ask(
            q: str, store: MemoryStore = store, got: dict[str, Any] = got, errors: list[BaseException] = errors
        ) -> None:
            try:
                got[q] = _answers(store, q)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=ask, args=(q,)) for q in QUERIES]
        for t in threads:
            t.start()
        paths = store.paths(officers[0], officers[1], 4, None, 5)  # hub indexes being built meanwhile
        for t in threads:
            t.join()
        assert store.warmed(60)
        assert not errors and got == want
        assert [[e.id for e in p] for p in paths] == [[e.id for e in p] for p in want_paths]
        assert store._search is not None  # built once, kept


class _Gated(MemoryStore):
    """A MemoryStore whose opening waits for the test to let it go (to see the server meanwhile)."""

    gate = threading.Event()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        assert _Gated.gate.wait(60)
        super().__init__(*args, **kwargs)


def test_health_answers_while_the_kb_opens_and_graphql_once_it_is_open(
    snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow_module, "MemoryStore", _Gated)
    _Gated.gate.clear()
    store = FollowingStore(snapshot, poll=3600)
    query = {"query": '{ search(text: "wood", first: 10) { score node { id } } }'}
    reference = MemoryStore(snapshot)
    want = [{"score": s, "node": {"id": n}} for n, s in _answers(reference, "wood")]
    try:
        with TestClient(create_app(store)) as client:
            deadline = time.monotonic() + 10
            health = client.get("/health")
            while health.status_code == 200 and time.monotonic() < deadline:  # until the first check ran
                time.sleep(0.05)
                health = client.get("/health")
            assert health.status_code == 503 and "StoreOpening" in health.json()["reason"]
            answer: dict[str, Any] = {}
            asking = threading.Thread(target=lambda: answer.update(client.post("/graphql", json=query).json()))
            asking.start()
            time.sleep(0.5)
            assert asking.is_alive()  # waiting for the store, not answered from an empty one
            t0 = time.monotonic()
            assert client.get("/health").status_code == 503
            assert time.monotonic() - t0 < 1.0  # /health does not wait behind it
            _Gated.gate.set()
            asking.join(60)
            assert answer == {"data": {"search": want}}
            deadline = time.monotonic() + 10
            while client.get("/health").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert client.get("/health").json() == {"status": "ok"}
    finally:
        _Gated.gate.set()
        store.close()


def test_a_snapshot_that_is_not_one_is_still_an_error_at_once(tmp_path: Path) -> None:
    from kb.store.base import StoreError

    path = tmp_path / "kb.snapshot"
    path.write_bytes(b"not a snapshot\n")
    with pytest.raises(StoreError, match=r"kb\.snapshot: not a policing-kb snapshot"):
        FollowingStore(path)
