"""Reading a table file into sheets of text cells.

CSV/TSV: the encoding is UTF-8 (with or without BOM), UTF-16 with a BOM, Windows-1252,
or what charset-normalizer finds; the delimiter is sniffed. XLSX/ODS/XLS are read with
python-calamine, every sheet or the named ones. Cells come back as stripped strings with
trailing empty cells and rows removed, so every later step works on one shape.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from loaders.base import LoadError
from loaders.tables.cells import cell_text
from loaders.tables.encoding import detect_encoding, text_shape
from loaders.tables.guard import check_workbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".tab"}
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".tab": "text/tab-separated-values",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
DELIMITERS = ",;\t|"

# Limits: a table bigger than this is not an FOI response or official table but a mistake
# (or an attack); refuse it with a clear error rather than exhaust memory.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # all the parts of an XLSX / ODS archive, decompressed
MAX_SHEET_CELLS = 10_000_000  # first to last cell of a sheet (calamine builds the whole grid)
MAX_LINE_CHARS = 1 << 20  # one line of a CSV file
MAX_RECORD_CHARS = 4 << 20  # one row of a CSV file (quoted cells may hold line breaks)
MAX_COLUMNS = 16_384  # Excel's own limit
MAX_FIGURES = 2_000_000  # statistics from one table (each takes about 1.5 KB in memory)
HEAD_ROWS = 20_500  # rows of a CSV read before the rest streams: layout detection looks at 20,000
MAX_NOTE_ROWS = 200  # rows of notes under a table kept for its citation


@dataclass(slots=True)
class Sheet:
    """One grid of cells: ``rows[i][j]`` is row i+1, column j+1 of the file (1-based in messages).

    A sheet holding several tables one under another is cut into one Sheet per table, each
    ``offset`` rows down the file; a transposed table (forces across the top) is turned round
    from row ``pivot`` on, so that every later step sees forces down a column. :meth:`ref`
    maps grid cells back to the file's cells.
    """

    name: str | None
    rows: list[list[str]]
    pivot: int | None = None
    offset: int = 0
    part: int | None = None  # which table of a sheet holding several (1-based)
    more: RowStream | None = None  # the rows after ``rows``, still in the file (a long CSV)

    def iter_rows(self, start: int) -> Iterator[tuple[int, list[str]]]:
        """(grid index, cells) of every row from ``start``: those held, then those streamed."""
        held = itertools.islice(self.rows, start, None)
        if self.more is None or start > len(self.rows):
            return enumerate(held, start)
        return enumerate(itertools.chain(held, self.more), start)

    def materialise(self) -> None:
        """Read the streamed rows in (for the few steps that need the whole table at once)."""
        if self.more is not None:
            self.rows.extend(self.more)
            self.more = None
            _trim(self.rows)

    def notes(self) -> list[list[str]]:
        """The rows below the last row with two or more filled cells: notes, sources, URLs."""
        if self.more is not None:
            return self.more.tail
        rows = self.rows
        last = next((i for i in range(len(rows) - 1, -1, -1) if sum(1 for c in rows[i] if c) >= 2), len(rows))
        return rows[last + 1 :]

    def ref(self, i: int, j: int) -> tuple[int, int]:
        """The file's 1-based (row, column) of grid cell (i, j)."""
        if self.pivot is None or i < self.pivot:
            return self.offset + i + 1, j + 1
        return self.offset + self.pivot + j + 1, i - self.pivot + 1

    def transposed(self, pivot: int) -> Sheet:
        """This sheet with the rows from ``pivot`` on turned into columns."""
        self.materialise()
        body = self.rows[pivot:]
        width = max((len(r) for r in body), default=0)
        turned = [[r[j] if j < len(r) else "" for r in body] for j in range(width)]
        return Sheet(self.name, [*self.rows[:pivot], *_trim(turned)], pivot, self.offset, self.part)

    def block(self, start: int, end: int, part: int) -> Sheet:
        """Rows ``start`` to ``end`` (exclusive) as a table of their own; the last block keeps
        the rows still to stream."""
        rows = [list(r) for r in self.rows[start:end]]
        if end >= len(self.rows) and self.more is not None:
            return Sheet(self.name, rows, None, self.offset + start, part, self.more)
        return Sheet(self.name, _trim(rows), None, self.offset + start, part)


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_cell_chars: int = MAX_CELL_CHARS
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
    max_sheet_cells: int = MAX_SHEET_CELLS
    max_line_chars: int = MAX_LINE_CHARS
    max_record_chars: int = MAX_RECORD_CHARS
    max_columns: int = MAX_COLUMNS
    max_figures: int = MAX_FIGURES


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Remove trailing empty cells of each row and trailing empty rows (in place)."""
    for row in rows:
        while row and not row[-1]:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def sniff_delimiter(sample: str, default: str = ",") -> str:
    """The delimiter splitting most lines of ``sample`` into the same number (>1) of fields."""
    lines = [ln for ln in sample.splitlines()[:60] if ln.strip()]
    try:
        d = csv.Sniffer().sniff("\n".join(lines[-30:]), delimiters=DELIMITERS).delimiter
        if d in DELIMITERS:
            return d
    except csv.Error:
        pass
    best, best_score = default, 0
    for d in DELIMITERS:
        counts = Counter(len(next(csv.reader([ln], delimiter=d), [])) for ln in lines)
        width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(1, 0))
        if width > 1 and freq * width > best_score:
            best, best_score = d, freq * width
    return best


def read_text_table(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None, limits: Limits = Limits()
) -> Sheet:
    """Read a CSV/TSV file as one sheet: its first :data:`HEAD_ROWS` rows at once (what layout
    detection looks at), the rest as a stream the builder pulls (``Sheet.more``)."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LoadError(path, f"file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit for tables")
    codec = detect_encoding(path, encoding)
    fh = path.open(encoding=codec, newline="")
    try:
        if delimiter is None:
            if path.suffix.lower() in {".tsv", ".tab"}:
                delimiter = "\t"
            else:
                delimiter = sniff_delimiter(fh.read(65536))
                fh.seek(0)
        shape = text_shape(path, limits.max_line_chars, delimiter)
        guarded = shape.open_quotes or shape.long_lines
        stream = RowStream(path, fh, delimiter, limits, guarded=guarded, padded=shape.padded)
        head = stream.take(HEAD_ROWS)
    except BaseException:
        fh.close()
        raise
    if stream.done:
        return Sheet(None, _trim(head))
    return Sheet(None, head, more=stream)


