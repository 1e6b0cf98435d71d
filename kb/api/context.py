"""One request's context: the store, the DataLoaders that batch every read, the budget, and
running the operation off the server's event loop.

All the relationship lists of one level of an answer are one ``first_edges`` (or ``edges``) call
per direction and page size and one ``get_many`` for their far ends. Loads are shielded: a branch
cancelled by a sibling's error must not cancel a shared read.

Every operation runs in a worker thread with an event loop of its own, so the server's loop only
moves bytes. The Budget bounds the work (objects, estimated response bytes, a deadline shared with
store scans); at the deadline or when the client leaves, the server answers (or drops) the request
at once and the worker stops at its next check. Store work that reads much of the KB (filtered
scans, paths, neighbourhoods, aggregates) also takes the :func:`heavy` slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import defaultdict
from collections.abc import Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.types import Receive
from strawberry.dataloader import DataLoader

from kb.api.errors import ApiError
from kb.model import Direction, Edge, Node
from kb.store.base import Store
from kb.store.query import Deadline

T = TypeVar("T")

DEADLINE_S = 5.0
MAX_OBJECTS = 50_000
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
HEAVY_SLOTS = 1  # per server process: work that reads much of the KB, one request at a time
# Worker threads for GraphQL execution: requests beyond this wait (their deadline running).
THREADS = int(os.environ.get("KB_API_THREADS", "8"))


class BudgetExceeded(ApiError):
    """The request used up its budget (time, objects or response size), or its client left."""


class Budget:
    """One request's allowance; :meth:`spend` and :meth:`check` raise once it is used up."""

    def __init__(
        self, seconds: float = DEADLINE_S, max_objects: int = MAX_OBJECTS, max_bytes: int = MAX_RESPONSE_BYTES
    ) -> None:
        self.seconds, self.max_objects, self.max_bytes = seconds, max_objects, max_bytes
        self.deadline = Deadline(time.monotonic() + seconds)  # shared with store scans
        self.objects = self.bytes = 0
        self.stopped: str | None = None  # why work stopped, once it has

    def stop(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
        self.deadline.cancel()  # a scan in progress stops too

    def late(self) -> str:
        return (
            f"The request ran past its deadline of {self.seconds:g} s. "
            "Ask for less: smaller pages, fewer nested lists, narrower filters."
        )

    def check(self) -> None:
        if self.stopped is None and self.deadline.left() <= 0:
            self.stop(self.late())
        if self.stopped is not None:
            raise BudgetExceeded(self.stopped)

    def spend(self, objects: int, nbytes: int = 0) -> None:
        self.objects += objects
        self.bytes += nbytes
        if self.objects > self.max_objects:
            self.stop(f"The answer would hold more than {self.max_objects:,} objects. Ask for smaller pages.")
        elif self.bytes > self.max_bytes:
            self.stop(f"The answer would be larger than {self.max_bytes // 2**20} MB. Ask for smaller pages.")
        self.check()


_HEAVY = threading.BoundedSemaphore(HEAVY_SLOTS)


@contextlib.contextmanager
def heavy(budget: Budget) -> Iterator[None]:
    """One of the few slots for store work that reads much of the KB, waited for until the deadline."""
    budget.check()
    if not _HEAVY.acquire(timeout=budget.deadline.left()):
        budget.stop("The server is busy with other long requests and this one ran out of time waiting; try again.")
        budget.check()
    try:
        yield
    finally:
        _HEAVY.release()


_POOL = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="kb-graphql")
_loops = threading.local()


def _run(coro: Coroutine[Any, Any, T]) -> T:
    loop = getattr(_loops, "loop", None)
    if loop is None:
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


async def _gone(receive: Receive) -> None:
    """Returns when the client has closed the connection (the body was read before)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def off_loop(coro: Coroutine[Any, Any, T], budget: Budget, receive: Receive) -> T:
    """Run ``coro`` in a worker thread; BudgetExceeded at the deadline or when the client leaves."""
    work = asyncio.get_running_loop().run_in_executor(_POOL, _run, coro)
    gone = asyncio.ensure_future(_gone(receive))
    waits: set[asyncio.Future[Any]] = {work, gone}
    try:
        done, _ = await asyncio.wait(waits, timeout=budget.deadline.left(), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if work in done:
        return work.result()
    budget.stop("The client closed the connection." if done else budget.late())
    work.add_done_callback(lambda f: f.exception())  # the worker stops at its next check
    raise BudgetExceeded(budget.stopped or budget.late())


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
    budget: Budget = field(default_factory=Budget)

    def __post_init__(self) -> None:
        self._nodes: DataLoader[str, Node | None] = DataLoader(load_fn=self._load_nodes)
        self._edges: DataLoader[EdgeKey, list[tuple[Edge, Node | None]]] = DataLoader(load_fn=self._load_edges)

    async def nodes(self, ids: Sequence[str]) -> list[Node | None]:
        return await asyncio.shield(self._nodes.load_many(ids))

    async def node(self, entity_id: str) -> Node | None:
        return (await self.nodes([entity_id]))[0]

    async def related(self, key: EdgeKey) -> list[tuple[Edge, Node | None]]:
        """The relations of one list, each with the entity at its far end."""
        return await asyncio.shield(self._edges.load(key))

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
