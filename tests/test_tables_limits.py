"""Hostile and oversized tables: each is refused with a clear error, quickly, in little memory,
and the process survives (a spreadsheet reader that aborts would take the whole load down).

Every file is crafted here, in the test: a 2 KB XLSX with one cell at XFD1048576, ODS repeats,
a zip part that lies about its size, a 401-digit figure, CSVs far bigger than what they hold.
"""

from __future__ import annotations

import os
import re
import resource
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from loaders.base import LoadError
from loaders.tables import TableLoader
from loaders.tables.guard import check_workbook
from loaders.tables.read import Limits

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Deaths" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx(path: Path, rows: str, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal XLSX whose one sheet ("Deaths") holds ``rows`` (sheetData XML) as written."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


_TABLE_ROWS = (
    f'<row r="1">{_inline("A1", "Force")}{_inline("B1", "2019/20")}</row>'
    f'<row r="2">{_inline("A2", "Kent")}<c r="B2"><v>3</v></c></row>'
    f'<row r="3">{_inline("A3", "Essex")}<c r="B3"><v>4</v></c></row>'
)


def _ods(path: Path, table_xml: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Custody">{table_xml}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _text_cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p></table:table-cell>'


def _num_cell(value: int, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    value_attrs = f'office:value-type="float" office:value="{value}"{rep}'
    return f"<table:table-cell {value_attrs}><text:p>{value}</text:p></table:table-cell>"


def _row(cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


def _load_in_child(path: Path, tmp: Path, memory_mb: int = 1500) -> subprocess.CompletedProcess[str]:
    """`policekb load` in a child process whose address space is capped: a reader that tried to
    allocate the grid would abort the child, not the test run."""

    def cap() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "KB_DATA": str(tmp / "kb.snapshot")}
    cmd = [sys.executable, "-m", "kb.app.cli", "load", str(path), "-q"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=cap, timeout=120, check=False)


# -- spreadsheets: dimensions and decompressed sizes, before calamine reads anything ----------


def test_xlsx_with_one_far_cell_is_refused_before_reading(tmp_path: Path) -> None:
    # 2 KB on disk; calamine would ask for 17 billion cells (512 GB) and abort the process.
    path = _xlsx(tmp_path / "far.xlsx", _TABLE_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert path.stat().st_size < 5000
    t0 = time.perf_counter()
    res = _load_in_child(path, tmp_path)
    assert time.perf_counter() - t0 < 60
    assert res.returncode == 2, res.stderr[-2000:]  # the load-error exit, not a signal
    assert "far.xlsx (sheet 'Deaths'): the sheet's cells reach XFD1048576" in res.stderr
    assert "over the limit of 10,000,000 cells per sheet" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "kb.snapshot").exists()  # nothing written


@pytest.mark.parametrize(
    ("rows", "cell"),
    [
        ('<row r="200000"><c r="ZZ200000"><v>1</v></c></row>', "ZZ200000"),  # 140 M cells, 4.5 GB
        ('<row r="4294967295"><c r="A4294967295"><v>1</v></c></row>', "B4294967295"),  # a u32 row
        ('<row r="5000000000000"><c r="A5000000000000"><v>1</v></c></row>', "A500000000000..."),
    ],
)
def test_far_cells_of_every_kind(tmp_path: Path, rows: str, cell: str) -> None:
    path = _xlsx(tmp_path / "t.xlsx", _TABLE_ROWS + rows)
    with pytest.raises(LoadError, match=f"cells reach {re.escape(cell)}") as info:
        TableLoader().load(path)
    assert info.value.where == "sheet 'Deaths'"


def test_cells_without_references_are_counted(tmp_path: Path) -> None:
    # Rows and cells may leave out their reference: calamine numbers them on from the last one.
    wide = "<row>" + "<c><v>1</v></c>" * 3000 + "</row>"
    path = _xlsx(tmp_path / "t.xlsx", _TABLE_ROWS + '<row r="5000"><c r="A5"><v>1</v></c></row>' + wide)
    with pytest.raises(LoadError, match=r"5,001 rows x 3,000 columns"):
        check_workbook(path, None, max_unzipped_bytes=1 << 30, max_sheet_cells=10_000_000)


def test_a_false_dimension_element_is_not_trusted_or_needed(tmp_path: Path) -> None:
    # <dimension> is a hint; the cells decide. A table that claims the whole sheet loads.
    path = _xlsx(tmp_path / "t.xlsx", _TABLE_ROWS)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    (facts,) = TableLoader().load(path)
    assert sorted(e.props["value"] for e in facts.entities if e.type == "Statistic") == [3, 4]


def test_a_part_decompressing_past_the_limit(tmp_path: Path) -> None:
    # 64 MB of shared strings that compress to about 64 KB: a zip bomb in miniature.
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b" " * (64 << 20) + b"</sst>"
    path = _xlsx(tmp_path / "bomb.xlsx", _TABLE_ROWS, {"xl/sharedStrings.xml": strings})
    assert path.stat().st_size < 200_000
    with pytest.raises(LoadError, match=r"decompresses to 67,1\d\d,\d\d\d bytes, over the 16,777,216-byte limit"):
        TableLoader(Limits(max_unzipped_bytes=16 << 20)).load(path)


def test_a_part_that_lies_about_its_size(tmp_path: Path) -> None:
    # The archive says the sheet is 100 bytes; it inflates to more. Reading stops at what was
    # declared and the CRC check fails: the file is refused, nothing bigger is ever held.
    path = _xlsx(tmp_path / "liar.xlsx", _TABLE_ROWS)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, 100)  # uncompressed size in the local header
    central = data.rfind(b"PK\x01\x02" + data[local + 4 : local + 6])
    while central != -1 and data[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = data.rfind(b"PK\x01\x02", 0, central)
    struct.pack_into("<I", data, central + 24, 100)  # and in the central directory
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError, match="cannot read the workbook"):
        TableLoader().load(path)


def test_ods_repeats_are_counted_before_reading(tmp_path: Path) -> None:
    header = _row(_text_cell("Force") + _text_cell("2019/20"))
    body = _row(_text_cell("Kent") + _num_cell(3))
    # a value repeated across 100 million columns, then down 100 million rows
    for bomb, shape in (
        (_row(_text_cell("Essex") + _num_cell(1, repeat=100_000_000)), "3 rows x 100,000,001 columns"),
        (_row(_text_cell("Essex") + _num_cell(1), repeat=100_000_000), "100,000,002 rows x 2 columns"),
    ):
        path = _ods(tmp_path / "bomb.ods", header + body + bomb)
        with pytest.raises(LoadError, match=shape) as info:
            TableLoader().load(path)
        assert info.value.where == "sheet 'Custody'"


def test_ods_trailing_empty_repeats_as_libreoffice_writes_them(tmp_path: Path) -> None:
    # LibreOffice pads a sheet with empty cells and rows repeated to the sheet's last cell.
    pad = '<table:table-cell table:number-columns-repeated="16382"/>'
    rows = (
        _row(_text_cell("Force") + _text_cell("2019/20") + pad)
        + _row(_text_cell("Kent") + _num_cell(3) + pad)
        + _row('<table:table-cell table:number-columns-repeated="16384"/>', repeat=1_048_574)
    )
    (facts,) = TableLoader().load(_ods(tmp_path / "padded.ods", rows))
    assert [e.props["value"] for e in facts.entities if e.type == "Statistic"] == [3]


def test_not_a_zip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"Force,2019\nKent,1\n")
    with pytest.raises(LoadError, match="not a valid XLSX file"):
        TableLoader().load(path)


