"""Parallel export: forked workers, the same bytes as one process, bounded memory, fallbacks."""

from __future__ import annotations

import io
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from rdflib import Dataset

from bench.synthetic import generate
from kb.model import Edge
from kb.rdf import parallel
from kb.rdf.export import FORMATS, auto_workers, export
from kb.rdf.parallel import fork_safe, parallel_workers
from kb.store.base import Store, StoreError
from kb.store.memory import MemoryStore
from tests.rdf.facts import all_facts
from tests.rdf.test_roundtrip import assert_round_trip

CHUNK = 37  # records per chunk: small, so a small KB spans many chunks and every worker gets some


def _children() -> set[int]:
    """Pids of this process's live children (to prove workers are reaped)."""
    out: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        text = (task / "children").read_text()
        out.update(int(p) for p in text.split())
    return out


def dump(store: Store, fmt: str, workers: int, chunk: int = CHUNK) -> tuple[bytes, int]:
    buf = io.BytesIO()
    n = export(store, fmt, buf, workers=workers, chunk_records=chunk)
    return buf.getvalue(), n


@pytest.fixture(scope="module")
def synthetic_store() -> MemoryStore:
    """A synthetic KB of about 3,000 entities: some 80 chunks of CHUNK records."""
    store = MemoryStore(None)
    store.upsert_many(generate(1200, seed=3))
    for f in all_facts():  # hostile literals, two sources per fact, every class
        store.upsert(f)
    return store


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_parallel_output_is_byte_identical(synthetic_store: MemoryStore, fmt: str) -> None:
    assert parallel_workers(synthetic_store, 3) == 3
    one, n1 = dump(synthetic_store, fmt, workers=1)
    for workers in (2, 3):
        many, n = dump(synthetic_store, fmt, workers=workers)
        assert n == n1 and n > 40_000
        assert many == one, f"{fmt} with {workers} workers differs from one process"


@pytest.mark.parametrize("fmt", ["trig", "jsonld", "ttl"])
def test_chunked_output_parses_to_the_same_graph(fmt: str) -> None:
    # TriG graph blocks and the JSON-LD @graph array are cut at chunk boundaries
    store = MemoryStore(None)
    store.upsert_many(generate(200, seed=4))
    for f in all_facts():
        store.upsert(f)
    quads = fmt == "trig"
    reference = Dataset()
    reference.parse(data=dump(store, "nq" if quads else "nt", workers=1)[0], format="nquads" if quads else "nt")
    data, _ = dump(store, fmt, workers=3, chunk=5)
    assert data.count(b"}\n\n<") > 20 if quads else True  # graph blocks were really cut
    ds = Dataset()
    ds.parse(data=data, format={"trig": "trig", "jsonld": "json-ld", "ttl": "turtle"}[fmt])
    assert len(ds) > 5000
    assert set(ds.quads()) == set(reference.quads())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_parallel_export_round_trips(fmt: str) -> None:
    store = MemoryStore(None)
    for f in all_facts():
        store.upsert(f)
    assert_round_trip(store, fmt, workers=2, chunk_records=3)


def test_chunk_size_does_not_change_the_graph(synthetic_store: MemoryStore) -> None:
    small, n1 = dump(synthetic_store, "nq", workers=2, chunk=5)
    large, n2 = dump(synthetic_store, "nq", workers=2, chunk=100_000)
    assert n1 == n2 and small == large


def test_workers_are_reaped(synthetic_store: MemoryStore) -> None:
    before = _children()
    dump(synthetic_store, "nt", workers=3)
    assert _children() == before


def test_parent_holds_a_bounded_number_of_chunks(synthetic_store: MemoryStore) -> None:
    """The parent writes each worker's chunk as it comes: its memory does not grow with the KB."""

    class Sink(io.RawIOBase):
        total = 0
        largest = 0

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:
            Sink.total += len(b)
            Sink.largest = max(Sink.largest, len(b))
            return len(b)

    def peak_of(workers: int) -> int:
        Sink.total = Sink.largest = 0
        tracemalloc.start()
        try:
            export(synthetic_store, "nt", cast(BinaryIO, Sink()), workers=workers, chunk_records=16)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # the mapping's caches (IRIs, evidence pairs: bounded, not by chunks) are the same in one
    # process; a parent that held the workers' chunks would need many chunks' bytes more
    single = peak_of(1)
    peak = peak_of(2)
    assert Sink.total > 5_000_000
    assert Sink.largest < Sink.total / 50
    assert peak < single + 8 * Sink.largest, f"parent peaked at {peak:,} bytes (one process: {single:,})"
    assert peak < Sink.total / 5, f"parent peaked at {peak:,} bytes for {Sink.total:,} bytes of output"


