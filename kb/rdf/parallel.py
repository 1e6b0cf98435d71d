"""Run an export's chunks (see :mod:`kb.rdf.chunks`) in one process or in several forked ones.

With W processes, process q (the parent is 0) serialises the chunks k with k % W == q, and
the parent writes every chunk's bytes to the output in stream order; so the output is the
single-process output, byte for byte. Each worker walks the whole record stream itself and
skips the chunks of the others, which costs only the store's iteration: nothing but a few
bytes of control travels from the parent to a worker, and each chunk's bytes once back.

Bounded memory: a worker holds at most AHEAD finished chunks (and one in its pipe) waiting
for the parent, then blocks; the parent holds no chunk but the one it is writing. Workers
read the store through copy-on-write pages, and CPython's reference counts write to every
object a worker touches, so each worker ends up with a private copy of most of the store's
pages: count up to the store's size in RAM per extra worker.

Forking only suits a store whose state is plain memory (no connections): see
:func:`fork_safe`; any other store, ``workers=1``, or the default in a process with other
threads takes the single-process path. Workers start only when the KB has more than one
chunk.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterator
from itertools import chain, islice
from multiprocessing.connection import Connection
from typing import BinaryIO, cast

from kb.rdf.chunks import QUAD_FORMATS, ChunkSerialiser, Record, auto_workers, records
from kb.rdf.terms import Iris
from kb.store.base import Store

# Control messages from a worker: a tag byte and a count (8 bytes, big-endian).
_DATA = b"D"  # followed by a message holding the chunk's bytes; count = triples in it
_END = b"Z"  # the worker's next chunk was empty: the stream is over
_FAIL = b"E"  # followed by a message holding the pickled exception (or its traceback text)
# Finished chunks a worker may hold while the parent is busy (see _Sender).
AHEAD = 4
PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process


def fork_safe(store: Store) -> bool:
    """Whether a forked child may read ``store`` (the store says so: ``Store.fork_safe``)."""
    return store.fork_safe


def parallel_workers(store: Store, requested: int | None) -> int:
    """How many processes an export of ``store`` uses when ``requested`` are asked for.

    None asks for one per core, and only in a process without other threads: forking copies
    any lock another thread holds at that moment, and a child needing it would deadlock (the
    API serves requests from threads). A number is the caller's explicit choice and is
    honoured whenever the store can be forked.
    """
    if requested is None:
        if threading.active_count() > 1:
            return 1
        requested = auto_workers()
    elif requested < 1:
        raise ValueError(f"workers must be at least 1, not {requested}")
    if requested == 1 or not hasattr(os, "fork"):
        return 1
    return requested if fork_safe(store) else 1


def _skip(it: Iterator[Record], n: int) -> None:
    deque(islice(it, n), maxlen=0)


class _Collector:
    """The output of a worker's writer: the bytes of the chunk being serialised."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, b: bytes) -> int:
        self.parts.append(b)
        return len(b)

    def take(self) -> bytes:
        data = self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)
        self.parts.clear()
        return data


def _control(tag: bytes, count: int) -> bytes:
    return tag + count.to_bytes(8, "big")


class _Sender:
    """Sends a worker's messages from a thread of the worker, so that the worker serialises
    its next chunks while the parent is busy with other chunks; at most AHEAD chunks wait.

    Without it worker and parent run in lock-step, and on a busy machine each waits for
    the other to be scheduled."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.queue: queue.Queue[tuple[bytes, ...] | None] = queue.Queue(AHEAD)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="rdf-export-sender", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (message := self.queue.get()) is not None:
            if self.error is None:
                try:
                    for part in message:
                        self.conn.send_bytes(part)
                except BaseException as exc:  # the parent is gone: keep draining, report it
                    self.error = exc

    def send(self, *parts: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(parts)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _work(it: Iterator[Record], fmt: str, iris: Iris, q: int, workers: int, chunk: int, sender: _Sender) -> None:
    """A worker's loop: serialise chunks q, q + W, ... (the iterator is at chunk 1)."""
    sink = _Collector()
    ser = ChunkSerialiser(fmt, iris, cast(BinaryIO, sink), continued=True)
    pos = 1  # the chunk the iterator is at
    k = q
    while True:
        _skip(it, (k - pos) * chunk)
        before = ser.writer.count
        n = ser.chunk(islice(it, chunk))
        pos = k + 1
        if n == 0:
            sender.send(_control(_END, 0))
            return
        sender.send(_control(_DATA, ser.writer.count - before), sink.take())
        k += workers


