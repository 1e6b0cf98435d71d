"""What every loader provides, and the one error type they raise."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from kb.model import Facts


class LoadError(Exception):
    """A file could not be loaded. ``str()`` is one line naming the file (and line)."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, where: str | None = None) -> None:
        self.path = str(path)
        self.message = message
        self.line = line
        self.where = where
        loc = self.path + (f":{line}" if line is not None else "") + (f" ({where})" if where else "")
        super().__init__(f"{loc}: {message}")


class Loader(Protocol):
    """A loader for one family of file types."""

    name: str

    def accepts(self, path: Path, head: bytes) -> bool:
        """True when this loader reads the file (``head`` is its first 8 KiB)."""
        ...

    def load(self, path: Path) -> list[Facts]:
        """The file's facts: one Facts per source (a workbook may hold several)."""
        ...


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def looks_binary(head: bytes) -> bool:
    """NUL bytes or mostly control characters: not a text file."""
    if not head:
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl / len(head) > 0.05
