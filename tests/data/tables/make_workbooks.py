"""Regenerates workbook.xlsx and workbook.ods (synthetic figures for loader tests).

Run from the project root: ``.venv/bin/python tests/data/tables/make_workbooks.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent


def xlsx() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover.append(["Police workforce by force (synthetic figures for loader tests)"])
    cover.append(["This workbook contains tables 1 and 2 and a long table."])
    t1 = wb.create_sheet("Table 1")
    t1.append(["Table 1: Workforce by force, full-time equivalent"])
    t1.append(["Publisher: Test Office"])
    t1.append([])
    t1.append([None, "Police officers", None, "Police staff", None])
    t1.append(["Force name", "2018", "2019", "2018", "2019"])
    t1.append(["Surrey Police", 1901, 1902, 1701, 1702])
    t1.append(["Sussex", 2801, 2802.5, "*", 2702])
    t1.append(["Thames Valley", 4001, 4002, 3001, "[c]"])
    t1.append(["South East", 8703, 8706.5, 4702, 4404])
    t2 = wb.create_sheet("Table 2")
    t2.append(["Force", dt.datetime(2019, 3, 31), dt.datetime(2020, 3, 31)])
    t2.append(["Norfolk", 11, 12])
    t2.append(["Suffolk Constabulary", 21, "<5"])
    long = wb.create_sheet("Long")
    long.append(["Force", "Year", "Measure", "Value"])
    long.append(["Wiltshire Police", 2020, "Misconduct hearings", 5])
    long.append(["Wiltshire Police", 2021, "Misconduct hearings", 6])
    long.append(["Dorset Police", 2021, "Misconduct hearings", 7])
    wb.save(HERE / "workbook.xlsx")


def ods() -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Complaints")
    rows: list[list[object]] = [
        ["Complaints recorded by force (synthetic figures for loader tests)"],
        [],
        ["Police force", "2020/21", "2021/22"],
        ["Cumbria Constabulary", 301, 302],
        ["Lincolnshire", 401, ".."],
        ["Total", 702, 302],
    ]
    for values in rows:
        tr = TableRow()
        for v in values:
            numeric = isinstance(v, int)
            cell = TableCell(valuetype="float", value=v) if numeric else TableCell(valuetype="string")
            cell.addElement(P(text=str(v)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(HERE / "workbook.ods"))


if __name__ == "__main__":
    xlsx()
    ods()