class _TooLong(Exception):
    """A line or a row over its limit (raised inside the csv reader, reported by RowStream)."""


class RowStream:
    """The rows of a CSV file, parsed as they are asked for: stripped cells, trailing empty
    cells removed. Rows stay within the limits (a cell, a line, a record, the columns of a
    row), so a hostile file fails at its first bad row instead of filling memory first.
    ``tail`` keeps the rows after the last one with two or more cells: the notes under a table.

    ``guarded``: lines go through a counting generator that stops an over-long line or a
    record of many lines (quoted cells may hold line breaks). A file with no long line and no
    line with an odd number of quotes (as a byte scan found) cannot have either, and is read
    straight.
    """

    def __init__(
        self, path: Path, fh: IO[str], delimiter: str, limits: Limits, *, guarded: bool = True, padded: bool = True
    ) -> None:
        self.path = path
        self._guarded = guarded
        self._padded = padded  # some cell has blanks at its edges (else cells need no stripping)
        self.limits = limits
        self.row = 0  # rows handed out so far (the next is row + 1 of the file)
        self.done = False
        self.tail: list[list[str]] = []
        self._fh = fh
        self._fed = 0  # characters read into the record being parsed
        self._reader = csv.reader(self._lines() if guarded else fh, delimiter=delimiter, strict=True)

    def _lines(self) -> Iterator[str]:
        readline = self._fh.readline
        cap = self.limits.max_line_chars
        record_cap = self.limits.max_record_chars
        while line := readline(cap + 1):
            if len(line) > cap:
                raise _TooLong(f"a line is longer than {cap:,} characters")
            self._fed += len(line)
            if self._fed > record_cap:
                raise _TooLong(f"a row is longer than {record_cap:,} characters")
            yield line

    def _error(self, message: str, row: int) -> LoadError:
        return LoadError(self.path, message, line=row, where=f"row {row}")

    def take(self, n: int) -> list[list[str]]:
        """The next ``n`` rows (fewer at the end of the file)."""
        return list(itertools.islice(self, n))

    def __iter__(self) -> Iterator[list[str]]:
        old = csv.field_size_limit()
        csv.field_size_limit(self.limits.max_cell_chars)
        max_cols = self.limits.max_columns
        tail = self.tail
        strip = str.strip
        count = self.row
        guarded, padded = self._guarded, self._padded
        try:
            for row in self._reader:
                if guarded:
                    self._fed = 0
                count += 1
                if padded:
                    row = list(map(strip, row))
                while row and not row[-1]:
                    row.pop()
                n = len(row)
                if n > max_cols:
                    raise self._error(f"the row has {n:,} cells, over the limit of {max_cols:,}", count)
                if n - row.count("") >= 2:
                    if tail:
                        tail.clear()
                elif n and len(tail) < MAX_NOTE_ROWS:
                    tail.append(row)
                yield row
            self.done = True
            self._fh.close()
        except _TooLong as exc:
            raise self._error(str(exc), count + 1) from None
        except csv.Error as exc:
            msg = str(exc)
            if "field larger than field limit" in msg:
                msg = f"a cell is longer than {self.limits.max_cell_chars:,} characters"
            raise self._error(f"malformed CSV: {msg}", count + 1) from None
        except UnicodeDecodeError as exc:  # the file changed since its encoding was checked
            raise self._error(f"not valid {exc.encoding}", count + 1) from None
        finally:
            self.row = count  # also when the caller stops early (take): the next row is count + 1
            csv.field_size_limit(old)

    def close(self) -> None:
        self._fh.close()


