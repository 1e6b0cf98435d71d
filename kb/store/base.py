"""The store interface: one contract, two implementations (memory and Neo4j).

Stores keep, for every entity and relation, what each source contributed (the rules are
kb.store.merge's). Upserting a source's Facts replaces exactly what that source said before;
deleting a source removes its contributions and any entity or relation left with no evidence.
Besides the graph a store keeps a little KB metadata (JSON values by key): ``redirects``, the
ids merged into others by a judgement (a lookup of a merged id answers with the entity it was
merged into), and ``files``, where each source was last loaded from. The API and the RDF
exporter only ever read through this interface.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from kb.identity import normalise_name
from kb.model import Direction, Edge, Facts, Node, Stats, UpsertResult
from kb.store import merge
from kb.store.merge import EdgeContrib, EdgeKey, NodeContrib
from kb.store.query import Deadline, Filter

#: KB metadata keys (see Store.meta)
REDIRECTS = "redirects"
FILES = "files"


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
    def write(
        self, upserts: Sequence[Facts] = (), deletes: Sequence[str] = (), meta: Mapping[str, Any] | None = None
    ) -> list[UpsertResult]:
        """One change, all or nothing: remove the ``deletes`` sources, then make the store hold
        exactly what each of ``upserts`` says for its source, and set the KB metadata in
        ``meta`` (a value of None removes the key). One result per delete, then per upsert.

        Re-upserting identical facts changes nothing (``unchanged`` is True). Facts a source no
        longer asserts are removed, with any node left without evidence. Every upsert is
        validated before anything changes.
        """

    def upsert(self, facts: Facts) -> UpsertResult:
        """Make the store hold exactly what ``facts`` says for its source, atomically."""
        return self.write([facts])[0]

    def upsert_many(self, batch: Sequence[Facts]) -> list[UpsertResult]:
        """Upsert several sources, all or nothing."""
        return self.write(batch)

    def delete_source(self, source_id: str) -> UpsertResult:
        """Remove a source, its contributions and anything left with no evidence."""
        return self.write((), [source_id])[0]

    @abstractmethod
    def meta(self, key: str) -> Any:
        """The KB metadata value under ``key`` (as written by :meth:`write`), None when unset."""

    def redirects(self) -> dict[str, str]:
        """Ids merged into others by a judgement: merged id -> the id it answers for now."""
        value = self.meta(REDIRECTS)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

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

    # -- contributions (kb.store.merge) ---------------------------------------------
    @abstractmethod
    def node_parts(self, ids: Sequence[str]) -> dict[str, list[tuple[str, NodeContrib]]]:
        """Each entity's contributions: (source id, contribution) in the order the sources first
        mentioned it; unknown ids are absent (merged ids are not followed)."""

    @abstractmethod
    def edge_parts(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, list[tuple[str, EdgeContrib]]]:
        """Each relation's contributions, in order; unknown keys are absent."""

    @abstractmethod
    def source_contents(self, source_id: str) -> tuple[list[str], list[EdgeKey]]:
        """The entities and relations a source contributes to: its own node first, then the other
        entities by id; the relations sorted."""

    def source_facts(self, source_id: str) -> Facts | None:
        """What the store holds for one source, as the Facts that would give it (None: no such
        source). Upserting them changes nothing; a judgement rewrites and re-applies them."""
        node_ids, keys = self.source_contents(source_id)
        nodes = self.node_parts(node_ids)
        edges = self.edge_parts(keys)
        return merge.source_facts(
            source_id,
            [(n, c) for n in node_ids for sid, c in nodes.get(n, ()) if sid == source_id],
            [(k, c) for k in keys for sid, c in edges.get(k, ()) if sid == source_id],
        )

    @abstractmethod
    def ids_with_prefix(self, prefixes: Sequence[str]) -> dict[str, list[str]]:
        """For each prefix, the ids of the stored entities starting with it, sorted."""

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

    def search_ready(self) -> bool:
        """False while another thread builds the search index (a served KB just opened), when a
        search would wait for that build; a store whose index is always there says True."""
        return True

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

    def check(self) -> None:  # noqa: B027 - optional hook
        """Raise StoreError, saying why, when the store cannot answer now (the API's /health
        calls this; cheap and bounded in time). A store that is always usable does nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and files."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
