"""Per-request context: the store, the request's budget and the DataLoaders that batch every read.

Relationship lists are read through one loader keyed by (entity, relation type, direction,
page size): all the lists of one level of an answer become one ``first_edges`` call per
direction and page size (``edges`` for lists read in full), and their far ends one
``get_many``, in the same batch. Loads are shielded: a branch of the answer cancelled by a
sibling's error must not cancel a read another branch shares.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from kb.api.budget import Budget
from kb.model import Direction, Edge, Node
from kb.store.base import Store

# (entity id, relation type, direction relative to the entity, first page size or None for all)
EdgeKey = tuple[str, str, Direction, int | None]


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
    budget: Budget = field(default_factory=Budget)

    def __post_init__(self) -> None:
        self._nodes: DataLoader[str, Node | None] = DataLoader(load_fn=self._load_nodes)
        self._edges: DataLoader[EdgeKey, list[tuple[Edge, Node | None]]] = DataLoader(load_fn=self._load_edges)
        self._mentions: DataLoader[str, list[str]] = DataLoader(load_fn=self._load_mentions)

    async def nodes(self, ids: Sequence[str]) -> list[Node | None]:
        return await asyncio.shield(self._nodes.load_many(ids))

    async def node(self, entity_id: str) -> Node | None:
        return (await self.nodes([entity_id]))[0]

    async def related(self, key: EdgeKey) -> list[tuple[Edge, Node | None]]:
        """The relations of one list, each with the entity at its far end."""
        return await asyncio.shield(self._edges.load(key))

    async def mentions(self, source_id: str) -> list[str]:
        return await asyncio.shield(self._mentions.load(source_id))

    async def _load_nodes(self, ids: Sequence[str]) -> list[Node | None]:
        self.budget.check()
        found = self.store.get_many(ids)
        return [found.get(i) for i in ids]

    async def _load_edges(self, keys: Sequence[EdgeKey]) -> list[list[tuple[Edge, Node | None]]]:
        self.budget.check()
        # One store call per direction and page size, whatever the number of entities and types.
        calls: dict[tuple[Direction, int | None], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        for eid, rtype, direction, limit in keys:
            ids, types = calls[(direction, limit)]
            ids.add(eid)
            types.add(rtype)
        found: dict[EdgeKey, list[Edge]] = defaultdict(list)
        for (direction, limit), (ids, types) in calls.items():
            args = (sorted(ids), sorted(types), direction)
            got = self.store.edges(*args) if limit is None else self.store.first_edges(*args, limit)
            for e in got:
                if direction != "in" and e.source in ids:
                    found[(e.source, e.type, direction, limit)].append(e)
                if direction != "out" and e.target in ids and (direction == "in" or e.target != e.source):
                    found[(e.target, e.type, direction, limit)].append(e)
        lists = [found.get(k, []) for k in keys]
        far = self.store.get_many(
            sorted({other_end(e, k[0], k[2]) for k, es in zip(keys, lists, strict=True) for e in es})
        )
        return [[(e, far.get(other_end(e, k[0], k[2]))) for e in es] for k, es in zip(keys, lists, strict=True)]

    async def _load_mentions(self, source_ids: Sequence[str]) -> list[list[str]]:
        # The store has no batched form of mentions(); sources are few per request.
        self.budget.check()
        return [self.store.mentions(s) for s in source_ids]