def test_calamine_panics_are_caught() -> None:
    # pyo3 turns a Rust panic into PanicException, a BaseException that `except Exception`
    # misses; the reader catches it too (and still lets KeyboardInterrupt through).
    from loaders.tables.read import _calamine_errors

    caught = _calamine_errors()
    assert any(c.__name__ == "PanicException" and not issubclass(c, Exception) for c in caught)
    assert not any(issubclass(KeyboardInterrupt, c) or issubclass(SystemExit, c) for c in caught)


# -- figures too large for a float ---------------------------------------------------------


@pytest.mark.parametrize("digits", [16, 401, 5000])
def test_an_integer_too_large_for_a_float_names_the_cell(tmp_path: Path, digits: int) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"Force,2019/20\nKent,3\nEssex,{'9' * digits}\nSurrey,4\n", encoding="utf-8")
    with pytest.raises(LoadError, match="is too large for a figure") as info:
        TableLoader().load(path)
    assert (info.value.line, info.value.where) == (3, "row 3, column '2019/20'")
    assert len(str(info.value)) < 400  # the message shows the cell, not 5,000 digits


def test_the_largest_figure_a_float_holds_exactly_loads(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('Force,Spend (£)\nKent,"999,999,999,999,999"\n', encoding="utf-8")
    (facts,) = TableLoader().load(path)
    (stat,) = [e for e in facts.entities if e.type == "Statistic"]
    assert stat.props["value"] == 999_999_999_999_999 and float(stat.props["value"]) == 999_999_999_999_999


def test_a_huge_float_cell_in_a_workbook(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "t.xlsx",
        f'<row r="1">{_inline("A1", "Force")}{_inline("B1", "2019/20")}</row>'
        f'<row r="2">{_inline("A2", "Kent")}<c r="B2"><v>3</v></c></row>'
        f'<row r="3">{_inline("A3", "Essex")}<c r="B3"><v>4</v></c></row>'
        f'<row r="4">{_inline("A4", "Surrey")}<c r="B4"><v>1e300</v></c></row>',
    )
    with pytest.raises(LoadError, match=r"'10000000000000000525.*is too large for a figure") as info:
        TableLoader().load(path)
    assert info.value.where == "sheet 'Deaths', row 4, column '2019/20'"