def _fail_message(exc: BaseException) -> bytes:
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)  # noqa: S301 - our own bytes; some exceptions pickle but cannot be rebuilt
        return b"P" + data
    except Exception:
        return b"T" + traceback.format_exc().encode("utf-8", "replace")


class _Worker:
    """The parent's handle on one forked worker."""

    def __init__(self, q: int, pid: int, conn: Connection) -> None:
        self.q = q
        self.pid = pid
        self.conn = conn
        self.done = False

    def receive(self) -> tuple[bytes, int, bytes]:
        """(tag, count, data) of the worker's next chunk."""
        try:
            head = self.conn.recv_bytes()
            tag, count = head[:1], int.from_bytes(head[1:9], "big")
            data = self.conn.recv_bytes() if tag in (_DATA, _FAIL) else b""
        except (EOFError, OSError):  # OSError: it died in the middle of a message
            raise RuntimeError(f"RDF export worker {self.q} (pid {self.pid}) exited without finishing") from None
        if tag == _FAIL:
            if data[:1] == b"P":
                exc = pickle.loads(data[1:])  # noqa: S301 - from our own forked child, over a private pipe
                if isinstance(exc, BaseException):
                    exc.add_note(f"(raised in RDF export worker {self.q})")
                    raise exc
            raise RuntimeError(f"RDF export worker {self.q} failed:\n{data[1:].decode('utf-8', 'replace')}")
        return tag, count, data

    def reap(self, kill: bool) -> None:
        if not self.done:
            if kill:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.done = True
        self.conn.close()


def _widen(fd: int) -> None:
    """Give a worker's pipe a 1 MB buffer where the OS allows it (Linux), so a whole chunk
    crosses at once. With the default 64 KB, worker and parent take turns for every 64 KB,
    and on a busy machine each turn waits for the scheduler."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # the default buffer works, with more turns


def _fork_workers(it: Iterator[Record], fmt: str, iris: Iris, workers: int, chunk: int) -> list[_Worker]:
    started: list[_Worker] = []
    # Frozen objects are never scanned by a child's garbage collector, which would otherwise
    # write to (and so copy) every page of the store it looks at.
    gc.freeze()
    try:
        for q in range(1, workers):
            r, w = os.pipe()
            _widen(w)
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the caller's code
                status = 1
                try:
                    os.close(r)
                    for other in started:
                        other.conn.close()
                    sender = _Sender(Connection(w, readable=False))
                    failure: BaseException | None = None
                    try:
                        _work(it, fmt, iris, q, workers, chunk, sender)
                    except BaseException as exc:
                        failure = exc
                    if failure is not None:
                        sender.send(_control(_FAIL, 0), _fail_message(failure))
                    sender.close()
                    status = 0 if failure is None else 1
                finally:
                    os._exit(status)
            os.close(w)
            started.append(_Worker(q, pid, Connection(r, writable=False)))
    except BaseException:
        for wk in started:
            wk.reap(kill=True)
        raise
    finally:
        gc.unfreeze()
    return started


def export_chunks(store: Store, fmt: str, out: BinaryIO, iris: Iris, workers: int, chunk: int) -> int:
    """Serialise the record stream of ``store`` to ``out`` with ``workers`` processes."""
    ser = ChunkSerialiser(fmt, iris, out)
    it = records(store, fmt in QUAD_FORMATS)
    ser.chunk(islice(it, chunk))  # chunk 0, with the header, is always the parent's
    first = next(it, None)
    if first is None:  # the whole KB fits in one chunk
        return ser.writer.close()
    it = chain((first,), it)
    if workers == 1:
        while ser.chunk(islice(it, chunk)):
            pass
        return ser.writer.close()
    # A worker never writes to the output, and leaves by os._exit (no flushing); still, bytes
    # buffered at fork time must not exist in two processes, in case anything flushed them.
    out.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    pool = _fork_workers(it, fmt, iris, workers, chunk)
    from_workers = 0
    ok = False
    try:
        pos, k = 1, 1
        while True:
            q = k % workers
            if q == 0:
                _skip(it, (k - pos) * chunk)
                n = ser.chunk(islice(it, chunk))
                pos = k + 1
                if n == 0:
                    break
            else:
                tag, count, data = pool[q - 1].receive()
                if tag == _END:
                    break
                out.write(data)
                from_workers += count
            k += 1
        total = ser.writer.close() + from_workers
        ok = True
    finally:
        for wk in pool:
            wk.reap(kill=not ok)
    return total
