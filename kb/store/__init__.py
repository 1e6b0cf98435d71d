"""Stores: one interface (:class:`Store`), two implementations."""

from __future__ import annotations

from kb.config import Settings
from kb.store.base import Page, SearchHit, Store, StoreError

__all__ = ["Page", "SearchHit", "Store", "StoreError", "open_store"]


def open_store(settings: Settings) -> Store:
    """Open the store the settings name ("memory" or "neo4j")."""
    if settings.store == "memory":
        from kb.store.memory import MemoryStore

        return MemoryStore(settings.data)
    if settings.store == "neo4j":
        from kb.store.neo4j import Neo4jStore

        return Neo4jStore(settings.neo4j)
    raise StoreError(f"unknown store {settings.store!r} (choose memory or neo4j)")
