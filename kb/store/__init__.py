"""Stores: one interface (:class:`Store`), two implementations."""

from __future__ import annotations

from collections.abc import Callable

from kb.config import Settings
from kb.store.base import Page, SearchHit, Store, StoreError

__all__ = ["Page", "SearchHit", "Store", "StoreError", "open_store"]


def open_store(
    settings: Settings,
    *,
    write: bool = False,
    create: bool = False,
    follow: bool = False,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Store:
    """Open the store the settings name ("memory" or "neo4j").

    ``write``: this process will write (the memory store takes its snapshot's writer lock and
    waits for another writer, telling ``on_wait``, or with ``wait=False`` fails at once).
    ``create``: a memory store whose snapshot does not exist yet starts empty; otherwise that is
    an error (a mistyped KB_DATA must not serve an empty KB). ``follow``: a server's memory
    store, which reopens its snapshot when a load replaces it (kb.store.follow).
    """
    if settings.store == "memory":
        from kb.store.memory import MemoryStore

        if not create and not settings.data.exists():
            raise StoreError(
                f"no KB at {settings.data}: load some sources first (policekb load PATH... --data {settings.data}), "
                "or point --data / KB_DATA at an existing snapshot"
            )
        if follow and not write:
            from kb.store.follow import FollowingStore

            return FollowingStore(settings.data)
        return MemoryStore(settings.data, writer=write, on_wait=on_wait, wait=wait)
    if settings.store == "neo4j":
        from kb.store.neo4j import Neo4jStore

        return Neo4jStore(settings.neo4j)
    raise StoreError(f"unknown store {settings.store!r} (choose memory or neo4j)")
