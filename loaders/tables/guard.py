"""Checks on a workbook before calamine reads it: decompressed sizes and sheet dimensions.

calamine builds a dense grid from the first to the last cell of a sheet, so a 5 KB XLSX with
one cell at XFD1048576 asks for 17 billion cells and aborts the process (Rust's allocator does
not raise). XLSX and ODS files are zip archives: every part calamine reads is decompressed here
first, as a stream (zipfile stops at the declared size and checks the CRC, so a part cannot
grow past what the archive says), and the sheets' cell references (XLSX) or row and column
repeats (ODS) give the grid each sheet would need. Over a limit, the load stops with an error
naming the file, the sheet and the cell, before calamine allocates anything.
"""

from __future__ import annotations

import operator
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from loaders.base import LoadError
from loaders.tables.xls_extent import xls_extents

CHUNK = 1 << 20
_XLSX_ROW_R = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_XLSX_CELL_R = re.compile(rb'<c\b[^>]*?\sr="([A-Za-z]+)(\d+)"')
_XLSX_CELL = re.compile(rb"<c[\s>/]")
_ROW_START = re.compile(rb"<row(?=[\s>/])")
# A row start tag with a reference (up to the tag's end).
_ROW_WITH_R = re.compile(rb'<row(?=[\s>/])[^>]*?\sr="')
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T = "{" + _TABLE + "}"
_O = "{" + _OFFICE + "}"


@dataclass(frozen=True, slots=True)
class Extent:
    """How far a sheet's cells reach (1-based last row and column), and where."""

    rows: int
    cols: int
    cell: str  # the grid's last cell (last row, last column), for messages

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def column_name(n: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def check_workbook(path: Path, sheets: list[str] | None, *, max_unzipped_bytes: int, max_sheet_cells: int) -> None:
    """Raise a LoadError when the workbook decompresses to too much or a sheet spans too many cells."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        _check_extents(path, sheets, _xls_extents(path), max_sheet_cells)
        return
    if suffix not in {".xlsx", ".xlsm", ".ods"}:
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LoadError(path, f"cannot read the workbook: not a valid {suffix[1:].upper()} file ({exc})") from None
    with zf:
        infos = zf.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > max_unzipped_bytes:
            raise LoadError(
                path,
                f"the workbook decompresses to {declared:,} bytes, over the {max_unzipped_bytes:,}-byte limit",
            )
        try:
            extents = _ods_extents(zf, infos) if suffix == ".ods" else _xlsx_extents(zf, infos)
        except (zipfile.BadZipFile, zlib.error, EOFError, ParseError, NotImplementedError, DefusedXmlException) as exc:
            raise LoadError(path, f"cannot read the workbook: {exc}") from None
    _check_extents(path, sheets, extents, max_sheet_cells)


def _xls_extents(path: Path) -> dict[str, Extent]:
    """An XLS workbook's sheets: not compressed, but one record can name a far cell (BIFF8 rows and
    columns are 16-bit in cell records, 32-bit in DIMENSIONS), and calamine builds the grid it names."""
    try:
        got = xls_extents(path)
    except (OSError, struct.error, ValueError, IndexError) as exc:  # olefile on a damaged container
        raise LoadError(path, f"cannot read the workbook: not a valid XLS file ({exc})") from None
    return {name: Extent(r, c, f"{column_name(c)}{r}") for name, (r, c) in (got or {}).items()}


def _check_extents(path: Path, sheets: list[str] | None, extents: dict[str, Extent], max_sheet_cells: int) -> None:
    for name, ext in extents.items():
        if sheets is not None and name not in sheets:
            continue
        if ext.cells > max_sheet_cells:
            raise LoadError(
                path,
                f"the sheet's cells reach {ext.cell} ({ext.rows:,} rows x {ext.cols:,} columns), "
                f"over the limit of {max_sheet_cells:,} cells per sheet",
                where=f"sheet {name!r}",
            )


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _drain(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Decompress a part to check it really is the size the archive declares (CRC included)."""
    for _ in _chunks(zf, info):
        pass