@cache
def _calamine_errors() -> tuple[type[BaseException], ...]:
    """What calamine raises for a damaged file: its own errors, and pyo3's PanicException (a
    BaseException, so ``except Exception`` lets it through) when the Rust code panics."""
    import python_calamine  # noqa: F401 - defines the PanicException class

    return (Exception, *(c for c in BaseException.__subclasses__() if c.__name__ == "PanicException"))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    return reason if type(exc).__name__ != "PanicException" else f"the spreadsheet reader failed ({reason})"


def _number_text(value: float, known: dict[float, str]) -> str:
    """``cell_text(value)``, remembered (a few thousand distinct numbers at most are kept)."""
    text = cell_text(value)
    if len(known) < 10_000:
        known[value] = text
    return text


def read_workbook(path: Path, sheets: list[str] | None = None, limits: Limits = Limits()) -> list[Sheet]:
    """Read every sheet of a workbook (or the named ones) into text grids."""
    from python_calamine import CalamineWorkbook

    errors = _calamine_errors()

    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LoadError(path, f"file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit for tables")
    # calamine allocates the whole grid of a sheet at once (and aborts the process when it
    # cannot): sizes and dimensions are checked first.
    check_workbook(path, sheets, max_unzipped_bytes=limits.max_unzipped_bytes, max_sheet_cells=limits.max_sheet_cells)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except errors as exc:  # calamine raises its own error types for every kind of damage
        raise LoadError(path, f"cannot read the workbook: {_reason(exc)}") from None
    names = list(wb.sheet_names)
    wanted = sheets or names
    missing = [s for s in wanted if s not in names]
    if missing:
        raise LoadError(path, f"no sheet named {missing[0]!r} (sheets: {', '.join(names)})")
    out: list[Sheet] = []
    for name in wanted:
        try:
            sheet = wb.get_sheet_by_name(name)
            cells = sheet.height * sheet.width
            if cells > limits.max_sheet_cells:  # XLS: its grid is read before its size is known
                raise LoadError(
                    path,
                    f"the sheet spans {sheet.height:,} rows x {sheet.width:,} columns, "
                    f"over the limit of {limits.max_sheet_cells:,} cells per sheet",
                    where=f"sheet {name!r}",
                )
            raw = sheet.to_python(skip_empty_area=False)
        except LoadError:
            raise
        except errors as exc:
            raise LoadError(path, f"cannot read the sheet: {_reason(exc)}", where=f"sheet {name!r}") from None
        rows = []
        numbers: dict[float, str] = {}  # texts of the numbers met so far: figures repeat
        cap = limits.max_cell_chars
        for i, r in enumerate(raw, start=1):
            # cell_text, with its two common cases inline (a call per cell is most of the work)
            row = [
                v.strip() if type(v) is str else numbers.get(v) or _number_text(v, numbers) if type(v) is float
                else cell_text(v)
                for v in r
            ]  # fmt: skip
            if row and max(map(len, row)) > cap:
                j = next(j for j, c in enumerate(row, start=1) if len(c) > cap)
                raise LoadError(
                    path,
                    f"a cell is longer than {cap:,} characters",
                    line=i,
                    where=f"sheet {name!r}, row {i}, column {j}",
                )
            rows.append(row)
        out.append(Sheet(name, _trim(rows)))
    return out
