"""One writer at a time, on both stores: the snapshot's lock file (memory) and the writer node
every write transaction takes first (Neo4j). The two-process tests of `policekb load` are in
tests/test_cli.py; these check the locks themselves."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from kb.model import Entity, Evidence, Facts
from kb.reference import reference_facts
from kb.store.base import StoreError
from kb.store.lock import SnapshotLock, lock_path
from kb.store.memory import MemoryStore
from kb.store.neo4j import Neo4jStore
from tests.fixtures.bolt import BoltServer


def _place(key: str) -> Facts:
    src = Entity(f"source/{key}", "Source", key, props={"sha256": key * 8, "sourceKind": "article"})
    return Facts(src, [Entity(f"place/{key}", "Place", f"Placeholder {key}", evidence=[Evidence(src.id, quote=key)])])


def test_a_writer_store_holds_the_lock_until_closed(tmp_path: Path) -> None:
    snap = tmp_path / "kb.snapshot"
    writer = MemoryStore(snap, writer=True)
    with pytest.raises(StoreError, match=r"kb\.snapshot is being written by another process"):
        MemoryStore(snap, writer=True, wait=False)
    reader = MemoryStore(snap)  # readers take no lock
    assert reader.stats().total_entities == 0
    writer.upsert(reference_facts())
    writer.close()
    again = MemoryStore(snap, writer=True, wait=False)  # released on close
    assert again.get("force/kent") is not None
    again.close()
    assert lock_path(snap).exists()


def test_a_waiting_writer_reads_the_snapshot_after_the_first_one_wrote(tmp_path: Path) -> None:
    snap = tmp_path / "kb.snapshot"
    first = MemoryStore(snap, writer=True)
    said: list[str] = []
    got: list[MemoryStore] = []
    t = threading.Thread(target=lambda: got.append(MemoryStore(snap, writer=True, on_wait=said.append)))
    t.start()
    time.sleep(0.3)
    assert t.is_alive() and said and said[0].startswith("waiting: ")
    first.upsert(_place("first"))
    first.close()
    t.join(timeout=30)
    second = got[0]
    assert second.get("place/first") is not None  # it read what the first writer wrote
    second.upsert(_place("second"))
    second.close()
    both = MemoryStore(snap)
    assert both.get("place/first") is not None and both.get("place/second") is not None


def test_a_failed_open_releases_the_lock(tmp_path: Path) -> None:
    snap = tmp_path / "kb.snapshot"
    snap.write_bytes(b"not a snapshot\n")
    with pytest.raises(StoreError):
        MemoryStore(snap, writer=True)
    lock = SnapshotLock(snap).acquire(wait=False)  # nobody holds it
    lock.release()


@pytest.mark.neo4j
def test_neo4j_writes_wait_for_the_transaction_holding_the_writer_node(
    neo4j_store: Neo4jStore, bolt_server: BoltServer
) -> None:
    from neo4j import GraphDatabase

    neo4j_store.upsert(_place("before"))
    driver = GraphDatabase.driver(bolt_server.uri, auth=(bolt_server.user, bolt_server.password))
    done = threading.Event()
    try:
        with driver.session(database=bolt_server.database) as session:
            tx = session.begin_transaction()
            tx.run("MATCH (w:KbMeta {key: 'writer'}) SET w.at = -1").consume()  # another writer, mid-way

            def write() -> None:
                neo4j_store.upsert(_place("after"))
                done.set()

            t = threading.Thread(target=write)
            t.start()
            time.sleep(1.0)
            assert not done.is_set()  # the store's write waits for the other transaction
            tx.commit()
            t.join(timeout=60)
    finally:
        driver.close()
    assert done.is_set() and neo4j_store.get("place/after") is not None
