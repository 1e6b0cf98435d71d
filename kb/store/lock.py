"""One writer at a time on a snapshot: an exclusive lock on ``<snapshot>.lock``.

A load reads the snapshot, changes it in memory and writes it back; two loads at once would
each write back what they read, and one load's facts would be lost. A writer holds the lock
from before it reads the snapshot until it has written it. Readers (``stats``, ``export``, the
API server) take no lock: the snapshot is replaced by an atomic rename, so they read either the
old file or the new one. The lock is ``flock(2)``: the kernel releases it when its holder exits,
however it exits, so a crashed load never leaves the snapshot locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from kb.store.base import StoreError


def lock_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".lock")


class SnapshotLock:
    """The exclusive writer lock of one snapshot file."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = snapshot
        self.path = lock_path(snapshot)
        self._fd: int | None = None

    def acquire(self, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> SnapshotLock:
        """Take the lock. When another process holds it: wait for it (telling ``on_wait`` once
        why), or with ``wait=False`` raise a StoreError naming the holder."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                msg = f"{self.snapshot} is being written by another process{holder}"
                if not wait:
                    raise StoreError(f"{msg}; try again when it has finished") from None
                if on_wait is not None:
                    on_wait(f"waiting: {msg} ...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
