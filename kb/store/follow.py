"""A memory store that follows its snapshot: what a running server answers from.

``policekb load`` writes a new snapshot (temp file, then an atomic rename) while the server
keeps the old one in memory. :class:`FollowingStore` notices the new file (a background thread
compares the file's identity, size and time every ``poll`` seconds), opens and warms it beside
the old one, and then swaps it in with one assignment: requests never wait for the reload and
never see half of it; those already running finish on the store they started with. Its
``revision`` changes with every swap, so answers cached by revision (aggregates) are dropped.
A snapshot that cannot be read is logged and the old one kept, until the file changes again.

The first snapshot is opened by that thread too (after a quick look at its header and end,
so a file that is not a snapshot is still an error at once): the server listens, and /health
answers (503, "opening") at once, and every read waits until the store is open. Its search and
hub indexes are then built in the background (MemoryStore.warm).

With Neo4j nothing of this is needed: every request reads the database.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from kb.model import Direction, Edge, Facts, Node, Stats, UpsertResult
from kb.store.base import Page, SearchHit, Store, StoreError
from kb.store.memory import MemoryStore
from kb.store.memory_snapshot import peek_snapshot
from kb.store.merge import EdgeContrib, EdgeKey, NodeContrib

log = logging.getLogger(__name__)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class StoreOpening(StoreError):
    """The KB is still being opened (what /health says meanwhile)."""


class FollowingStore(Store):
    """Reads from the latest snapshot at ``path``; see the module doc."""

    def __init__(self, path: Path | str, poll: float = 1.0) -> None:
        self.path = Path(path)
        self.poll = poll
        try:
            self._file: BinaryIO | None = self.path.open("rb")  # read by the thread: this file, whatever replaces it
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read snapshot: {exc.strerror or exc}") from None
        try:
            peek_snapshot(self.path, self._file)  # the clear error for a file that is not a snapshot, now
        except BaseException:
            self._file.close()
            raise
        st = os.fstat(self._file.fileno())
        self._sig: tuple[int, int, int] | None = (st.st_ino, st.st_size, st.st_mtime_ns)
        self._current: MemoryStore | None = None
        self._failure: StoreError | None = None
        self._opened = threading.Event()
        self._generation = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="kb-snapshot-follow", daemon=True)
        self._thread.start()

    @property
    def current(self) -> MemoryStore:
        """The memory store answering now (read once per operation: it may be swapped); waits
        while the first snapshot is being opened."""
        store = self._current
        if store is None:
            self._opened.wait()
            store = self._current
            if store is None:
                raise self._failure or StoreError(f"{self.path}: the KB is not open")
        return store

    def _follow(self) -> None:
        try:
            if self._file is not None:
                self._current = MemoryStore.opened(self.path, self._file)
        except StoreError as exc:
            log.error("cannot open the KB: %s", exc)
            self._failure = exc
        finally:
            self._file = None
            self._opened.set()
        if self._current is not None:
            self.current.warm()  # in the background: reads are answered meanwhile
        while not self._stop.wait(self.poll):
            self.reload_if_changed()

    def reload_if_changed(self) -> bool:
        """Reload the snapshot if it changed since the last look; True when a new one is in."""
        sig = _signature(self.path)
        if sig is None or sig == self._sig:
            return False
        try:
            fresh = MemoryStore(self.path)
            fresh.warm(wait=True)  # swapped in ready: readers never wait for a reload
        except StoreError as exc:
            log.warning("keeping the KB in memory: %s", exc)
            self._sig = sig  # not again until the file changes again
            return False
        self._current = fresh  # one reference assignment: readers see the old store or the new one
        self._failure = None
        self._sig = sig
        self._generation += 1
        log.info("reopened %s (%d entities)", self.path, len(fresh.g))
        return True

    @property
    def revision(self) -> int:
        # changes with every swap even when the new store's own counter happens to be equal
        return (self._generation << 40) | self.current.revision

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def warm(self) -> None:
        """Nothing to wait for: the store warms itself in the background once open."""

    def check(self) -> None:
        if not self._opened.is_set():
            raise StoreOpening(f"{self.path}: opening the snapshot")
        self.current.check()

    # -- everything else is the current store's --------------------------------------------
    def write(
        self, upserts: Sequence[Facts] = (), deletes: Sequence[str] = (), meta: Mapping[str, Any] | None = None
    ) -> list[UpsertResult]:
        raise StoreError("a server's KB is read-only: load with `policekb load`, the server follows")

    def flush(self) -> None:
        """Nothing to write: this store only reads."""

    def clear(self) -> None:
        raise StoreError("a server's KB is read-only")

    def meta(self, key: str) -> Any:
        return self.current.meta(key)

    def get(self, entity_id: str) -> Node | None:
        return self.current.get(entity_id)

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        return self.current.get_many(ids)

    def edges(
        self, ids: Sequence[str], rel_types: Sequence[str] | None = None, direction: Direction = "both"
    ) -> list[Edge]:
        return self.current.edges(ids, rel_types, direction)

    def first_edges(
        self, ids: Sequence[str], rel_types: Sequence[str] | None, direction: Direction, limit: int
    ) -> list[Edge]:
        return self.current.first_edges(ids, rel_types, direction, limit)

    def mentions(self, source_id: str) -> list[str]:
        return self.current.mentions(source_id)

    def node_parts(self, ids: Sequence[str]) -> dict[str, list[tuple[str, NodeContrib]]]:
        return self.current.node_parts(ids)

    def edge_parts(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, list[tuple[str, EdgeContrib]]]:
        return self.current.edge_parts(keys)

    def source_contents(self, source_id: str) -> tuple[list[str], list[EdgeKey]]:
        return self.current.source_contents(source_id)

    def ids_with_prefix(self, prefixes: Sequence[str]) -> dict[str, list[str]]:
        return self.current.ids_with_prefix(prefixes)

    def paths(
        self, from_id: str, to_id: str, max_hops: int = 4, rel_types: Sequence[str] | None = None, limit: int = 10
    ) -> list[list[Edge]]:
        return self.current.paths(from_id, to_id, max_hops, rel_types, limit)

    def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> list[SearchHit]:
        return self.current.search(text, types, limit)

    def search_ready(self) -> bool:
        # before the open, a search waits for the store like every read; then for nothing but the index
        return not self._opened.is_set() or self.current.search_ready()

    def list(self, *args: Any, **kwargs: Any) -> Page:  # Store.list's parameters, passed on as they are
        return self.current.list(*args, **kwargs)

    def scan(self, *args: Any, **kwargs: Any) -> Page:  # Store.scan's: the deadline must reach the scan
        return self.current.scan(*args, **kwargs)

    def stats(self) -> Stats:
        return self.current.stats()

    def iter_nodes(self, entity_type: str | None = None) -> Iterator[Node]:
        return self.current.iter_nodes(entity_type)

    def iter_edges(self) -> Iterator[Edge]:
        return self.current.iter_edges()
