"""The memory store's snapshot file, and the in-memory layout of contributions it shares with
the store.

A snapshot is one JSON header line, one pickle stream of the store's own dicts (nodes, both
adjacency maps, the source index) exactly as they are in memory, and a fixed trailer holding
the length and CRC-32 of everything before it::

    {"format": "policing-kb-memory/6", "nodes": N, "edges": M, "checksum": "crc32"}\\n
    <pickle protocol 5, memo on>
    KBSNAP06 <body length: 8 bytes> <crc32: 4 bytes>

Why this shape:

* pickle's C unpickler builds dicts, tuples and strings faster than anything written in
  Python could, and with its memo on, every repeated string and the key-dicts that both
  adjacency maps share are written once and shared again when read;
* the unpickler is restricted (:class:`_Unpickler`): it resolves exactly one global, the
  constructor of :class:`~kb.model.Evidence` below, and refuses every other, so a crafted
  snapshot cannot call anything (pickle's documented way of "restricting globals");
* evidence is rebuilt by that constructor, which sets the slots directly: about three times
  cheaper than pickle's default route for a frozen dataclass (``__setstate__`` in Python),
  which made a plain ``pickle.load`` of the store's graph the slow reference;
* the checksum turns a damaged file into an error naming it, never a silent load.

Writes are atomic: a locked temp file next to the snapshot, fsync, rename, fsync of the
folder. A writer killed half-way leaves its temp file behind, unlocked; the next open or
write removes it (:func:`clean_temp_files`).
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import gc
import json
import os
import pickle
import secrets
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from kb.model import Evidence
from kb.store.base import StoreError
from kb.store.memory_graph import MemoryGraph

try:  # POSIX: a live writer holds a lock on its temp file, so a cleaner can tell it apart
    import fcntl
except ImportError:  # pragma: no cover - Windows: temp files are cleaned by age only
    fcntl = None  # type: ignore[assignment]

SNAPSHOT_FORMAT = "policing-kb-memory/6"
_MAGIC = b"KBSNAP06"
_TRAILER = struct.Struct(">8sQI")  # magic, body length, crc32 of header line + body
_HEADER_MAX = 4096  # bytes read before the header line must show it is a snapshot's
# the header carries the KB's own metadata (a hash per loaded file), so it grows with the sources
_META_MAX = 1 << 28

# Evidence as the pickle stream carries it: the constructor's arguments.
EvTuple = tuple[str, str | None, int | None, int | None, str, float, str | None]


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk work.

    Building millions of small containers triggers full collections whose cost grows with
    the heap; our structures hold no reference cycles, so pausing it is safe and made
    loading 4x faster at 10^5 entities.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Move what survived into the permanent generation: otherwise the first collection
        # after re-enabling walks the whole heap (measured: half the load time at 10^6).
        gc.freeze()
        if was_enabled:
            gc.enable()


# ---- evidence ----------------------------------------------------------------------------------
_FIELDS = ("source_id", "quote", "start", "end", "method", "confidence", "locator")
if tuple(f.name for f in dataclasses.fields(Evidence)) != _FIELDS:  # pragma: no cover - a guard
    raise ImportError("kb.model.Evidence changed its fields: update kb.store.memory_snapshot")
_SET = tuple(Evidence.__dict__[f].__set__ for f in _FIELDS)  # the slots' own setters


def _evidence(
    source_id: str,
    quote: str | None,
    start: int | None,
    end: int | None,
    method: str,
    confidence: float,
    locator: str | None,
    _new: Any = object.__new__,
    _s: tuple[Any, ...] = _SET,
) -> Evidence:
    """An Evidence from its fields, as written by this module (they were validated when the
    loader made them): the slots are set directly, skipping the frozen dataclass's checks."""
    e: Evidence = _new(Evidence)
    _s[0](e, source_id)
    _s[1](e, quote)
    _s[2](e, start)
    _s[3](e, end)
    _s[4](e, method)
    _s[5](e, confidence)
    _s[6](e, locator)
    return e


def _reduce_evidence(e: Evidence) -> tuple[Any, EvTuple]:
    return _evidence, (e.source_id, e.quote, e.start, e.end, e.method, e.confidence, e.locator)


class _Pickler(pickle.Pickler):
    """Writes Evidence as a call of :func:`_evidence` on its fields."""

    def __init__(self, fh: Any) -> None:
        super().__init__(fh, protocol=5)
        self.dispatch_table = {Evidence: _reduce_evidence}


