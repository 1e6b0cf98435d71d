"""Load files into a store: read and parse everything first, then write it in one change.

Parsing every file before the first write means a bad file stops the load with nothing
written. Then, in order: each source gets the id of its document (kb.app.sources), people are
resolved against the KB (kb.app.resolve), the judgements are applied (kb.app.judgements), and
one :meth:`Store.write` removes the sources that are gone and upserts the rest, all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb.app.judgements import JUDGEMENTS_KEY, Judgements
from kb.app.resolve import resolve_people
from kb.app.sources import document_path, identify, load_root, now
from kb.model import Facts, UpsertResult
from kb.reference import REFERENCE_SOURCE_ID, reference_facts
from kb.store.base import FILES, REDIRECTS, Store
from loaders.registry import iter_files, loader_for, supported_suffixes

Progress = Callable[[str], None]
_LISTED = 10  # skipped files named in the warning


@dataclass
class LoadReport:
    """What a load read and changed."""

    files: list[tuple[Path, str, int]] = field(default_factory=list)  # path, loader, sources
    results: list[UpsertResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)  # source id -> the file it was read from
    removed: list[str] = field(default_factory=list)  # sources removed: their files are gone
    skipped_rows: int = 0  # table rows naming no known subject, skipped with a warning

    @property
    def changed(self) -> int:
        return sum(1 for r in self.results if not r.unchanged)


def _expand(paths: Iterable[Path], report: LoadReport) -> list[tuple[Path, Path]]:
    """(file, the argument it came from): a folder's files of supported types, a file as named."""
    supported = supported_suffixes()
    out: list[tuple[Path, Path]] = []
    skipped: list[Path] = []
    for p in paths:
        if not p.is_dir():
            out.extend((f, p) for f in iter_files([p]))  # a file named by hand must load, or fail
            continue
        found = list(iter_files([p]))
        ok = [f for f in found if f.suffix.lower() in supported]
        skipped.extend(f for f in found if f.suffix.lower() not in supported)
        if not ok:
            report.warnings.append(f"{p}: no files to load in this folder")
        out.extend((f, p) for f in ok)
    if skipped:
        names = ", ".join(str(f) for f in skipped[:_LISTED])
        more = f" and {len(skipped) - _LISTED} more" if len(skipped) > _LISTED else ""
        report.warnings.append(
            f"skipped {len(skipped)} file(s) of a type no loader reads: {names}{more} "
            f"(supported: {' '.join(sorted(supported))})"
        )
    return out


def read_paths(
    paths: Iterable[Path], progress: Progress | None = None, root: Path | None = None, *, strict: bool = False
) -> tuple[list[Facts], LoadReport]:
    """Parse every file under ``paths`` into Facts, each source with the id of its document
    (no store involved). ``root``: the load root (see kb.app.sources). ``strict``: a table row
    naming no known subject is an error instead of a skipped row."""
    report = LoadReport()
    staged: list[Facts] = []
    for f, arg in _expand(paths, report):
        loader = loader_for(f, strict=strict)
        facts = identify(loader.load(f), document_path(f, load_root(arg, root)))
        for fa in facts:
            if fa.source_id == REFERENCE_SOURCE_ID:
                continue
            earlier = report.sources.get(fa.source_id)
            if earlier is not None and earlier != f:
                report.warnings.append(f"{earlier} and {f} are one document ({fa.source_id}); {f} is loaded")
            report.sources[fa.source_id] = f.resolve()
        staged.extend(facts)
        report.files.append((f, loader.name, len(facts)))
        for fa in facts:
            report.warnings.extend(fa.warnings)
            skipped = fa.source.props.get("skippedRows")
            report.skipped_rows += skipped if isinstance(skipped, int) else 0
        if progress:
            progress(f"read {f} ({loader.name}: {len(facts)} source{'s' if len(facts) != 1 else ''})")
    return staged, report


def _gone(store: Store, report: LoadReport, paths: Sequence[Path], sync: bool) -> list[str]:
    """Sources to remove: those a file read now no longer gives (a sheet taken out, a URL
    changed) and, with ``sync``, those loaded from the folders named whose files are gone."""
    files = store.meta(FILES)
    if not isinstance(files, dict):
        return []
    read = {str(p) for p in report.sources.values()} | {str(f.resolve()) for f, _, _ in report.files}
    folders = [p.resolve() for p in paths if p.is_dir()] if sync else []
    out = []
    for sid, where in files.items():
        if sid in report.sources or not isinstance(where, str):
            continue
        if where in read or any(Path(where).is_relative_to(d) for d in folders):
            out.append(str(sid))
    return sorted(out)


def _revisions(store: Store, batch: Sequence[Facts]) -> None:
    """Each source's ``loadedAt``: kept while its content (``sha256``) is the same, else now."""
    stored = store.get_many([f.source_id for f in batch])
    stamp = now()
    for f in batch:
        if f.source_id == REFERENCE_SOURCE_ID:
            continue
        old = stored.get(f.source_id)
        same = old is not None and old.props.get("sha256") == f.source.props.get("sha256")
        kept = old.props.get("loadedAt") if old is not None and same else None
        f.source.props["loadedAt"] = kept if isinstance(kept, str) else stamp


def write_sources(
    store: Store,
    batch: Sequence[Facts],
    deletes: Sequence[str] = (),
    judgements: Judgements | None = None,
    files: dict[str, str] | None = None,
) -> list[UpsertResult]:
    """Resolve people, apply the judgements and write ``batch`` and ``deletes`` in one change."""
    j = judgements if judgements is not None else Judgements()
    resolved = resolve_people(store, batch, j, deletes)
    meta: dict[str, object] = {}
    if judgements is not None:
        meta[REDIRECTS] = judgements.redirects() or None
        meta[JUDGEMENTS_KEY] = judgements.to_json() or None
    if files is not None:
        meta[FILES] = files or None
    return store.write([j.rewrite(f) for f in resolved], deletes, meta)


def load_paths(
    store: Store,
    paths: Iterable[Path],
    progress: Progress | None = None,
    *,
    root: Path | None = None,
    sync: bool = False,
    judgements: Judgements | None = None,
    strict: bool = False,
) -> LoadReport:
    """Load files and folders into ``store``, reference data first; idempotent.

    ``sync``: also remove the sources once loaded from these folders whose files are gone.
    ``judgements``: the identity decisions to apply (None: only those the KB holds).
    ``strict``: a table row naming no known subject stops the load (see read_paths).
    """
    paths = list(paths)
    staged, report = read_paths(paths, progress, root, strict=strict)
    # Later facts for the same source replace earlier ones; keep one per source id.
    by_source: dict[str, Facts] = {}
    for fa in [reference_facts(), *staged]:
        by_source[fa.source_id] = fa
    batch = list(by_source.values())
    report.removed = _gone(store, report, paths, sync)
    _revisions(store, batch)
    if judgements is None:
        judgements = Judgements.from_json(store.meta(JUDGEMENTS_KEY))
    old = store.meta(FILES)
    files = {str(k): str(v) for k, v in old.items()} if isinstance(old, dict) else {}
    for sid in report.removed:
        files.pop(sid, None)
    files.update((sid, str(p)) for sid, p in report.sources.items())
    report.results = write_sources(store, batch, report.removed, judgements, files)
    store.flush()
    if progress:
        gone = f", removed {len(report.removed)}" if report.removed else ""
        progress(f"wrote {report.changed} changed source(s) of {len(report.results)}{gone}")
    return report