def test_small_kb_never_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore(None)
    for f in all_facts():
        store.upsert(f)

    def no_fork() -> int:
        raise AssertionError("forked for a KB of one chunk")

    monkeypatch.setattr(os, "fork", no_fork)
    data, n = dump(store, "ttl", workers=4, chunk=100_000)
    assert n > 1000 and data.startswith(b"# ")


def test_bad_worker_counts_are_refused(synthetic_store: MemoryStore) -> None:
    with pytest.raises(ValueError, match="workers"):
        export(synthetic_store, "nt", io.BytesIO(), workers=0)
    with pytest.raises(ValueError, match="chunk_records"):
        export(synthetic_store, "nt", io.BytesIO(), chunk_records=0)
    assert 1 <= auto_workers() <= 4


# -- fallbacks ---------------------------------------------------------------------------


class _Declaring(MemoryStore):
    """A memory store that declares it must not be forked (as a connection-holding store would)."""

    fork_safe = False


def test_a_store_declaring_itself_unforkable_is_exported_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    store = _Declaring(None)
    store.upsert_many(generate(300, seed=1))
    assert not fork_safe(store) and parallel_workers(store, 4) == 1
    expected, _ = dump(store, "nq", workers=1)

    def no_fork() -> int:
        raise AssertionError("forked an unforkable store")

    monkeypatch.setattr(os, "fork", no_fork)
    assert dump(store, "nq", workers=4)[0] == expected


def test_by_default_a_process_with_threads_does_not_fork(
    synthetic_store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "auto_workers", lambda: 3)
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="test-thread")
    t.start()
    try:
        assert parallel_workers(synthetic_store, None) == 1
        assert parallel_workers(synthetic_store, 2) == 2  # asked for explicitly: the caller's call
        before = _children()
        assert dump_default(synthetic_store) == dump(synthetic_store, "nt", workers=1)[0]
        assert _children() == before
    finally:
        release.set()
        t.join()


def test_by_default_a_single_threaded_process_uses_every_core(
    synthetic_store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "auto_workers", lambda: 3)
    if threading.active_count() > 1:  # e.g. the Bolt test server's log pump, in this session
        assert parallel_workers(synthetic_store, None) == 1
    else:
        assert parallel_workers(synthetic_store, None) == 3
    assert dump_default(synthetic_store) == dump(synthetic_store, "nt", workers=1)[0]


def dump_default(store: Store) -> bytes:
    buf = io.BytesIO()
    export(store, "nt", buf, chunk_records=CHUNK)
    return buf.getvalue()


@pytest.mark.neo4j
def test_neo4j_store_is_exported_in_one_process(neo4j_store: Store) -> None:
    for f in all_facts():
        neo4j_store.upsert(f)
    assert parallel_workers(neo4j_store, 2) == 1
    one, n1 = dump(neo4j_store, "trig", workers=1, chunk=4)
    two, n2 = dump(neo4j_store, "trig", workers=2, chunk=4)
    assert one == two and n1 == n2 > 1000


# -- failures in a worker ----------------------------------------------------------------


class _FailingInWorker(MemoryStore):
    """Fails while a forked worker (not the parent) walks the edges."""

    def __init__(self, how: str) -> None:
        super().__init__(None)
        self.parent = os.getpid()
        self.how = how

    def iter_edges(self) -> Iterator[Edge]:
        for i, e in enumerate(super().iter_edges()):
            if i == 200 and os.getpid() != self.parent:
                if self.how == "raise":
                    raise StoreError("the worker's store broke")
                os._exit(3)
            yield e


@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_failing_worker_fails_the_export(how: str) -> None:
    store = _FailingInWorker(how)
    store.upsert_many(generate(300, seed=2))
    before = _children()
    if how == "raise":
        with pytest.raises(StoreError, match="the worker's store broke") as info:
            dump(store, "nt", workers=2, chunk=8)
        assert any("export worker" in note for note in getattr(info.value, "__notes__", []))
    else:
        with pytest.raises(RuntimeError, match="exited without finishing"):
            dump(store, "nt", workers=2, chunk=8)
    assert _children() == before


def test_auto_workers_stay_within_free_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from kb.rdf import export as export_mod

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    real = os.sysconf

    def sysconf(name: str) -> int:
        if name == "SC_AVPHYS_PAGES":
            return 1  # next to no free memory: no room for a worker's copy
        return real(name)

    assert export_mod.auto_workers() >= 1
    monkeypatch.setattr(os, "sysconf", sysconf)
    assert export_mod.auto_workers() == 1
