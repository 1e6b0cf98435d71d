"""Working out a table's layout with no mapping: where the header is, which column names the
subject (forces, regions, totals), which hold figures, periods, or measure names.

The subject column is the one whose cells most often resolve to a force or region through
the reference aliases. The header is the nearest row above the first such cell with two or
more filled cells; rows above it are the title and notes. A row directly above the header
with labels over the figure columns is a group header ("Officers" over "2018", "2019").
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from loaders.base import LoadError
from loaders.tables.cells import CellError, parse_cell
from loaders.tables.mapping import Mapping
from loaders.tables.periods import parse_period
from loaders.tables.read import Sheet
from loaders.tables.subjects import resolve

SCAN_ROWS = 5000  # rows sampled for detection; the whole table is still read and checked
_PERIOD_HEADER = re.compile(r"\b(year|period|date|month|quarter|fy|as at)\b", re.I)
_IGNORE_HEADER = re.compile(r"^(notes?|comments?|footnotes?|source|sources|remarks?|ons code|code|force code)\b", re.I)
_ONS_CODE = re.compile(r"^[EWSNK]\d{8}$")
_DIGIT = re.compile(r"\d").search
# "Ref", "Case no.", "ID": a column numbering the rows (of a case table) holds no figures.
_ROW_ID_HEADER = re.compile(r"^(case |hearing |file )?(ref|reference|id|no|number)\.?$", re.I)
_CASE_HEADER = re.compile(r"\b(allegation|category|outcome|result|finding|sanction|hearing|rank|misconduct)\b", re.I)


@dataclass(slots=True)
class Layout:
    """Where things are in one sheet (0-based indexes)."""

    header_row: int | None  # None: the table has no header row
    first_row: int  # first row to read data from
    subject_col: int | None  # None: a fixed subject (mapping) for every row
    labels: list[str]  # column labels (header text, or "column N")
    groups: list[str]  # group-header label above each column ("" when none)
    value_cols: list[int] = field(default_factory=list)
    period_col: int | None = None
    dim_cols: list[int] = field(default_factory=list)  # measure-name dimensions of a long table
    ignored: list[int] = field(default_factory=list)
    title_rows: list[int] = field(default_factory=list)
    cases: bool = False
    width: int | None = None  # cells in the header (with its group row); None: no header


def _where(sheet: Sheet, row: int | None = None, col: str | None = None) -> str | None:
    parts = []
    if sheet.name is not None:
        parts.append(f"sheet {sheet.name!r}")
    if row is not None:
        parts.append(f"row {row}")
    if col is not None:
        parts.append(f"column {col!r}")
    return ", ".join(parts) or None


def _find_label(path: Path, sheet: Sheet, labels: list[str], wanted: str, key: str) -> int:
    low = [x.strip().lower() for x in labels]
    try:
        return low.index(wanted.strip().lower())
    except ValueError:
        raise LoadError(
            path,
            f"mapping {key} names column {wanted!r}, which the header does not have "
            f"(columns: {', '.join(repr(x) for x in labels if x)})",
            where=_where(sheet),
        ) from None


def _subject_column(rows: list[list[str]]) -> tuple[int | None, int]:
    """The column whose cells most often name forces/regions, and the first row naming one."""
    counts: dict[int, int] = {}
    first: dict[int, int] = {}
    for i, row in enumerate(rows[:SCAN_ROWS]):
        if _filled(row) < 2:
            continue  # a title or a section heading, not a data row
        for j, cell in enumerate(row):
            if not cell or cell[0].isdigit() or len(cell) > 80:
                continue
            if resolve(cell) is not None:
                counts[j] = counts.get(j, 0) + 1
                first.setdefault(j, i)
    if not counts:
        return None, 0
    col = max(counts, key=lambda j: (counts[j], -j))
    return col, first[col]


def orient(sheet: Sheet, mapping: Mapping) -> Sheet:
    """The sheet turned round when its forces run across a row rather than down a column."""
    if mapping.subject is not None or mapping.subject_column is not None or mapping.header_row is not None:
        return sheet
    col_counts: dict[int, int] = {}
    best_row, best_row_count = -1, 0
    for i, row in enumerate(sheet.rows[:SCAN_ROWS]):
        if _filled(row) < 2:
            continue
        n = forces = 0
        for j, cell in enumerate(row):
            s = resolve(cell) if cell and not cell[0].isdigit() and len(cell) <= 80 else None
            if s is not None:
                col_counts[j] = col_counts.get(j, 0) + 1
                n += 1
                forces += s.kind == "force"
        # A force and its region side by side is a normal row; two forces in one row are a header.
        if n > best_row_count and (forces >= 2 or n >= 3):
            best_row, best_row_count = i, n
    best_col_count = max(col_counts.values(), default=0)
    if best_row_count >= 2 and best_row_count > best_col_count:
        return sheet.transposed(best_row)
    return sheet


def split_tables(sheet: Sheet) -> list[Sheet]:
    """The tables of a sheet that stacks several one under another (IOPC and Home Office
    workbooks do): a new table starts at a header-like row — two or more cells, none a force
    and none a figure — met after rows of figures and followed by rows naming forces again.
    The title rows directly above such a header belong to the new table."""
    rows = sheet.rows
    starts: list[int] = [0]
    seen_data = False
    for i, row in enumerate(rows[: SCAN_ROWS * 4]):
        cells = [c for c in row if c]
        if len(cells) < 2:
            continue
        figures = any(_is_figure(c) for c in cells)
        if not seen_data:
            seen_data = figures and any(_names_subject(c) for c in cells)
            continue
        if figures or any(_names_subject(c) for c in cells) or not _data_follows(rows, i):
            continue
        start = i
        while start - 1 > starts[-1] and rows[start - 1] and _filled(rows[start - 1]) < 2:
            start -= 1  # the new table's title and note rows
        starts.append(start)
        seen_data = False
    if len(starts) == 1:
        return [sheet]
    bounds = [*starts, len(rows)]
    return [sheet.block(a, b, k + 1) for k, (a, b) in enumerate(itertools.pairwise(bounds))]


def _names_subject(cell: str) -> bool:
    return not cell[0].isdigit() and len(cell) <= 80 and resolve(cell) is not None


@lru_cache(maxsize=65536)  # detection asks about the same texts (years, small counts) many times
def _is_figure(cell: str) -> bool:
    """A number that is not a period heading ("2019" heads a column; "1,234" is a figure)."""
    if not _DIGIT(cell) or parse_period(cell) is not None:
        return False
    if cell.isdigit():
        return True
    try:
        parsed = parse_cell(cell)
    except CellError:
        return False
    return parsed is not None and parsed.value is not None and parse_period(cell) is None


def _data_follows(rows: list[list[str]], i: int) -> bool:
    """Rows naming a force (or region) with figures come within the next few rows."""
    for row in rows[i + 1 : i + 6]:
        cells = [c for c in row if c]
        if any(_names_subject(c) for c in cells) and any(_is_figure(c) for c in cells):
            return True
    return False


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c)


def detect(path: Path, sheet: Sheet, mapping: Mapping) -> Layout:
    """The layout of ``sheet``, or a LoadError saying what could not be found."""
    rows = sheet.rows
    if not rows:
        raise LoadError(path, "the table is empty", where=_where(sheet))
    subject_col: int | None = None
    first_data = 0
    if mapping.header_row is not None:
        header: int | None = mapping.header_row - 1
        if header is not None and header >= len(rows):
            raise LoadError(path, f"header_row {mapping.header_row} is past the end of the table", where=_where(sheet))
    else:
        header = None
    if mapping.subject is None and mapping.subject_column is None:
        subject_col, first_data = _subject_column(rows)
        if subject_col is None and mapping.kind != "cases":
            raise LoadError(
                path,
                "no column names police forces, regions or totals; name the subject column "
                "(subject_column) or a fixed subject (subject) in a mapping file",
                where=_where(sheet),
            )
    if header is None:
        if subject_col is not None:
            header = next((i for i in range(first_data - 1, -1, -1) if _filled(rows[i]) >= 2), None)
        else:
            header = next((i for i, r in enumerate(rows[:SCAN_ROWS]) if _filled(r) >= 2), None)
            if header is None:
                raise LoadError(path, "no header row found (no row with two or more filled cells)", where=_where(sheet))
    width = max((len(r) for r in rows[:SCAN_ROWS]), default=0)
    head = rows[header] if header is not None else []
    labels = [(head[j] if j < len(head) and head[j] else f"column {j + 1}") for j in range(width)]
    groups = [""] * width
    title_end = header if header is not None else first_data
    if header is not None and header > 0:
        above = rows[header - 1]
        if any(c for j, c in enumerate(above) if c and j > 0 and j != subject_col):
            cur = ""
            for j in range(width):
                cell = above[j] if j < len(above) else ""
                cur = cell or cur
                groups[j] = cur if j != subject_col else ""
            title_end = header - 1
    if mapping.subject_column is not None:
        subject_col = _find_label(path, sheet, labels, mapping.subject_column, "subject_column")
    start = header + 1 if header is not None else first_data
    if subject_col is not None and mapping.header_row is None and mapping.subject_column is None:
        start = max(start, first_data)
    layout = Layout(header, start, subject_col, labels, groups)
    if header is not None:
        layout.width = max(len(head), len(rows[header - 1]) if title_end < header else 0)
    layout.title_rows = [i for i in range(title_end) if rows[i]]
    _classify(path, sheet, mapping, layout)
    return layout


def _classify(path: Path, sheet: Sheet, mapping: Mapping, layout: Layout) -> None:
    rows = sheet.rows
    sample = rows[layout.first_row : layout.first_row + SCAN_ROWS]
    subj = layout.subject_col
    if subj is not None:
        # Data rows: those naming a subject, and those leaving it blank under one (long tables).
        sample = [r for r in sample if subj < len(r) and (not r[subj] or resolve(r[subj]) is not None) and any(r)]
    period_col = (
        _find_label(path, sheet, layout.labels, mapping.period_column, "period_column")
        if mapping.period_column
        else None
    )
    measure_col = (
        _find_label(path, sheet, layout.labels, mapping.measure_column, "measure_column")
        if mapping.measure_column
        else None
    )
    repeats = _subjects_repeat(sample, subj)
    text_cols: list[int] = []
    for j, label in enumerate(layout.labels):
        if j in (subj, period_col, measure_col):
            continue
        spec = mapping.columns.get(label) or mapping.columns.get(layout.groups[j])
        if spec is not None and spec.ignore:
            layout.ignored.append(j)
            continue
        cells = [r[j] for r in sample if j < len(r) and r[j]]
        if not cells:
            if spec is not None or parse_period(label, mapping.period_type) is not None:
                layout.value_cols.append(j)  # every cell empty or suppressed-empty: still a figure column
            continue
        if _IGNORE_HEADER.match(label) or all(_ONS_CODE.match(c) for c in cells):
            layout.ignored.append(j)
            continue
        if spec is None and _ROW_ID_HEADER.match(label.strip()):
            text_cols.append(j)
            continue
        numeric = sum(n for c, n in Counter(cells).items() if _is_value(c, mapping))  # each text once
        if (spec is not None and spec.measure is not None) or (numeric * 2 >= len(cells) and numeric > 0):
            periods = sum(1 for c in cells if parse_period(c, mapping.period_type) is not None)
            if _PERIOD_HEADER.search(label) and periods == len(cells) and parse_period(label) is None and not spec:
                # A "Year" column of 2016, 2017 ...: periods, not figures (a second one, such as
                # the "Appeal date" of a case table, is a date about each row).
                if period_col is None:
                    period_col = j
                else:
                    text_cols.append(j)
                continue
            layout.value_cols.append(j)
            continue
        periods = sum(1 for c in cells if parse_period(c, mapping.period_type) is not None)
        if period_col is None and periods * 10 >= len(cells) * 9:
            period_col = j
            continue
        text_cols.append(j)
    if measure_col is not None:
        layout.dim_cols = [measure_col]
    for j in text_cols:
        cells = [r[j] for r in sample if j < len(r) and r[j]]
        if all(resolve(c) is not None for c in cells):
            layout.ignored.append(j)  # a region column beside the force column: an attribute
        elif repeats or subj is None:
            layout.dim_cols.append(j)
        else:
            layout.ignored.append(j)  # one row per subject: a text column describes the subject
    layout.period_col = period_col
    layout.dim_cols.sort()
    if mapping.kind == "cases":
        layout.cases = True
        return
    if not layout.value_cols:
        if any(_CASE_HEADER.search(layout.labels[j]) for j in text_cols):
            layout.cases = True
            return
        raise LoadError(
            path,
            "no column of figures found under the header "
            f"(row {layout.header_row + 1 if layout.header_row is not None else '?'})",
            where=_where(sheet),
        )


def _is_value(cell: str, mapping: Mapping) -> bool:
    try:
        parse_cell(cell, mapping.suppressed, mapping.zeros)
    except CellError:
        return False
    return True


def _subjects_repeat(sample: list[list[str]], subj: int | None) -> bool:
    if subj is None:
        return True
    seen: set[str] = set()
    for r in sample:
        key = r[subj]
        if not key or key in seen:
            return True
        seen.add(key)
    return False
