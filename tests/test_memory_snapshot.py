"""The memory store's snapshot file against damaged, crafted and half-written files.

Every file here is real: written by the store, then truncated, bit-flipped, replaced by a
crafted pickle with a valid checksum, or left behind by a writer killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.model import Entity, Evidence, Facts, Relation
from kb.reference import reference_facts
from kb.store import memory_snapshot
from kb.store.base import StoreError
from kb.store.memory import MemoryStore
from kb.store.memory_snapshot import SNAPSHOT_FORMAT, clean_temp_files, seal

ROOT = Path(__file__).resolve().parent.parent


def _facts(sid: str, n: int) -> Facts:
    src = Entity(f"source/{sid}", "Source", sid, props={"sha256": "ab" * 32, "sourceKind": "article"})
    people, rels = [], []
    for i in range(n):
        ev = [Evidence(src.id, quote=f"PC Person {i} of Kent", start=i, end=i + 9, method="rule", confidence=0.8)]
        people.append(Entity(f"person/p{sid}-{i}", "Officer", f"Person {i}", aliases=[f"PC {i}"], evidence=ev))
        rels.append(Relation("SERVES_IN", f"person/p{sid}-{i}", "force/kent", {"role": "constable"}, ev))
    return Facts(src, people, rels)


@pytest.fixture()
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "kb.snapshot"
    store = MemoryStore(path)
    store.upsert(reference_facts())
    store.upsert(_facts("a1", 5))
    store.upsert(_facts("a2", 3))
    store.close()
    return path


def test_round_trip_keeps_everything_and_the_shared_key_dicts(snapshot: Path) -> None:
    before = MemoryStore(None)
    before.upsert(reference_facts())
    before.upsert(_facts("a1", 5))
    before.upsert(_facts("a2", 3))
    again = MemoryStore(snapshot)
    g = again.g
    assert g.nodes == before.g.nodes and g.succ == before.g.succ and g.by_source == before.g.by_source
    for u, nbrs in g.succ.items():
        for v, keyed in nbrs.items():
            assert g.pred[v][u] is keyed  # one dict reachable from both ends, as the store keeps it
    node = again.get("person/pa1-2")
    assert node is not None and type(node.evidence[0]) is Evidence
    assert node.evidence[0] == Evidence("source/a1", "PC Person 2 of Kent", 2, 11, "rule", 0.8)
    assert hash(node.evidence[0]) == hash(Evidence("source/a1", "PC Person 2 of Kent", 2, 11, "rule", 0.8))
    # and a store opened from the snapshot writes the same file again
    again._dirty = True
    copy = snapshot.with_name("copy.snapshot")
    again.path = copy
    again.flush()
    assert copy.read_bytes() == snapshot.read_bytes()


def test_a_flipped_byte_anywhere_is_an_error_naming_the_file(snapshot: Path) -> None:
    good = snapshot.read_bytes()
    positions = sorted({*range(0, len(good), max(1, len(good) // 150)), len(good) - 1, len(good) - 13, 5})
    for pos in positions:
        for bit in (0x01, 0x80):
            bad = bytearray(good)
            bad[pos] ^= bit
            snapshot.write_bytes(bad)
            with pytest.raises(StoreError, match=r"kb\.snapshot") as err:
                MemoryStore(snapshot)
            msg = str(err.value)
            assert any(w in msg for w in ("damaged", "not a policing-kb snapshot", "another version")), (pos, msg)


def test_a_truncated_snapshot_is_an_error(snapshot: Path) -> None:
    good = snapshot.read_bytes()
    for cut in (0, 1, 40, len(good) // 2, len(good) - 20, len(good) - 1):
        snapshot.write_bytes(good[:cut])
        with pytest.raises(StoreError, match=r"kb\.snapshot"):
            MemoryStore(snapshot)


def test_bytes_after_the_data_are_an_error(snapshot: Path) -> None:
    good = snapshot.read_bytes()
    body = good[: -memory_snapshot._TRAILER.size]
    snapshot.write_bytes(seal(body + b"extra"))
    with pytest.raises(StoreError, match="unexpected bytes"):
        MemoryStore(snapshot)


class _Boom:
    """Unpickling this would run a shell command that leaves a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _crafted(payload: object) -> bytes:
    header = json.dumps({"format": SNAPSHOT_FORMAT, "nodes": 0, "edges": 0, "checksum": "crc32"}).encode() + b"\n"
    return seal(header + pickle.dumps(payload, protocol=5))


