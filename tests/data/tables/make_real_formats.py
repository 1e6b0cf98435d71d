"""Writes the fixture tables laid out as people really receive them (see README.md).

FOI responses as XLSX with a cover sheet, a notes sheet and merged header cells; an ODS export
as LibreOffice writes it (merged cells as covered cells, rows and cells padded with repeats to
the end of the sheet); CSVs exported by Excel (Windows-1252 or UTF-8 with a byte order mark,
CRLF, every row as wide as the widest, title and footnote rows, "*" and ".." marks, thousands
separators). The layouts follow Home Office and IOPC publications; the sentences are this
project's own. Figures for individual forces and bodies are illustrative, except the England
and Wales officer totals (published Home Office figures); officers' names are fictional.

Run from the project root: ``.venv/bin/python tests/data/tables/make_real_formats.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

# -- Home Office workforce, as an FOI response workbook ------------------------------------

_WORKFORCE = [
    # force or heading, officers 2021, 2022, 2023, staff 2021, 2022, 2023
    ("North East", None),
    ("Cleveland", (1297, 1372, 1447, 751, 780, 806)),
    ("Durham [note 2]", (1129, 1191, 1277, 689, 706, 744)),
    ("Northumbria", (3176, 3380, 3580, 1556, 1612, "*")),
    ("Wales", None),
    ("Dyfed-Powys", (1203, 1258, 1309, 746, 763, 789)),
    ("Gwent", (1371, 1437, 1498, 688, 710, 729)),
    ("North Wales", (1548, 1632, 1690, 803, 821, 835)),
    ("South Wales", (3083, 3260, 3427, 1734, 1781, 1850)),
    ("Other", None),
    ("Central Service Secondments [note 3]", (323, 349, 362, "[x]", "[x]", "[x]")),
]
_EW_OFFICERS = (135301, 142526, 147430)  # Home Office, police workforce England and Wales


def workforce_xlsx() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    for line in (
        ["Police workforce by police force area: response to a Freedom of Information request"],
        [],
        ["FOI reference: FOI 2023/04567"],
        ["Question: How many police officers and police staff did each force in the North East and Wales employ?"],
        ["Date of response: 14 June 2023"],
        ["Publisher: Home Office"],
        ["URL: https://www.gov.uk/government/collections/police-workforce-england-and-wales"],
    ):
        cover.append(line)
    notes = wb.create_sheet("Notes")
    notes.append(["Note number", "Note text"])
    notes.append(["note 1", "Figures are full-time equivalents as at 31 March of each year."])
    notes.append(["note 2", "Durham figures for 2021 were revised after first publication."])
    notes.append(["note 3", "Officers seconded to central services are counted apart from their forces."])
    notes.append(["note 4", "The England and Wales total covers all 43 territorial forces, not only those shown."])
    t = wb.create_sheet("Table 1")
    t.append(["Table 1: Police officers and police staff by force area, full-time equivalent, as at 31 March [note 1]"])
    t.merge_cells("A1:G1")
    t.append(["This worksheet holds one table. Cells marked [x] are not available; * is withheld."])
    t.append([])
    t.append(["Force name", "Police officers", None, None, "Police staff", None, None])
    t.merge_cells("A4:A5")
    t.merge_cells("B4:D4")
    t.merge_cells("E4:G4")
    years = [dt.datetime(2021, 3, 31), dt.datetime(2022, 3, 31), dt.datetime(2023, 3, 31)]
    t.append([None, *years, *years])
    for name, figures in _WORKFORCE:
        t.append([name, *(figures or ())])
    t.append(["England and Wales [note 4]", *_EW_OFFICERS, None, None, None])
    t.append([])
    t.append(["Source: Home Office, Police workforce, England and Wales statistics"])
    wb.save(HERE / "foi_workforce_response.xlsx")


# -- IOPC deaths in or following police custody, as an ODS export ------------------------

_DEATHS = [
    ("Metropolitan Police", (3, 4, 2, 5, 3)),
    ("West Midlands", (1, 0, 2, 1, 1)),
    ("Greater Manchester", (2, 1, 0, 1, 2)),
    ("British Transport Police", (0, 1, 0, 0, 1)),
    ("MoD Police", (0, 0, 0, 0, 0)),
    ("Civil Nuclear Constabulary", (0, 0, 0, 0, 0)),
    ("HMRC", (0, 0, 1, 0, 0)),
    ("SOCA / NCA", (0, 1, 0, 0, 0)),
    ("Home Office (Border Force)", (0, 0, 0, 1, 0)),
    ("Not recorded", (1, 0, 0, 0, 0)),
    ("Total", (7, 7, 5, 8, 7)),
]


def deaths_ods() -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()

    def text(value: str, **attrs: object) -> TableCell:
        cell = TableCell(valuetype="string", **attrs)
        cell.addElement(P(text=value))
        return cell

    def number(value: int) -> TableCell:
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
        return cell

    def pad(row: TableRow, used: int) -> None:
        row.addElement(TableCell(numbercolumnsrepeated=1024 - used))  # LibreOffice pads to the sheet's width

    contents = Table(name="Contents")
    for line in ("Deaths during or following police contact: statistics tables", "Table 3: deaths in custody by force"):
        r = TableRow()
        r.addElement(text(line))
        pad(r, 1)
        contents.addElement(r)
    doc.spreadsheet.addElement(contents)

    t = Table(name="Table 3")
    title = TableRow()
    title.addElement(text("Deaths in or following police custody, by force and financial year", numbercolumnsspanned=7))
    title.addElement(CoveredTableCell(numbercolumnsrepeated=6))
    pad(title, 7)
    t.addElement(title)
    r = TableRow()
    r.addElement(text("Publisher: Independent Office for Police Conduct"))
    pad(r, 1)
    t.addElement(r)
    t.addElement(TableRow(numberrowsrepeated=1))
    header = TableRow()
    for h in ("Force", "2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "Total"):
        header.addElement(text(h))
    pad(header, 7)
    t.addElement(header)
    for name, figures in _DEATHS:
        row = TableRow()
        row.addElement(text(name))
        for v in figures:
            row.addElement(number(v))
        row.addElement(number(sum(figures)))
        pad(row, 7)
        t.addElement(row)
    empty = TableRow(numberrowsrepeated=1048576 - 4 - len(_DEATHS))
    empty.addElement(TableCell(numbercolumnsrepeated=1024))
    t.addElement(empty)
    doc.spreadsheet.addElement(t)
    doc.save(str(HERE / "iopc_deaths_by_force.ods"))


# -- IOPC case to answer by force, as Excel exports it to CSV ----------------------------

_CASE_TO_ANSWER = [
    # force or body, completed, case to answer, percent
    ("Avon and Somerset Constabulary", "14", "5", "36"),
    ("Devon & Cornwall Police", "11", "*", "*"),
    ("Metropolitan Police Service", "1,046", "318", "30"),
    ("West Yorkshire Police", "17", "6", "35"),
    ("National Crime Agency", "3", "*", "*"),
    ("HM Revenue & Customs", "2", "..", ".."),
    ("Home Office", "4", "*", "*"),
    ("Total", "1,097", "334", "30"),
]


def case_to_answer_csvs() -> None:
    import csv
    import io

    rows = [
        ["Table 6: IOPC independent investigations completed in 2022/23, by force, "
         "and those finding a case to answer for misconduct or gross misconduct"],
        ["Publisher: Independent Office for Police Conduct"],
        [],
        ["Force", "Investigations completed", "Case to answer", "Proportion with a case to answer (%)"],
        *([*r] for r in _CASE_TO_ANSWER),
        [],
        ["* Fewer than five investigations: not shown. .. Not applicable."],
        ["Source: IOPC – annual statistics on independent investigations"],
    ]  # fmt: skip
    width = 6  # Excel writes every row as wide as the widest, empty cells and all
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([*r, *[""] * (width - len(r))] for r in rows)
    text = buf.getvalue()
    (HERE / "iopc_case_to_answer_excel.csv").write_bytes(text.encode("cp1252"))
    (HERE / "iopc_case_to_answer_excel_utf8.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


# -- misconduct hearings: an FOI compilation across forces, and one force's own response --


def hearings_xlsx() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover.append(["Misconduct hearings and their outcomes: compiled from force FOI responses"])
    cover.append(["FOI reference: Multiple (see each force's response)"])
    cover.append(["Publisher: policing-kb test fixtures"])
    t = wb.create_sheet("Hearings")
    t.append(["Misconduct hearings held in public, with outcomes and appeals"])
    t.append([])
    t.append(
        [
            "Case reference",
            "Force",
            "Officer",
            "Rank",
            "Allegation",
            "Investigated by",
            "Hearing type",
            "Date of hearing",
            "Outcome",
            "Appeal to the Police Appeals Tribunal",
            "Appeal date",
        ]
    )
    rows = [
        ["MH-101", "Kent Police", "Robin Ashdown", "PC", "Misuse of police systems", "IOPC",
         "Gross misconduct hearing", dt.datetime(2022, 5, 17), "Dismissed without notice",
         "Allowed - reinstated with a final written warning", "March 2023"],
        ["MH-102", "Kent Police", "Officer A", "Sergeant", "Discreditable conduct", "Local",
         "Misconduct meeting", dt.datetime(2022, 9, 2), "Written warning", "Not appealed", None],
        ["MH-103", "Essex", "Sam Oakridge", "DC", "Sexual misconduct", "Directed (IOPC)",
         "Gross misconduct hearing", "October 2021", "Dismissed without notice", "Dismissed", "2022"],
        ["MH-104", "Metropolitan Police", "Lee Fenwick", "Inspector", "Honesty and integrity", "Independent",
         "Accelerated misconduct hearing", "2023", "Would have been dismissed", None, None],
        ["MH-105", "Gotham Constabulary", "Officer B", "PC", "Discreditable conduct", "Local",
         "Misconduct hearing", dt.datetime(2023, 1, 9), "Final written warning", None, None],
    ]  # fmt: skip
    for r in rows:
        t.append(r)
    t.append([])
    t.append(["Names are published where the hearing was held in public."])
    wb.save(HERE / "misconduct_hearings_foi.xlsx")

    one = Workbook()
    s = one.active
    s.title = "Response"
    s.append(["Officers subject to misconduct proceedings, 2021 to 2023"])
    s.append([])
    s.append(["Officer rank", "Allegation", "Outcome", "Date"])
    s.append(["PC", "Use of force", "Reflective practice", "2021"])
    s.append(["Sergeant", "Honesty and integrity", "Final written warning", "2022"])
    s.append(["Chief Inspector", "Discreditable conduct", "No case to answer", "2023"])
    one.save(HERE / "kent_misconduct_foi.xlsx")


if __name__ == "__main__":
    workforce_xlsx()
    deaths_ods()
    case_to_answer_csvs()
    hearings_xlsx()
