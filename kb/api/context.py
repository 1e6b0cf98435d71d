"""Per-request context: the store and DataLoaders that batch every read (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from kb.model import Direction, Edge, Node
from kb.store.base import Store

# (entity id, relation type, direction relative to the entity)
EdgeKey = tuple[str, str, Direction]


def other_end(edge: Edge, entity_id: str, direction: Direction) -> str:
    """The id at the far end of ``edge`` seen from ``entity_id``."""
    if direction == "out":
        return edge.target
    if direction == "in":
        return edge.source
    return edge.target if edge.source == entity_id else edge.source


@dataclass
class Context:
    """What resolvers see as ``info.context``; one per request, so caches never go stale."""

    store: Store
    base: str
    request: Any = None
    # Relationships and entities read ahead by kb.api.prefetch (no await needed to use them).
    prefetched: dict[EdgeKey, list[Edge]] = field(default_factory=dict)
    # Lists read ahead only in part: how many of their first relations were read.
    prefetched_first: dict[EdgeKey, int] = field(default_factory=dict)
    node_cache: dict[str, Node] = field(default_factory=dict)
    # Whether root fields read ahead below them (kb.api.prefetch). kb.api.executor turns it off
    # for a root field whose whole answer it executes level by level, reading each level itself.
    lookahead: bool = True
    # The request's parsed document once it passed validation (kb.api.limits): kb.api.fastpost
    # runs it directly the next time the same operation comes.
    validated: Any = None
    nodes: DataLoader[str, Node | None] = field(init=False)
    edges: DataLoader[EdgeKey, list[Edge]] = field(init=False)
    mentions: DataLoader[str, list[str]] = field(init=False)

    def read_ahead(self, key: EdgeKey, first: int | None, after: str | None) -> list[Edge] | None:
        """The read-ahead list for ``key`` when it holds what a page of ``first`` (None: all)
        after ``after`` shows; else None."""
        edges = self.prefetched.get(key)
        n = self.prefetched_first.get(key)
        if edges is None or (n is not None and (after is not None or first is None or first > n)):
            return None
        return edges

    def __post_init__(self) -> None:
        self.nodes = DataLoader(load_fn=self._load_nodes)
        self.edges = DataLoader(load_fn=self._load_edges)
        self.mentions = DataLoader(load_fn=self._load_mentions)

    async def _load_nodes(self, ids: Sequence[str]) -> list[Node | None]:
        # Entities read ahead (kb.api.prefetch) are served from the cache: priming the loader
        # with them instead would cost a future per entity on every request.
        cache = self.node_cache
        missing = [i for i in ids if i not in cache]
        if missing:
            cache.update(self.store.get_many(missing))
        return [cache.get(i) for i in ids]

    async def _load_edges(self, keys: Sequence[EdgeKey]) -> list[list[Edge]]:
        # One store call per direction, whatever the number of entities and relation types.
        by_dir: dict[Direction, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        for eid, rtype, direction in keys:
            ids, types = by_dir[direction]
            ids.add(eid)
            types.add(rtype)
        found: dict[EdgeKey, list[Edge]] = defaultdict(list)
        for direction, (ids, types) in by_dir.items():
            for e in self.store.edges(sorted(ids), sorted(types), direction):
                if direction in ("out", "both") and e.source in ids:
                    found[(e.source, e.type, direction)].append(e)
                if direction in ("in", "both") and e.target in ids and (direction == "in" or e.target != e.source):
                    found[(e.target, e.type, direction)].append(e)
        return [found.get(k, []) for k in keys]

    async def _load_mentions(self, source_ids: Sequence[str]) -> list[list[str]]:
        # The store has no batched form of mentions(); sources are few per request.
        return [self.store.mentions(s) for s in source_ids]
