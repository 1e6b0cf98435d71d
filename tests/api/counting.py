"""A Store that delegates every call to another store and counts the calls (no behaviour changed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kb.model import Direction, Edge, Facts, Node, Stats, UpsertResult
from kb.store.base import Page, SearchHit, Store
from kb.store.merge import EdgeContrib, EdgeKey, NodeContrib
from kb.store.query import Filter


class CountingStore(Store):
    """Counts reads by method name; ``calls`` can be reset between requests."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        # How many entities get/get_many were asked for, and relations handed out, in all.
        self.entities_read = 0
        self.edges_read = 0

    def _n(self, name: str) -> None:
        self.calls[name] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def write(
        self, upserts: Sequence[Facts] = (), deletes: Sequence[str] = (), meta: Mapping[str, Any] | None = None
    ) -> list[UpsertResult]:
        return self.inner.write(upserts, deletes, meta)

    def meta(self, key: str) -> Any:
        return self.inner.meta(key)

    def node_parts(self, ids: Sequence[str]) -> dict[str, list[tuple[str, NodeContrib]]]:
        return self.inner.node_parts(ids)

    def edge_parts(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, list[tuple[str, EdgeContrib]]]:
        return self.inner.edge_parts(keys)

    def source_contents(self, source_id: str) -> tuple[list[str], list[EdgeKey]]:
        return self.inner.source_contents(source_id)

    def ids_with_prefix(self, prefixes: Sequence[str]) -> dict[str, list[str]]:
        return self.inner.ids_with_prefix(prefixes)

    def flush(self) -> None:
        self.inner.flush()

    def clear(self) -> None:
        self.inner.clear()

    def get(self, entity_id: str) -> Node | None:
        self._n("get")
        self.entities_read += 1
        return self.inner.get(entity_id)

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        self._n("get_many")
        self.entities_read += len(ids)
        return self.inner.get_many(ids)

    def edges(
        self, ids: Sequence[str], rel_types: Sequence[str] | None = None, direction: Direction = "both"
    ) -> list[Edge]:
        self._n("edges")
        out = self.inner.edges(ids, rel_types, direction)
        self.edges_read += len(out)
        return out

    def first_edges(
        self, ids: Sequence[str], rel_types: Sequence[str] | None, direction: Direction, limit: int
    ) -> list[Edge]:
        self._n("first_edges")
        out = self.inner.first_edges(ids, rel_types, direction, limit)
        self.edges_read += len(out)
        return out

    @property
    def revision(self) -> int | None:
        return self.inner.revision

    def warm(self) -> None:
        self._n("warm")
        self.inner.warm()

    def mentions(self, source_id: str) -> list[str]:
        self._n("mentions")
        return self.inner.mentions(source_id)

    def paths(
        self, from_id: str, to_id: str, max_hops: int = 4, rel_types: Sequence[str] | None = None, limit: int = 10
    ) -> list[list[Edge]]:
        self._n("paths")
        return self.inner.paths(from_id, to_id, max_hops, rel_types, limit)

    def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> list[SearchHit]:
        self._n("search")
        return self.inner.search(text, types, limit)

    def list(
        self,
        entity_type: str | None = None,
        where: Filter | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page:
        self._n("list")
        return self.inner.list(entity_type, where, order_by, descending, after, limit)

    def stats(self) -> Stats:
        self._n("stats")
        return self.inner.stats()

    def iter_nodes(self, entity_type: str | None = None) -> Iterator[Node]:
        self._n("iter_nodes")
        return self.inner.iter_nodes(entity_type)

    def iter_edges(self) -> Iterator[Edge]:
        self._n("iter_edges")
        return self.inner.iter_edges()
