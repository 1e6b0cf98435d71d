"""How far each sheet of an XLS (BIFF8/BIFF5) workbook reaches, read from its records before calamine
opens it: calamine builds a sheet's whole grid from the largest row and column any record names (a
cell's, or the sheet's DIMENSIONS record), so one far cell in a 5 KB file asks for hundreds of GB and
aborts the process."""

from __future__ import annotations

import struct
from pathlib import Path

import olefile

_BOF, _EOF, _DIMENSIONS = 0x0809, 0x000A, 0x0200
_BOUNDSHEET = 0x0085
# records that start with (row u16, column u16); MULRK / MULBLANK end with their last column
_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0201, 0x0006, 0x0205, 0x00D6})
_MULTI = frozenset({0x00BD, 0x00BE})
_ROW = 0x0208  # row u16, first column u16, last column + 1 u16
_MERGECELLS = 0x00E5  # a count, then that many 8-byte ranges
_HEAD = struct.Struct("<HH")
_RC = struct.Struct("<HH")


def xls_extents(path: Path) -> dict[str, tuple[int, int]] | None:
    """Sheet name -> (rows, columns) of the grid a reader would build; None when the file is no OLE2
    workbook (the reader's own error then says what it is). OSError and damage propagate."""
    if not olefile.isOleFile(str(path)):
        return None
    with olefile.OleFileIO(str(path)) as ole:
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            return None
        data = ole.openstream(name).read()
    return _extents(data)


def _extents(data: bytes) -> dict[str, tuple[int, int]]:
    names: list[str] = []
    out: dict[str, tuple[int, int]] = {}
    depth = rows = cols = 0
    sheet = -1  # substreams after the workbook globals are the sheets, in BOUNDSHEET order
    pos, end = 0, len(data)
    while pos + 4 <= end:
        typ, size = _HEAD.unpack_from(data, pos)
        body = pos + 4
        pos = body + size
        if typ == _BOF:
            depth += 1
            if depth == 1:
                sheet += 1
                rows = cols = 0
        elif typ == _EOF:
            if depth == 1 and sheet > 0:
                label = names[sheet - 1] if sheet - 1 < len(names) else f"sheet {sheet}"
                out[label] = (rows, cols)
            depth = max(0, depth - 1)
        elif depth != 1:
            continue
        elif typ == _BOUNDSHEET and sheet == 0:
            names.append(_sheet_name(data, body, size))
        elif typ in _CELLS and size >= 4:
            r, c = _RC.unpack_from(data, body)
            rows, cols = max(rows, r + 1), max(cols, c + 1)
        elif typ in _MULTI and size >= 6:
            r = _RC.unpack_from(data, body)[0]
            last = struct.unpack_from("<H", data, body + size - 2)[0]
            rows, cols = max(rows, r + 1), max(cols, last + 1)
        elif typ == _ROW and size >= 6:
            r, _, last = struct.unpack_from("<HHH", data, body)
            rows, cols = max(rows, r + 1), max(cols, last)
        elif typ == _MERGECELLS and size >= 2 and 2 + 8 * struct.unpack_from("<H", data, body)[0] > size:
            raise ValueError("a MERGECELLS record counts more ranges than it holds")  # calamine panics on it
        elif typ == _DIMENSIONS and size >= 14:  # BIFF8: first row, last row + 1 (u32), first col, last col + 1
            _, r1, _, c1 = struct.unpack_from("<IIHH", data, body)
            rows, cols = max(rows, r1), max(cols, c1)
        elif typ == _DIMENSIONS and size >= 8:  # BIFF5: the same in u16
            _, r1, _, c1 = struct.unpack_from("<HHHH", data, body)
            rows, cols = max(rows, r1), max(cols, c1)
    return out


def _sheet_name(data: bytes, body: int, size: int) -> str:
    """A BOUNDSHEET record's name: a short string after the stream offset and two flag bytes."""
    try:
        n = data[body + 6]
        if size >= 8 + n and data[body + 7] in (0, 1):  # BIFF8: length, then a compressed/UTF-16 flag
            raw = data[body + 8 : body + 8 + (n if data[body + 7] == 0 else 2 * n)]
            return raw.decode("latin-1" if data[body + 7] == 0 else "utf-16-le")
        return data[body + 7 : body + 7 + n].decode("latin-1")  # BIFF5: length, then the bytes
    except (IndexError, UnicodeDecodeError):
        return "?"
