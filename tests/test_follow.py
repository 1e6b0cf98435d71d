"""A running server follows the KB: the memory store reopens its snapshot when a load replaces
it (swapped in whole, the old one answering until then, cached aggregates dropped); on Neo4j
every request reads the database. Real snapshot files, real `policekb` processes, HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kb.model import Entity, Evidence, Facts
from kb.reference import reference_facts
from kb.store.follow import FollowingStore
from kb.store.memory import MemoryStore
from tests.fixtures.bolt import BoltServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from kb.api.app import create_app

EXE = Path(sys.executable).parent / "policekb"
CASE = (
    "A {force} officer, PC {name}, was dismissed without notice after a gross misconduct hearing found he had "
    "used excessive force during an arrest. The Independent Office for Police Conduct investigated the allegation "
    "of excessive force."
)


def _story(folder: Path, stem: str, name: str, force: str = "Kent Police") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{stem}.md"
    text = CASE.format(force=force, name=name)
    p.write_text(f"---\ntitle: {stem}\npublished: 2024-03-01\n---\n\n{text}\n", encoding="utf-8")
    return p


def _policekb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})}, check=False
    )


def _until(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _place(store_path: Path, pid: str, name: str) -> None:
    """Write a new snapshot the way a load does (writer lock, atomic rename), adding a place."""
    s = MemoryStore(store_path, writer=True)
    src = Entity(f"source/{pid}", "Source", name, props={"sha256": pid * 4, "sourceKind": "article"})
    s.upsert(Facts(src, [Entity(f"place/{pid}", "Place", name, evidence=[Evidence(src.id, quote=name)])]))
    s.close()


def test_the_snapshot_is_swapped_in_whole_while_readers_keep_reading(tmp_path: Path) -> None:
    snap = tmp_path / "kb.snapshot"
    first = MemoryStore(snap)
    first.upsert(reference_facts())
    first.close()
    follow = FollowingStore(snap, poll=0.05)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                kent = follow.get("force/kent")
                assert kent is not None and kent.name == "Kent Police"
                seen.add(follow.stats().total_entities)
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        r0 = follow.revision
        for i in range(3):
            _place(snap, f"p{i}", f"Placeholder Vale {i}")
            assert _until(lambda i=i: follow.get(f"place/p{i}") is not None, 20)  # type: ignore[misc]
        assert follow.revision != r0
    finally:
        stop.set()
        for t in threads:
            t.join()
        follow.close()
    assert not errors, errors[0]
    n0 = len(reference_facts().entities)  # sources are not counted among entities
    assert seen <= {n0 + k for k in range(4)} and len(seen) >= 2  # only whole snapshots were ever seen


def test_an_unreadable_new_snapshot_keeps_the_old_one(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    snap = tmp_path / "kb.snapshot"
    _place(snap, "p0", "Placeholder Vale")
    follow = FollowingStore(snap, poll=3600)  # checked by hand below
    try:
        bad = tmp_path / "bad"
        bad.write_bytes(b"not a snapshot\n")
        os.replace(bad, snap)
        assert not follow.reload_if_changed()
        assert follow.get("place/p0") is not None
        assert "keeping the KB in memory" in caplog.text
        snap.unlink()
        _place(snap, "p1", "Placeholder Hill")  # a good one later is taken
        assert follow.reload_if_changed() and follow.get("place/p1") is not None
    finally:
        follow.close()


def test_a_server_answers_what_a_later_load_wrote(tmp_path: Path) -> None:
    """In-process app over a following store; the loads are `policekb` processes."""
    snap = tmp_path / "kb.snapshot"
    assert (
        _policekb("load", str(_story(tmp_path / "a", "first", "Tom Hale")), "-q", "--data", str(snap)).returncode == 0
    )
    follow = FollowingStore(snap, poll=0.1)
    try:
        client = TestClient(create_app(follow))

        def gql(query: str) -> dict[str, Any]:
            r = client.post("/graphql", json={"query": query})
            assert r.status_code == 200, r.text
            doc: dict[str, Any] = r.json()
            assert not doc.get("errors"), doc
            return doc["data"]  # type: ignore[no-any-return]

        counts = '{ outcomeCounts(force: "force/kent") { category count } }'
        assert gql(counts)["outcomeCounts"] == [{"category": "dismissed-without-notice", "count": 1}]
        res = _policekb("load", str(_story(tmp_path / "b", "second", "Rob Lyle")), "-q", "--data", str(snap))
        assert res.returncode == 0, res.stderr
        assert _until(lambda: gql(counts)["outcomeCounts"][0]["count"] == 2)  # the cached count was dropped
        # a file named outside the current folder is identified by its name (its folder is the root)
        q = '{ entity(id: "source/second-md") { id ... on Source { sha256 loadedAt file } } }'
        src = gql(q)["entity"]
        assert src["file"] == "second.md" and len(src["sha256"]) == 64 and src["loadedAt"].startswith("20")
    finally:
        follow.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def serve(tmp_path: Path) -> Iterator[Callable[..., Callable[[str], dict[str, Any]]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Callable[[str], dict[str, Any]]:
        port = _free_port()
        proc = subprocess.Popen(
            [str(EXE), "serve", "--port", str(port), "--no-ide", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        procs.append(proc)

        def gql(query: str) -> dict[str, Any]:
            r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=30)
            doc: dict[str, Any] = r.json()
            assert not doc.get("errors"), doc
            return doc["data"]  # type: ignore[no-any-return]

        def up() -> bool:
            try:
                gql("{ __typename }")
                return True
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                return False

        assert _until(up, 90), "server did not start"
        return gql

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=30)


def test_policekb_serve_follows_loads_and_merges_on_the_memory_store(
    tmp_path: Path, serve: Callable[..., Callable[[str], dict[str, Any]]]
) -> None:
    snap = tmp_path / "kb.snapshot"
    folder = tmp_path / "in"
    _story(folder, "kent", "James Walker")
    assert _policekb("load", str(folder), "-q", "--data", str(snap)).returncode == 0
    gql = serve("--data", str(snap))
    person = '{ person(id: "%s") { id name } }'
    assert gql(person % "person/james-walker")["person"]["id"] == "person/james-walker"
    _story(folder, "cumbria", "James Walker", force="Cumbria Constabulary")
    assert _policekb("load", str(folder), "-q", "--data", str(snap)).returncode == 0
    other = "person/james-walker--cumbria"
    assert _until(lambda: gql(person % other)["person"] is not None)
    res = _policekb("merge", "person/james-walker", other, "--data", str(snap))
    assert res.returncode == 0, res.stderr
    # the merged id answers for the person it was merged into
    assert _until(lambda: (gql(person % other)["person"] or {}).get("id") == "person/james-walker")


@pytest.mark.neo4j
def test_policekb_serve_on_neo4j_needs_nothing_to_follow(
    tmp_path: Path, bolt_server: BoltServer, neo4j_store: Any, serve: Callable[..., Callable[[str], dict[str, Any]]]
) -> None:
    env = {"NEO4J_URI": bolt_server.uri, "NEO4J_USER": bolt_server.user, "NEO4J_PASSWORD": bolt_server.password}
    if bolt_server.database:
        env["NEO4J_DATABASE"] = bolt_server.database
    folder = tmp_path / "in"
    _story(folder, "kent", "James Walker")
    judgements = str(tmp_path / "kb.judgements.txt")
    common = ("--store", "neo4j", "--judgements", judgements)
    res = _policekb("load", str(folder), "-q", *common, env=env)
    assert res.returncode == 0, res.stderr
    gql = serve("--store", "neo4j", env=env)
    person = '{ person(id: "%s") { id } }'
    assert gql(person % "person/james-walker")["person"] is not None
    _story(folder, "cumbria", "James Walker", force="Cumbria Constabulary")
    assert _policekb("load", str(folder), "-q", *common, env=env).returncode == 0
    assert gql(person % "person/james-walker--cumbria")["person"] is not None  # at once
    res = _policekb("merge", "person/james-walker", "person/james-walker--cumbria", *common, env=env)
    assert res.returncode == 0, res.stderr
    assert gql(person % "person/james-walker--cumbria")["person"]["id"] == "person/james-walker"
