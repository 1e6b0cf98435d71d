"""What one request may spend, and running its execution off the server's event loop.

Every GraphQL operation runs in a worker thread with an event loop of its own, so the server's
loop only moves bytes: /health and cheap requests are answered while another request works.
The :class:`Budget` bounds that work at run time: objects resolved, an estimate of the response
bytes and a wall-clock deadline. Resolvers spend from it and stop with :class:`BudgetExceeded`;
when the deadline passes or the client goes away, the server answers (or drops) the request at
once and the worker gives up at its next check. Store work that reads much of the KB (filtered
scans, paths, neighbourhoods, aggregates) also takes one of a few :func:`heavy` slots, so that
abandoned work cannot crowd out the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from kb.api.errors import ApiError
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
        self.objects = 0
        self.bytes = 0
        self.stopped: str | None = None  # why work stopped, once it has

    def stop(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
        self.deadline.cancel()  # a scan in progress stops too

    def left(self) -> float:
        return self.deadline.left()

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
    if not _HEAVY.acquire(timeout=budget.left()):
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


Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


async def _gone(receive: Receive) -> None:
    """Returns when the client has closed the connection (the body was read before)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def off_loop(coro: Coroutine[Any, Any, T], budget: Budget, receive: Receive | None) -> T:
    """Run ``coro`` in a worker thread; BudgetExceeded at the deadline or when the client leaves."""
    work = asyncio.get_running_loop().run_in_executor(_POOL, _run, coro)
    waits: set[asyncio.Future[Any]] = {work}
    if receive is not None:
        waits.add(asyncio.ensure_future(_gone(receive)))
    try:
        done, _ = await asyncio.wait(waits, timeout=budget.left(), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits - {work}:
            w.cancel()
    if work in done:
        return work.result()
    budget.stop("The client closed the connection." if done else budget.late())
    work.add_done_callback(lambda f: f.exception())  # the worker stops at its next check
    raise BudgetExceeded(budget.stopped or budget.late())
