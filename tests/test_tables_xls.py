"""Hostile XLS (BIFF8) workbooks: each sheet's reach is read from its records before calamine opens the
file, because calamine builds the whole grid a record names. The workbooks are written here, record by
record, in a minimal OLE2 container: a 5 KB file with one cell at the last row and column a 16-bit
record can name (calamine asked for 137 GB and aborted the process), a DIMENSIONS record that claims
2^32 rows, and a MERGECELLS record that counts ranges it does not hold (calamine panicked on it)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from loaders.base import LoadError
from loaders.tables import TableLoader
from tests.test_tables_limits import _load_in_child


def _rec(typ: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def _number(row: int, col: int, v: float) -> bytes:
    return _rec(0x0203, struct.pack("<HHHd", row, col, 0, v))


def _label(row: int, col: int, text: str) -> bytes:
    s = text.encode("latin-1")
    return _rec(0x0204, struct.pack("<HHHHB", row, col, 0, len(s), 0) + s)


_TABLE = [
    _label(0, 0, "Force"),
    _label(0, 1, "2019/20"),
    _label(1, 0, "Kent"),
    _number(1, 1, 3),
    _label(2, 0, "Essex"),
    _number(2, 1, 4),
]


def _workbook(records: list[bytes], dims: tuple[int, int, int, int] | None = None) -> bytes:
    """The Workbook stream: globals (BOF, one BOUNDSHEET "Deaths", EOF), then the sheet's substream."""
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
    name = b"Deaths"

    def boundsheet(pos: int) -> bytes:
        return _rec(0x0085, struct.pack("<IBB", pos, 0, 0) + bytes([len(name), 0]) + name)

    eof = _rec(0x000A)
    sheet = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    if dims is not None:
        sheet += _rec(0x0200, struct.pack("<IIHHH", *dims, 0))
    sheet += b"".join(records) + eof
    start = len(bof_globals) + len(boundsheet(0)) + len(eof)
    return bof_globals + boundsheet(start) + eof + sheet


def _cfb(stream: bytes) -> bytes:
    """A version-3 compound file holding one stream, "Workbook" (at least 4 KB, so no mini stream)."""
    sec = 512
    stream = stream.ljust(max(4096, -(-len(stream) // sec) * sec), b"\0")
    nsec = len(stream) // sec
    endc, free, fats = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    fat = [fats, endc] + [3 + i for i in range(nsec - 1)] + [endc]
    fat += [free] * (128 - len(fat))
    hdr = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
    hdr += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    hdr += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, endc, 0, endc, 0)
    hdr += struct.pack("<I", 0) + struct.pack("<I", free) * 108

    def entry(ename: str, typ: int, child: int, start: int, size: int) -> bytes:
        n = (ename + "\0").encode("utf-16-le")
        e = n.ljust(64, b"\0") + struct.pack("<HBB", len(n), typ, 1)
        e += struct.pack("<III", free, free, child) + b"\0" * 36
        return e + struct.pack("<IQ", start, size)

    dirs = entry("Root Entry", 5, 1, endc, 0) + entry("Workbook", 2, free, 2, len(stream)) + b"\0" * 256
    return hdr + b"".join(struct.pack("<I", x) for x in fat) + dirs + stream


def _xls(path: Path, records: list[bytes], dims: tuple[int, int, int, int] | None = None) -> Path:
    path.write_bytes(_cfb(_workbook(records, dims)))
    return path


def test_a_plain_xls_table_loads(tmp_path: Path) -> None:
    facts = TableLoader().load(_xls(tmp_path / "deaths.xls", _TABLE))
    values = {e.props.get("value") for f in facts for e in f.entities if e.type == "Statistic"}
    assert values == {3, 4}


def test_one_far_cell_is_refused_before_calamine_reads_the_file(tmp_path: Path) -> None:
    path = _xls(tmp_path / "far.xls", [*_TABLE, _number(65535, 65535, 1)])
    assert path.stat().st_size < 6000
    res = _load_in_child(path, tmp_path)
    assert res.returncode == 2, res.stderr[-2000:]  # the load-error exit, not SIGABRT
    assert "far.xls (sheet 'Deaths'): the sheet's cells reach CRXP65536 (65,536 rows x 65,536 columns)" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "kb.snapshot").exists()


@pytest.mark.parametrize(
    ("records", "dims", "cell"),
    [
        ([], (0, 0xFFFFFFFF, 0, 0xFFFF), "CRXO4294967295"),  # a DIMENSIONS record's claim
        ([_number(65535, 255, 1)], None, "IV65536"),  # a legal BIFF8 grid, still over 10 M cells
    ],
)
def test_a_sheets_reach_from_any_record_is_checked(
    tmp_path: Path, records: list[bytes], dims: tuple[int, int, int, int] | None, cell: str
) -> None:
    with pytest.raises(LoadError, match=f"cells reach {cell}") as info:
        TableLoader().load(_xls(tmp_path / "t.xls", [*_TABLE, *records], dims))
    assert info.value.where == "sheet 'Deaths'"


def test_a_damaged_merge_record_is_a_clear_error_not_a_reader_panic(tmp_path: Path) -> None:
    path = _xls(tmp_path / "merge.xls", [*_TABLE, _rec(0x00E5, struct.pack("<H", 1000))])
    res = _load_in_child(path, tmp_path)
    assert res.returncode == 2, res.stderr[-2000:]
    assert "merge.xls: cannot read the workbook: not a valid XLS file" in res.stderr
    assert "panicked" not in res.stderr and "Traceback" not in res.stderr
