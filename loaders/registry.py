"""Chooses a loader by file type and expands folders into the files to load."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from loaders.base import Loader, LoadError

# Files that sit beside data but are not data: mapping files, notes, licences.
SKIP_SUFFIXES = {".yaml", ".yml", ".toml", ".json", ".py", ".pyc"}
SKIP_NAMES = {"readme.md", "readme.txt", "license", "licence", "license.md", "notes.md"}


def loaders(*, strict: bool = False) -> list[Loader]:
    """All loaders, most specific first. ``strict``: a table row naming no known force, region
    or body stops the load (by default it is skipped with a warning)."""
    from loaders.articles import ArticleLoader
    from loaders.reference import ReferenceLoader
    from loaders.tables import TableLoader

    return [ReferenceLoader(), TableLoader(strict=strict), ArticleLoader()]


def supported_suffixes() -> frozenset[str]:
    """File name endings some loader reads (what a folder's other files are skipped for)."""
    from loaders.articles.reader import SUFFIXES as ARTICLES
    from loaders.tables.loader import SUFFIXES as TABLES

    return frozenset(ARTICLES | TABLES)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the files in the folders named (sorted, hidden ones skipped)."""
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if f.is_file() and f.suffix.lower() not in SKIP_SUFFIXES and f.name.lower() not in SKIP_NAMES:
                    yield f
        elif p.exists():
            yield p
        else:
            raise LoadError(p, "no such file or folder")


def loader_for(path: Path, *, strict: bool = False) -> Loader:
    """The loader for ``path``, or a LoadError saying why there is none."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror or exc}") from None
    for loader in loaders(strict=strict):
        if loader.accepts(path, head):
            return loader
    raise LoadError(path, f"no loader for files of type {path.suffix or '(none)'!r}")
