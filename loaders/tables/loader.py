"""The table loader: file -> sheets -> layout -> Facts, all or nothing per file."""

from __future__ import annotations

import gc
from pathlib import Path

from kb.model import Facts
from loaders.base import LoadError, sha256_file
from loaders.tables.build import build_statistics
from loaders.tables.layout import Layout, detect, orient, split_tables
from loaders.tables.mapping import Mapping, find_mapping, read_mapping
from loaders.tables.meta import read_meta, source_entity
from loaders.tables.read import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, Limits, Sheet, read_text_table, read_workbook
from loaders.tables.skips import Skipped

SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES


def _title_lines(sheet: Sheet, layout: Layout) -> list[str]:
    """Free text above the header: the title, sources, notes."""
    return [", ".join(c for c in sheet.rows[i] if c) for i in layout.title_rows]


def _note_lines(sheet: Sheet) -> list[str]:
    """Free text below the last row of figures: sources, URLs, notes."""
    return [", ".join(c for c in r if c) for r in sheet.notes() if r]


def check_size(path: Path, sheet: Sheet, layout: Layout, limits: Limits) -> None:
    """Refuse a streamed table that will hold far more figures than one table may, before
    reading it: its size on disk over the bytes per row of its first rows, times the figures
    per row. (The builder counts too; this only spares reading gigabytes to find out.)"""
    if sheet.more is None or not layout.value_cols:
        return
    rows = sheet.rows[layout.first_row :]
    if len(rows) < 1000:
        return
    chars = sum(len(c) + 1 for r in rows for c in r) + len(rows)
    figures = sum(1 for r in rows for j in layout.value_cols if j < len(r) and r[j])
    expected = path.stat().st_size / max(chars / len(rows), 1) * figures / len(rows)
    if expected > 2 * limits.max_figures:
        raise LoadError(
            path,
            f"the table would hold about {expected:,.0f} figures (from its size and its first {len(rows):,} rows), "
            f"over the limit of {limits.max_figures:,} for one table; split the file",
        )


class TableLoader:
    """Loads FOI and official statistics tables (CSV, TSV, XLSX, XLS, ODS)."""

    name = "table"

    def __init__(self, limits: Limits | None = None, *, strict: bool = False) -> None:
        self.limits = limits or Limits()
        # strict: a row naming no known force, region or body stops the load (by default it is
        # skipped with a warning and counted on the Source)
        self.strict = strict

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in SUFFIXES

    def mapping_for(self, path: Path) -> Mapping:
        found = find_mapping(path)
        return read_mapping(found) if found is not None else Mapping()

    def load(self, path: Path) -> list[Facts]:
        # A big table allocates millions of small objects and no reference cycles; the cyclic
        # collector would rescan them all again and again (a third of the run time at 10^6 rows).
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._load(path)
        finally:
            if enabled:
                gc.enable()

    def _load(self, path: Path) -> list[Facts]:
        mapping = self.mapping_for(path)
        try:
            sha = sha256_file(path)
        except OSError as exc:
            raise LoadError(path, f"cannot read: {exc.strerror or exc}") from None
        if path.suffix.lower() in SPREADSHEET_SUFFIXES:
            sheets = read_workbook(path, list(mapping.sheets) or None, self.limits)
        else:
            sheets = [read_text_table(path, encoding=mapping.encoding, delimiter=mapping.delimiter, limits=self.limits)]
        skipped: list[str] = []
        found: list[tuple[Sheet, Layout]] = []
        cover: list[str] = []  # lines of the cover, contents and notes sheets: they cite every table
        tables = [t for s in sheets for t in ((s,) if mapping.header_row is not None else split_tables(s))]
        for sheet in tables:
            named = bool(mapping.sheets) or len(tables) == 1
            if not sheet.rows and not named:
                skipped.append(f"{path.name}: sheet {sheet.name!r} is empty")
                continue
            sheet = orient(sheet, mapping)
            try:
                layout = detect(path, sheet, mapping)
            except LoadError as exc:
                # Official workbooks carry cover, contents and notes sheets: without a mapping
                # naming the sheets, a sheet with no force/region column is not a table of figures.
                if named or "no column names police forces" not in exc.message:
                    raise
                skipped.append(f"{path.name}: sheet {sheet.name!r} skipped (no force, region or total column)")
                cover.extend(", ".join(c for c in r if c) for r in sheet.rows if any(r))
                continue
            found.append((sheet, layout))
        out = [self._facts(path, sheet, layout, mapping, sha, cover) for sheet, layout in found]
        if not out:
            raise LoadError(path, "no sheet holds a table of figures: " + "; ".join(skipped))
        out[0].warnings.extend(skipped)
        return out

    def _facts(self, path: Path, sheet: Sheet, layout: Layout, mapping: Mapping, sha: str, cover: list[str]) -> Facts:
        streamed = sheet.more is not None
        # The notes under a streamed table are known once it has been read: until then the
        # title rows alone give the title, measure and period (the notes only cite).
        title = _title_lines(sheet, layout)
        meta = read_meta(title if streamed else title + _note_lines(sheet), mapping, mapping.period_type, cover)
        source = source_entity(path, sheet.name, sha, meta, mapping, sheet.part)
        skipped = Skipped(path, self.strict)
        what = "force" if layout.cases else "force or region"
        if layout.cases:
            from loaders.tables.cases import build_cases

            facts = build_cases(path, sheet, layout, mapping, source, skipped)
        else:
            check_size(path, sheet, layout, self.limits)
            facts = build_statistics(path, sheet, layout, mapping, meta, source, skipped, self.limits.max_figures)
        if streamed:
            cited = read_meta(title + _note_lines(sheet), mapping, mapping.period_type, cover).props
            source.props.update({k: v for k, v in cited.items() if k not in meta.props and k != "title"})
        if not facts.entities:
            where = f"sheet {sheet.name!r}" if sheet.name else None
            if skipped:
                raise skipped.error(what, "; no other row holds figures")
            raise LoadError(path, "the table has a header but no figures under it", where=where)
        source.props["skippedRows"] = len(skipped)
        facts.warnings.extend(skipped.warnings(what))
        return facts
