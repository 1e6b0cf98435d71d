"""Load files into a store: read and parse everything first, then write.

Parsing every file before the first write means a bad file stops the load with nothing
written; the memory store's snapshot is only replaced after every upsert succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import Facts, UpsertResult
from kb.reference import reference_facts
from kb.store.base import Store
from loaders.registry import iter_files, loader_for

Progress = Callable[[str], None]


@dataclass
class LoadReport:
    """What a load read and changed."""

    files: list[tuple[Path, str, int]] = field(default_factory=list)  # path, loader, sources
    results: list[UpsertResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_rows: int = 0  # table rows naming no known subject, skipped with a warning

    @property
    def changed(self) -> int:
        return sum(1 for r in self.results if not r.unchanged)


def read_paths(
    paths: Iterable[Path], progress: Progress | None = None, *, strict: bool = False
) -> tuple[list[Facts], LoadReport]:
    """Parse every file under ``paths`` into Facts (no store involved). ``strict``: a table row
    naming no known subject is an error instead of a skipped row."""
    report = LoadReport()
    staged: list[Facts] = []
    for f in iter_files(paths):
        loader = loader_for(f, strict=strict)
        facts = loader.load(f)
        staged.extend(facts)
        report.files.append((f, loader.name, len(facts)))
        for fa in facts:
            report.warnings.extend(fa.warnings)
            skipped = fa.source.props.get("skippedRows")
            report.skipped_rows += skipped if isinstance(skipped, int) else 0
        if progress:
            progress(f"read {f} ({loader.name}: {len(facts)} source{'s' if len(facts) != 1 else ''})")
    return staged, report


def load_paths(
    store: Store, paths: Iterable[Path], progress: Progress | None = None, *, strict: bool = False
) -> LoadReport:
    """Load files and folders into ``store``, reference data first; idempotent."""
    staged, report = read_paths(paths, progress, strict=strict)
    # Later facts for the same source replace earlier ones; keep one per source id.
    by_source: dict[str, Facts] = {}
    for fa in [reference_facts(), *staged]:
        by_source[fa.source_id] = fa
    report.results = store.upsert_many(list(by_source.values()))
    store.flush()
    if progress:
        progress(f"wrote {report.changed} changed source(s) of {len(report.results)}")
    return report
