"""The store interface: one contract, two implementations (memory and Neo4j).

Stores keep, for every entity and relation, what each source contributed. Upserting a
source's Facts replaces exactly what that source said before; deleting a source removes
its contributions and any entity or relation left with no evidence. The API and the RDF
exporter only ever read through this interface.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from kb.identity import normalise_name
from kb.model import Direction, Edge, Facts, Node, Stats, UpsertResult
from kb.store.query import Deadline, Filter


def search_tokens(text: str) -> list[str]:
    """The words search compares: normalised name tokens (both stores use this)."""
    return [t for t in normalise_name(text).split() if t]


def encode_cursor(pos: tuple[Any, str]) -> str:
    """An opaque keyset cursor for (sort value, id)."""
    raw = json.dumps([list(pos[0]), pos[1]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    """Read a cursor made by :func:`encode_cursor`; StoreError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sv, n = json.loads(raw)
        return (tuple(sv), str(n))
    except (ValueError, TypeError) as exc:
        raise StoreError(f"invalid cursor {cursor[:40]!r}") from exc


class StoreError(Exception):
    """A store could not do what was asked (connection, integrity, bad input)."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result with its relevance score (higher is better)."""

    node: Node
    score: float


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a keyset-paginated listing."""

    nodes: tuple[Node, ...]
    total: int
    # Opaque cursor after the last node on this page; pass as ``after`` for the next one.
    end_cursor: str | None
    has_next: bool


class Store(ABC):
    """A KB store. Every method is safe to call with user-supplied strings: stores must
    never build query text from them."""

    #: Whether a forked child process may read this store while the parent keeps using it:
    #: True for plain in-process data, False for a store holding connections or threads.
    #: The RDF export forks worker processes only for such stores.
    fork_safe: ClassVar[bool] = False

    # -- writes ----------------------------------------------------------------
    @abstractmethod
    def upsert(self, facts: Facts) -> UpsertResult:
        """Make the store hold exactly what ``facts`` says for its source, atomically.

        Re-upserting identical facts changes nothing (``unchanged`` is True). Facts the
        source no longer asserts are removed, with any node left without evidence.
        """

    def upsert_many(self, batch: Sequence[Facts]) -> list[UpsertResult]:
        """Upsert several sources; all or nothing where the store can do it."""
        return [self.upsert(f) for f in batch]

    @abstractmethod
    def delete_source(self, source_id: str) -> UpsertResult:
        """Remove a source, its contributions and anything left with no evidence."""

    @abstractmethod
    def flush(self) -> None:
        """Persist pending writes (the memory store writes its snapshot)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove everything (tests, rebuilds)."""

    # -- reads -----------------------------------------------------------------
    @abstractmethod
    def get(self, entity_id: str) -> Node | None:
        """One entity by id."""

    @abstractmethod
    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        """Entities by id, in one round trip; unknown ids are absent from the result."""

    @abstractmethod
    def edges(
        self,
        ids: Sequence[str],
        rel_types: Sequence[str] | None = None,
        direction: Direction = "both",
    ) -> list[Edge]:
        """All relations touching any of ``ids`` (batched neighbour lookup).

        ``direction`` is relative to the given ids: "out" means the id is the relation's
        source. MENTIONED_IN is not a stored relation here: use :meth:`mentions`.
        """

    def first_edges(
        self,
        ids: Sequence[str],
        rel_types: Sequence[str] | None,
        direction: Direction,
        limit: int,
    ) -> list[Edge]:
        """For each id and relation type, the first ``limit`` relations in the order a
        relationship list shows them: by the far end's id, then by key.

        This is what a page of ``force.officers(first: 20)`` needs. The default reads every
        relation and sorts; stores override it so that a hub's thousands of relations are not
        all built for a page of twenty.
        """
        if limit < 0:
            raise StoreError(f"limit must be >= 0, not {limit}")
        groups: dict[tuple[str, str], list[tuple[str, str, Edge]]] = defaultdict(list)
        wanted = set(ids)
        for e in self.edges(ids, rel_types, direction):
            if direction != "in" and e.source in wanted:
                groups[(e.source, e.type)].append((e.target, e.key, e))
            if direction != "out" and e.target in wanted and (direction == "in" or e.source != e.target):
                groups[(e.target, e.type)].append((e.source, e.key, e))
        out: dict[tuple[str, str, str], Edge] = {}
        for group in groups.values():
            group.sort(key=lambda t: (t[0], t[1]))
            for _, _, e in group[:limit]:
                out.setdefault((e.source, e.target, e.key), e)
        return list(out.values())

    @abstractmethod
    def mentions(self, source_id: str) -> list[str]:
        """Ids of the entities a source gives evidence for."""

    @abstractmethod
    def paths(
        self,
        from_id: str,
        to_id: str,
        max_hops: int = 4,
        rel_types: Sequence[str] | None = None,
        limit: int = 10,
    ) -> list[list[Edge]]:
        """Shortest paths (ignoring direction) between two entities, as lists of edges."""

    @abstractmethod
    def search(self, text: str, types: Sequence[str] | None = None, limit: int = 20) -> list[SearchHit]:
        """Full-text search over names and aliases, ranked, case and punctuation tolerant."""

    @abstractmethod
    def list(
        self,
        entity_type: str | None = None,
        where: Filter | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page:
        """Entities of a type (subclasses included) matching ``where``, keyset-paginated.

        ``order_by`` is "id", "name" or a scalar property (e.g. "date", "value"); ties
        and missing values are ordered by id. ``after`` is an opaque cursor from a
        previous page's ``end_cursor``.
        """

    def scan(
        self,
        entity_type: str | None = None,
        where: Filter | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: str | None = None,
        limit: int = 50,
        *,
        deadline: Deadline,
    ) -> Page:
        """:meth:`list` for a caller that must be answered by ``deadline``: a store stops a long
        filtered scan with :class:`kb.store.query.ScanTimeout` once it passes (or is cancelled).
        This default cannot stop early."""
        return self.list(entity_type, where, order_by, descending, after, limit)

    @abstractmethod
    def stats(self) -> Stats:
        """Counts of entities by type, relations by type, and sources."""

    @abstractmethod
    def iter_nodes(self, entity_type: str | None = None) -> Iterator[Node]:
        """Every entity (streaming; for exports)."""

    @abstractmethod
    def iter_edges(self) -> Iterator[Edge]:
        """Every relation (streaming; for exports)."""

    @property
    def revision(self) -> int | None:
        """A number that changes whenever what the store holds changes, so that readers may
        cache answers derived from it; None when the store cannot tell (a database other
        processes write to)."""
        return None

    def warm(self) -> None:  # noqa: B027 - optional hook
        """Build read indexes now rather than on first use (the API server calls this at start-up,
        so that its first queries are not the slow ones)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and files."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