class _Unpickler(pickle.Unpickler):
    """Resolves the evidence constructor and nothing else: a crafted snapshot cannot name a
    callable (os.system, builtins.eval ...), so it cannot run code when opened."""

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_evidence":
            return _evidence
        raise pickle.UnpicklingError(f"refers to {module}.{name}, which a snapshot may not")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("holds a persistent reference, which a snapshot may not")


# ---- checksummed streams -------------------------------------------------------------------------
class _SummingWriter:
    """A binary writer that keeps the CRC-32 and length of what passes through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh, self.crc, self.size = fh, 0, 0

    def write(self, b: bytes | bytearray | memoryview) -> int:
        self.crc = zlib.crc32(b, self.crc)
        self.size += len(b)
        return self.fh.write(b)


class _BoundedReader:
    """A binary reader over the first ``limit`` bytes of a file that keeps their CRC-32.

    The bound also caps what a damaged length field inside the pickle can ask for.
    """

    def __init__(self, fh: BinaryIO, limit: int) -> None:
        self.fh, self.left, self.crc, self.pos = fh, limit, 0, 0

    def _take(self, b: bytes) -> bytes:
        self.crc = zlib.crc32(b, self.crc)
        self.left -= len(b)
        self.pos += len(b)
        return b

    def read(self, n: int = -1) -> bytes:
        return self._take(self.fh.read(self.left if n < 0 else min(n, self.left)))

    def readline(self, limit: int = -1) -> bytes:
        return self._take(self.fh.readline(self.left if limit < 0 else min(limit, self.left)))

    def readinto(self, buf: bytearray | memoryview) -> int:
        b = self.read(len(buf))
        buf[: len(b)] = b
        return len(b)

    def drain(self) -> None:
        """Read (and sum) the rest of the bounded region."""
        while self.left > 0 and self.read(1 << 20):
            pass


# ---- temp files ----------------------------------------------------------------------------------
# A killed writer's temp file is removed once it is unlocked; without locks (Windows), or when
# it has not been written to yet, only once it is this old.
STALE_SECONDS = 3600.0


def _temp_glob(path: Path) -> str:
    return f".{path.name}.*.tmp"


def clean_temp_files(path: Path) -> builtins.list[Path]:
    """Remove the temp files that writers of ``path`` killed half-way left behind; the ones
    removed. A temp file a live writer holds (locked) is left alone."""
    removed: builtins.list[Path] = []
    if not path.parent.is_dir():
        return removed
    now = time.time()
    for tmp in path.parent.glob(_temp_glob(path)):
        try:
            fd = os.open(tmp, os.O_RDONLY)
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            old = now - st.st_mtime > STALE_SECONDS
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live writer
                # Unlocked and empty may be a writer between creating and locking it: wait.
                if st.st_size == 0 and not old:
                    continue
            elif not old:
                continue
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
        finally:
            os.close(fd)
    return removed


# ---- writing -------------------------------------------------------------------------------------
def write_snapshot(path: Path, g: MemoryGraph, kb_meta: dict[str, Any] | None = None) -> None:
    """Write ``g`` to ``path`` atomically: the old file stays as it was until the new one is
    complete and on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_temp_files(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until the rename: this writer is alive
        with os.fdopen(fd, "wb", closefd=False) as raw, no_gc():
            _dump(raw, g, kb_meta or {})
            raw.flush()
            os.fsync(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    _fsync_dir(path.parent)


def _dump(raw: BinaryIO, g: MemoryGraph, kb_meta: dict[str, Any]) -> None:
    out = _SummingWriter(raw)
    meta: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "nodes": len(g),
        "edges": g.number_of_edges(),
        "checksum": "crc32",
    }
    if kb_meta:
        meta["kb"] = kb_meta  # the KB's own metadata (Store.meta)
    out.write(json.dumps(meta).encode() + b"\n")
    # The graph's own dicts, as they are: the memo keeps the key-dicts succ and pred share.
    _Pickler(out).dump((g.nodes, g.succ, g.pred, g.by_source))
    raw.write(seal(b"", out.crc, out.size))


def seal(data: bytes, crc: int | None = None, size: int | None = None) -> bytes:
    """``data`` followed by the trailer that vouches for it (or for ``size`` bytes whose
    CRC-32 is ``crc``, already written). Tests use it to craft files that pass the checksum."""
    if crc is None or size is None:
        crc, size = zlib.crc32(data), len(data)
    return data + _TRAILER.pack(_MAGIC, size, crc)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- reading -------------------------------------------------------------------------------------
def read_snapshot(path: Path, fh: BinaryIO | None = None) -> tuple[MemoryGraph, dict[str, Any]]:
    """Read a snapshot written by :func:`write_snapshot` (from ``fh`` when given: the file as it
    was opened, whatever has been renamed over ``path`` since; it is closed): the graph and the KB
    metadata; a StoreError naming the file if it is not one, is of another version, or is damaged."""
    clean_temp_files(path)
    try:
        with fh or path.open("rb") as f, no_gc():
            f.seek(0)
            return _read(path, f)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read snapshot: {exc.strerror or exc}") from None


def peek_snapshot(path: Path, fh: BinaryIO) -> dict[str, Any]:
    """The header of the snapshot open as ``fh``, after checking it and the end marker (not the
    checksum, which needs the whole file: :func:`read_snapshot` checks that). A StoreError
    naming the file when it is not a snapshot of this version, or is truncated. ``fh`` stays open."""
    try:
        fh.seek(0)
        size = os.fstat(fh.fileno()).st_size
        meta = _header(path, _header_line(fh))
        if size >= _TRAILER.size:
            fh.seek(size - _TRAILER.size)
            magic, length, _ = _TRAILER.unpack(fh.read(_TRAILER.size))
            if magic == _MAGIC and length == size - _TRAILER.size:
                return meta
    except OSError as exc:
        raise StoreError(f"{path}: cannot read snapshot: {exc.strerror or exc}") from None
    raise StoreError(f"{path}: snapshot is truncated or damaged (its end marker is missing)")


def _read(path: Path, fh: BinaryIO) -> tuple[MemoryGraph, dict[str, Any]]:
    size = os.fstat(fh.fileno()).st_size
    sealed = size >= _TRAILER.size
    if sealed:
        fh.seek(size - _TRAILER.size)
        magic, length, crc = _TRAILER.unpack(fh.read(_TRAILER.size))
        sealed = magic == _MAGIC and length == size - _TRAILER.size
        fh.seek(0)
    body = _BoundedReader(fh, size - _TRAILER.size if sealed else size)
    try:
        meta = _header(path, _header_line(body))
    except StoreError:
        if sealed:  # our file, with a damaged first line?
            body.drain()
            if body.crc != crc:
                raise StoreError(f"{path}: snapshot is damaged (checksum mismatch); load your sources again") from None
        raise
    if not sealed:
        raise StoreError(f"{path}: snapshot is truncated or damaged (its end marker is missing)")
    failure: str | None = None
    try:
        loaded = _Unpickler(body).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        loaded, failure = None, f"{type(exc).__name__}: {exc}"
    except (MemoryError, OverflowError):
        loaded, failure = None, "a length in the file is far too large"
    end = body.pos
    body.drain()
    if body.crc != crc:
        raise StoreError(f"{path}: snapshot is damaged (checksum mismatch); load your sources again")
    if failure is not None:
        raise StoreError(f"{path}: cannot read snapshot: {failure}")
    if end != length:
        raise StoreError(f"{path}: snapshot has {length - end} unexpected bytes after its data")
    kb_meta = meta.get("kb")
    return _checked(path, loaded, meta), kb_meta if isinstance(kb_meta, dict) else {}


def _header_line(fh: BinaryIO | _BoundedReader) -> bytes:
    """The first line; past its first few KB only when those show a snapshot header."""
    line = fh.readline(_HEADER_MAX)
    if line.endswith(b"\n") or not line.startswith(b'{"format": "policing-kb-memory/'):
        return line
    return line + fh.readline(_META_MAX)


def _header(path: Path, line: bytes) -> dict[str, Any]:
    try:
        meta = json.loads(line)
    except ValueError:
        meta = None
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if isinstance(fmt, str) and fmt.startswith("policing-kb-memory/") and fmt != SNAPSHOT_FORMAT:
        raise StoreError(
            f"{path}: snapshot written by another version ({fmt}, this one reads {SNAPSHOT_FORMAT}); "
            "delete it and load your sources again"
        )
    if fmt != SNAPSHOT_FORMAT or not isinstance(meta, dict):
        raise StoreError(f"{path}: not a policing-kb snapshot")
    return meta


def _checked(path: Path, loaded: object, meta: dict[str, Any]) -> MemoryGraph:
    """The loaded object as a graph, after the checks that cost no walk over it."""
    if not (isinstance(loaded, tuple) and len(loaded) == 4 and all(type(x) is dict for x in loaded)):
        raise StoreError(f"{path}: snapshot does not hold a policing-kb graph")
    nodes, succ, pred, by_source = loaded
    if not len(nodes) == len(succ) == len(pred) == meta.get("nodes"):
        raise StoreError(f"{path}: snapshot's header and graph disagree")
    return MemoryGraph(nodes, succ, pred, by_source)
