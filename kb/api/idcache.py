"""A small bounded cache keyed by objects' identity, for results worked out per parsed document.

The parser cache hands out the same document object for the same query text, so a document's
identity finds what was worked out for it (validation errors, a cost estimate, plans) without
hashing its whole tree. Each entry holds its key objects, so their ids cannot be reused by
other objects while the entry is cached.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityCache(Generic[V]):
    """Values keyed by a tuple of objects (by identity) and a plain hashable ``extra``; the
    oldest entry goes when ``maxsize`` is reached."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: dict[tuple[tuple[int, ...], Hashable], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], extra: Hashable = None) -> V | None:
        hit = self._entries.get((tuple(map(id, objects)), extra))
        if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
            return hit[1]
        return None

    def put(self, objects: tuple[object, ...], extra: Hashable, value: V) -> V:
        if len(self._entries) >= self.maxsize:
            del self._entries[next(iter(self._entries))]
        self._entries[(tuple(map(id, objects)), extra)] = (objects, value)
        return value

    def items(self) -> Iterator[tuple[tuple[object, ...], Hashable, V]]:
        """(key objects, extra, value) of every entry, oldest first."""
        for (_, extra), (objects, value) in self._entries.items():
            yield objects, extra, value

    def __len__(self) -> int:
        return len(self._entries)
