"""Reading a table file into sheets of text cells.

CSV/TSV: the encoding is UTF-8 (with or without BOM), UTF-16 with a BOM, Windows-1252,
or what charset-normalizer finds; the delimiter is sniffed. XLSX/ODS/XLS are read with
python-calamine, every sheet or the named ones. Cells come back as stripped strings with
trailing empty cells and rows removed, so every later step works on one shape.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from loaders.base import LoadError, looks_binary
from loaders.tables.cells import cell_text
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

    def ref(self, i: int, j: int) -> tuple[int, int]:
        """The file's 1-based (row, column) of grid cell (i, j)."""
        if self.pivot is None or i < self.pivot:
            return self.offset + i + 1, j + 1
        return self.offset + self.pivot + j + 1, i - self.pivot + 1

    def transposed(self, pivot: int) -> Sheet:
        """This sheet with the rows from ``pivot`` on turned into columns."""
        body = self.rows[pivot:]
        width = max((len(r) for r in body), default=0)
        turned = [[r[j] if j < len(r) else "" for r in body] for j in range(width)]
        return Sheet(self.name, [*self.rows[:pivot], *_trim(turned)], pivot, self.offset, self.part)

    def block(self, start: int, end: int, part: int) -> Sheet:
        """Rows ``start`` to ``end`` (exclusive) as a table of their own."""
        return Sheet(self.name, _trim([list(r) for r in self.rows[start:end]]), None, self.offset + start, part)


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_cell_chars: int = MAX_CELL_CHARS
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
    max_sheet_cells: int = MAX_SHEET_CELLS


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Remove trailing empty cells of each row and trailing empty rows (in place)."""
    for row in rows:
        while row and not row[-1]:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def decode(path: Path, data: bytes, encoding: str | None = None) -> str:
    """The file's text in its encoding (given, or detected)."""
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise LoadError(path, f"unknown encoding {encoding!r} in the mapping file") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise LoadError(path, f"not valid {encoding} (byte {exc.start})", line=line) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "strict") if _utf8(data[3:]) else _bad_encoding(path, data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError(path, "starts with a UTF-16 byte order mark but is not valid UTF-16") from None
    if looks_binary(data[:8192]):
        raise LoadError(path, "binary data, not a text table (is it a spreadsheet with the wrong extension?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1252 is what Excel on Windows writes for "CSV"; it leaves five bytes undefined,
        # so a file using them is something else.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return _bad_encoding(path, data)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bad_encoding(path: Path, data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError(
            path,
            f"cannot tell the text encoding (invalid UTF-8 at byte {exc.start}); set `encoding` in a mapping file",
            line=line,
        ) from None
    raise LoadError(path, "cannot tell the text encoding; set `encoding` in a mapping file")


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
    """Read a CSV/TSV file into one sheet."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LoadError(path, f"file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit for tables")
    data = path.read_bytes()
    text = decode(path, data, encoding)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else sniff_delimiter(text[:65536])
    old = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars)
    rows: list[list[str]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        append = rows.append
        for row in reader:
            append([c.strip() for c in row])
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            msg = f"a cell is longer than {limits.max_cell_chars:,} characters"
        raise LoadError(path, f"malformed CSV: {msg}", line=len(rows) + 1, where=f"row {len(rows) + 1}") from None
    finally:
        csv.field_size_limit(old)
    return Sheet(None, _trim(rows))


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
        for i, r in enumerate(raw, start=1):
            row = [cell_text(v) for v in r]
            for j, c in enumerate(row, start=1):
                if len(c) > limits.max_cell_chars:
                    raise LoadError(
                        path,
                        f"a cell is longer than {limits.max_cell_chars:,} characters",
                        line=i,
                        where=f"sheet {name!r}, row {i}, column {j}",
                    )
            rows.append(row)
        out.append(Sheet(name, _trim(rows)))
    return out