WRAPS = [lambda b: b, lambda b: ({}, {}, {}, {"s": b}), lambda b: ({"x": {"s": b}}, {}, {}, {})]


@pytest.mark.parametrize("wrap", WRAPS)
def test_a_crafted_snapshot_runs_no_code(tmp_path: Path, wrap: Callable[[object], object]) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "kb.snapshot"
    path.write_bytes(_crafted(wrap(_Boom(marker))))
    with pytest.raises(StoreError, match=r"kb\.snapshot.*posix\.system|kb\.snapshot.*os\.system"):
        MemoryStore(path)
    assert not marker.exists()


def test_other_globals_are_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "kb.snapshot"
    for payload in (eval, print, Path("x"), {"a": Evidence}):
        path.write_bytes(_crafted(payload))
        with pytest.raises(StoreError, match="may not"):
            MemoryStore(path)


def test_a_checksummed_file_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kb.snapshot"
    payloads: list[object] = [[1, 2, 3], ({}, {}, {}), ({}, {}, {}, []), ({"a": {}}, {}, {}, {})]
    for payload in payloads:
        path.write_bytes(_crafted(payload))
        with pytest.raises(StoreError, match=r"kb\.snapshot"):
            MemoryStore(path)


def test_an_older_format_says_so(tmp_path: Path) -> None:
    path = tmp_path / "kb.snapshot"
    path.write_bytes(json.dumps({"format": "policing-kb-memory/5", "nodes": 1, "edges": 0}).encode() + b"\n\x80\x05")
    with pytest.raises(StoreError, match=r"another version \(policing-kb-memory/5"):
        MemoryStore(path)


_KILLED_WRITER = """
import os, sys, time
from kb.reference import reference_facts
from kb.store.memory import MemoryStore
store = MemoryStore(sys.argv[1])
store.clear()  # a change to write
store.upsert(reference_facts())
def stall(fd):  # the data is written; stop before the rename
    print("writing", flush=True)
    time.sleep(600)
os.fsync = stall
store.flush()
"""


def test_a_killed_writers_temp_file_is_removed_on_the_next_open(snapshot: Path) -> None:
    before = snapshot.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_WRITER), str(snapshot)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"writing"
        temps = list(snapshot.parent.glob(".kb.snapshot.*.tmp"))
        assert len(temps) == 1 and temps[0].stat().st_size > 0
        assert clean_temp_files(snapshot) == []  # the writer is alive and holds its lock
        assert temps[0].exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert temps[0].exists()  # what kill -9 leaves behind
    store = MemoryStore(snapshot)  # the next open removes it
    assert not temps[0].exists()
    assert snapshot.read_bytes() == before and store.get("person/pa1-0") is not None


def test_an_empty_fresh_temp_file_is_left_to_its_writer(tmp_path: Path) -> None:
    """Unlocked and empty may be a writer between creating and locking its file."""
    path = tmp_path / "kb.snapshot"
    fresh = tmp_path / ".kb.snapshot.abc.tmp"
    fresh.write_bytes(b"")
    assert clean_temp_files(path) == [] and fresh.exists()
    old = time.time() - memory_snapshot.STALE_SECONDS - 10
    os.utime(fresh, (old, old))
    assert clean_temp_files(path) == [fresh] and not fresh.exists()


def test_other_files_in_the_folder_are_left_alone(snapshot: Path) -> None:
    others = [snapshot.with_name(n) for n in ("kb.snapshot.lock", ".other.snapshot.x.tmp", "notes.tmp")]
    for p in others:
        p.write_bytes(b"x")
    MemoryStore(snapshot)
    assert all(p.exists() for p in others)