def _xlsx_sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name ("xl/worksheets/sheet1.xml") -> sheet name, from the workbook part."""
    try:
        wb = SafeET.fromstring(zf.read("xl/workbook.xml"))
        rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    out: dict[str, str] = {}
    for s in wb.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(s.get(f"{_NS_REL}id"))
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[part] = s.get("name", part)
    return out


def _xlsx_extents(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, Extent]:
    names = _xlsx_sheet_names(zf)
    out: dict[str, Extent] = {}
    for info in infos:
        worksheet = info.filename in names or info.filename.startswith("xl/worksheets/")
        if worksheet and info.filename.endswith(".xml"):
            out[names.get(info.filename, info.filename)] = _xlsx_extent(zf, info)
            continue
        _drain(zf, info)
    return out


def _xlsx_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent:
    """The grid a worksheet part needs: the farthest row and column any reference names, and
    for rows and cells written without one (calamine numbers them on) their count.

    Per chunk the work is done by the regex engine and set/map over its matches (a sheet holds
    millions of cells: a Python step per cell would cost as much as reading the sheet)."""
    max_row = max_col = 0
    rows_without_r = 0
    most_cells = open_cells = 0  # cells of the widest row; of the row still open at a chunk's end
    tail = b""
    for chunk in [*_chunks(zf, info), b""]:
        data = tail + chunk
        # Up to the last tag start: no tag is cut in two (the rest waits for the next chunk).
        cut = data.rfind(b"<") if chunk else len(data)
        body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        row_numbers = set(_XLSX_ROW_R.findall(body))
        if row_numbers:
            longest = max(row_numbers, key=len)
            if len(longest) > 12:  # no sheet has a trillion rows: do not even read the number
                return Extent(10**12, 1, f"A{longest[:12].decode()}...")
            max_row = max(max_row, *map(int, row_numbers))
        refs = _XLSX_CELL_R.findall(body)
        if refs:
            letters, digits = set(map(_FIRST, refs)), set(map(_SECOND, refs))
            if len(max(digits, key=len)) > 12 or len(max(letters, key=len)) > 6:
                far = next(a + b for a, b in refs if len(b) > 12 or len(a) > 6)
                return Extent(10**12, 1, far[:20].decode() + "...")
            max_row = max(max_row, *map(int, digits))
            max_col = max(max_col, *map(_column_number, letters))
        pieces = _ROW_START.split(body)
        counts = list(map(len, map(_XLSX_CELL.findall, pieces)))
        open_cells += counts[0]
        if len(pieces) > 1:
            most_cells = max(most_cells, open_cells, *counts[1:-1])
            open_cells = counts[-1]
            # rows whose start tag has no r="": every row start, less those that have one
            rows_without_r += len(pieces) - 1 - len(_ROW_WITH_R.findall(body))
    most_cells = max(most_cells, open_cells)
    rows = max_row + rows_without_r
    cols = max(max_col, most_cells)
    return Extent(rows, cols, f"{column_name(max(cols, 1))}{max(rows, 1)}")


def _ods_extents(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, Extent]:
    out: dict[str, Extent] = {}
    for info in infos:
        if info.filename == "content.xml":
            out.update(_ods_tables(zf, info))
        else:
            _drain(zf, info)
    return out


def _ods_tables(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Extent]:
    """Each table's grid: the last row and column holding a value, counting repeats (an empty
    run repeated to the end of the sheet, as LibreOffice writes, needs no cells)."""
    out: dict[str, Extent] = {}
    name = ""
    row = 0  # rows so far in this table
    last_row = last_col = 0
    col = 0
    row_reps = 1
    row_filled = 0  # last filled column in the current row
    stack: list[Element] = []
    with zf.open(info) as fh:
        for event, elem in SafeET.iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                stack.append(elem)
                if tag == f"{_T}table":
                    name = elem.get(f"{_T}name", f"table {len(out) + 1}")
                    row = last_row = last_col = 0
                elif tag == f"{_T}table-row":
                    col, row_filled = 0, 0
                    row_reps = _int(elem.get(f"{_T}number-rows-repeated"))
                continue
            stack.pop()
            if tag in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                reps = _int(elem.get(f"{_T}number-columns-repeated"))
                col += reps
                if elem.get(f"{_O}value-type") is not None or len(elem) > 0:
                    row_filled = col
            elif tag == f"{_T}table-row":
                if row_filled:
                    last_row = row + row_reps
                    last_col = max(last_col, row_filled)
                row += row_reps
            elif tag == f"{_T}table":
                out[name] = Extent(last_row, last_col, f"{column_name(max(last_col, 1))}{max(last_row, 1)}")
            if stack:
                stack[-1].remove(elem)  # memory stays flat however long the table
    return out


def _int(text: str | None) -> int:
    if not text:
        return 1
    try:
        return max(1, int(text))
    except ValueError:
        return 1
