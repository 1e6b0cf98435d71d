"""Tables in the formats people really receive, and the bodies real tables list beside forces.

The fixtures (written by tests/data/tables/make_real_formats.py) are laid out as Home Office
and IOPC tables are published and as FOI responses arrive: an XLSX with a cover sheet, a notes
sheet and merged header cells; an ODS as LibreOffice writes it; CSVs exported by Excel in
Windows-1252 and in UTF-8 with a byte order mark. Each loads with no mapping file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.app.pipeline import load_paths
from kb.model import Entity, Facts
from kb.store.memory import MemoryStore
from loaders.base import LoadError
from loaders.tables import TableLoader
from loaders.tables.subjects import resolve

DATA = Path(__file__).parent / "data" / "tables"


def _stats(facts: Facts) -> dict[tuple[str, str, str], Entity]:
    """Statistics by (subject id, measure, period as written)."""
    about = {r.source: r.target for r in facts.relations if r.type == "ABOUT"}
    return {
        (about[e.id], str(e.props["measure"]), str(e.props.get("period", ""))): e
        for e in facts.entities
        if e.type == "Statistic"
    }


# -- the subjects real tables list beside the forces -----------------------------------------


@pytest.mark.parametrize(
    ("text", "entity_id", "entity_type"),
    [
        ("National Crime Agency", "org/nca", "Organisation"),
        ("NCA", "org/nca", "Organisation"),
        ("SOCA", "org/nca", "Organisation"),
        ("Serious Organised Crime Agency", "org/nca", "Organisation"),
        ("SOCA / NCA", "org/nca", "Organisation"),
        ("SOCA/NCA", "org/nca", "Organisation"),
        ("NCA (formerly SOCA)", "org/nca", "Organisation"),
        ("HMRC", "org/hmrc", "Organisation"),
        ("HM Revenue & Customs", "org/hmrc", "Organisation"),
        ("His Majesty's Revenue and Customs", "org/hmrc", "Organisation"),
        ("Border Force", "org/border-force", "Organisation"),
        ("UK Border Force", "org/border-force", "Organisation"),
        ("Home Office (Border Force)", "org/border-force", "Organisation"),
        ("UKBA", "org/ukba", "Organisation"),
        ("Home Office", "org/home-office", "Organisation"),
        ("Central Service Secondments", "org/central-service-secondments", "Organisation"),
        ("Central Service Secondments [note 3]", "org/central-service-secondments", "Organisation"),
        ("Central Services Secondments", "org/central-service-secondments", "Organisation"),
        ("Gangmasters and Labour Abuse Authority", "org/glaa", "Organisation"),
        ("Ministry of Defence Police", "force/ministry-of-defence-police", "PoliceForce"),
        ("MoD Police", "force/ministry-of-defence-police", "PoliceForce"),
        ("MOD Police", "force/ministry-of-defence-police", "PoliceForce"),
        ("M.O.D. Police", "force/ministry-of-defence-police", "PoliceForce"),
        ("MDP", "force/ministry-of-defence-police", "PoliceForce"),
        ("Ministry of Defence", "force/ministry-of-defence-police", "PoliceForce"),
        ("Civil Nuclear Constabulary", "force/civil-nuclear-constabulary", "PoliceForce"),
        ("Civil Nuclear Constabulary (CNC)", "force/civil-nuclear-constabulary", "PoliceForce"),
        ("CNC", "force/civil-nuclear-constabulary", "PoliceForce"),
        ("UKAEA Constabulary", "force/civil-nuclear-constabulary", "PoliceForce"),
        ("Strathclyde Police", "force/strathclyde", "PoliceForce"),
        ("Strathclyde", "force/strathclyde", "PoliceForce"),
        ("Lothian & Borders", "force/lothian-and-borders", "PoliceForce"),
        ("Dumfries and Galloway Constabulary", "force/dumfries-and-galloway", "PoliceForce"),
        ("Grampian", "force/grampian", "PoliceForce"),
        ("Tayside Police", "force/tayside", "PoliceForce"),
        ("Fife Constabulary", "force/fife", "PoliceForce"),
        ("Central Scotland Police", "force/central-scotland", "PoliceForce"),
        ("Northern Constabulary", "force/northern-constabulary", "PoliceForce"),
        ("Police Service of Northern Ireland", "force/northern-ireland", "PoliceForce"),
        ("PSNI", "force/northern-ireland", "PoliceForce"),
        ("Royal Ulster Constabulary", "force/northern-ireland", "PoliceForce"),
        ("States of Jersey Police", "force/jersey", "PoliceForce"),
        ("Guernsey Police", "force/guernsey", "PoliceForce"),
        ("Isle of Man Constabulary", "force/isle-of-man", "PoliceForce"),
        ("Port of Dover Police", "force/port-of-dover", "PoliceForce"),
        ("Port of Liverpool Police", "force/port-of-liverpool", "PoliceForce"),
        ("Belfast Harbour Police", "force/belfast-harbour", "PoliceForce"),
        ("Mersey Tunnels Police", "force/mersey-tunnels", "PoliceForce"),
    ],
)
def test_other_law_enforcement_bodies_resolve(text: str, entity_id: str, entity_type: str) -> None:
    subj = resolve(text)
    assert subj is not None, text
    assert (subj.id, subj.type) == (entity_id, entity_type)


@pytest.mark.parametrize(
    "text",
    [
        "Cumbria / Lancashire",  # a combined label of two forces is about neither
        "Metropolitan (incl. City of London)",  # nor one force's figures with another's
        "Not recorded",
        "Other",
        "Northern",  # Northern Constabulary? or a region? nothing is guessed
        "Central",
    ],
)
def test_what_names_no_one_or_several_resolves_to_nothing(text: str) -> None:
    assert resolve(text) is None


# -- a Home Office workforce FOI response: cover and notes sheets, merged header cells --------


def test_workforce_foi_workbook() -> None:
    (facts,) = TableLoader().load(DATA / "foi_workforce_response.xlsx")
    src = facts.source.props
    # The cover sheet cites the table: FOI reference, question, date, publisher, URL.
    assert src["foiReference"] == "FOI 2023/04567"
    assert str(src["foiQuestion"]).startswith("How many police officers")
    assert (src["published"], src["publisher"], src["sourceKind"]) == ("2023-06-14", "Home Office", "foi-table")
    assert src["sheet"] == "Table 1" and src["skippedRows"] == 0
    assert str(src["title"]).startswith("Table 1: Police officers and police staff")
    s = _stats(facts)
    # Merged group headers over date-typed year headers name the measure of every column.
    cleveland = s[("force/cleveland", "Police officers", "2023-03-31")]
    assert (cleveland.props["value"], cleveland.props["measureConcept"]) == (1447, "officer-headcount")
    assert cleveland.evidence[0].locator == "Table 1!R7C4"
    staff = s[("force/south-wales", "Police staff", "2021-03-31")]
    assert (staff.props["value"], staff.props["measureConcept"]) == (1734, "staff-headcount")
    assert s[("force/durham", "Police officers", "2021-03-31")].props["value"] == 1129  # "Durham [note 2]"
    withheld = s[("force/northumbria", "Police staff", "2023-03-31")]
    assert withheld.props["status"] == "suppressed" and "value" not in withheld.props
    # Central Service Secondments is every Home Office table's row: an Organisation, not a force.
    css = s[("org/central-service-secondments", "Police officers", "2023-03-31")]
    assert css.props["value"] == 362
    assert s[("org/central-service-secondments", "Police staff", "2023-03-31")].props["valueText"] == "[x]"
    kinds = {e.id: e.type for e in facts.entities if e.type != "Statistic"}
    assert kinds["org/central-service-secondments"] == "Organisation"
    assert not any(k.startswith("force/") and "secondment" in k for k in kinds)
    # The England and Wales row holds the published totals.
    assert [
        s[("place/england-and-wales", "Police officers", f"{y}-03-31")].props["value"] for y in (2021, 2022, 2023)
    ] == [
        135301,
        142526,
        147430,
    ]
    # Region headings ("North East", "Wales", "Other") carry no figures and are not subjects.
    assert {k[0] for k in s} == {
        "force/cleveland", "force/durham", "force/northumbria", "force/dyfed-powys", "force/gwent",
        "force/north-wales", "force/south-wales", "org/central-service-secondments", "place/england-and-wales",
    }  # fmt: skip
    assert any("sheet 'Cover' skipped" in w for w in facts.warnings)


# -- an IOPC deaths table as LibreOffice exports it (ODS) -------------------------------------


def test_iopc_deaths_ods_with_other_bodies_and_an_unknown_row() -> None:
    (facts,) = TableLoader().load(DATA / "iopc_deaths_by_force.ods")
    s = _stats(facts)
    measure = "Deaths in or following police custody"
    assert s[("force/metropolitan", measure, "2017/18")].props["value"] == 5
    assert s[("org/hmrc", measure, "2016/17")].props["value"] == 1
    assert s[("org/nca", measure, "2015/16")].props["value"] == 1  # "SOCA / NCA"
    assert s[("org/border-force", measure, "2017/18")].props["value"] == 1  # "Home Office (Border Force)"
    assert s[("force/ministry-of-defence-police", measure, "2014/15")].props["value"] == 0
    assert s[("force/civil-nuclear-constabulary", measure, "Total")].props["value"] == 0
    assert all(e.props["measureConcept"] == "deaths-in-custody" for e in s.values())
    # "Not recorded" is nobody: its row is skipped with a warning naming file, row and text,
    # and the Source counts it. It never becomes a force.
    assert facts.source.props["skippedRows"] == 1
    (warning,) = [w for w in facts.warnings if "Not recorded" in w]
    assert "iopc_deaths_by_force.ods:14 (sheet 'Table 3', row 14, column 'Force')" in warning
    assert "unknown force or region 'Not recorded'" in warning
    assert not any("recorded" in e.id for e in facts.entities)
    with pytest.raises(LoadError, match="unknown force or region 'Not recorded'"):
        TableLoader(strict=True).load(DATA / "iopc_deaths_by_force.ods")


# -- IOPC case to answer by force, as Excel writes "CSV" and "CSV UTF-8" ----------------------


@pytest.mark.parametrize("name", ["iopc_case_to_answer_excel.csv", "iopc_case_to_answer_excel_utf8.csv"])
def test_excel_csv_exports(name: str) -> None:
    raw = (DATA / name).read_bytes()
    assert raw.count(b"\r\n") > 10 and b",,\r\n" in raw  # CRLF, rows padded to the widest
    assert raw.startswith(b"\xef\xbb\xbf") == name.endswith("utf8.csv")
    (facts,) = TableLoader().load(DATA / name)
    s = _stats(facts)
    met = s[("force/metropolitan", "Investigations completed", "2022/23")]
    assert met.props["value"] == 1046 and met.evidence[0].quote == "1,046"  # thousands separator
    cta = s[("force/metropolitan", "Case to answer", "2022/23")]
    assert (cta.props["value"], cta.props["measureConcept"]) == (318, "cases-to-answer")
    share = s[("force/metropolitan", "Proportion with a case to answer (%)", "2022/23")]
    assert (share.props["value"], share.props["unit"]) == (30, "percent") and "measureConcept" not in share.props
    star = s[("force/devon-and-cornwall", "Case to answer", "2022/23")]
    assert (star.props["status"], star.props["valueText"]) == ("suppressed", "*")
    dots = s[("org/hmrc", "Case to answer", "2022/23")]
    assert (dots.props["status"], dots.props["valueText"]) == ("suppressed", "..")
    assert s[("org/nca", "Investigations completed", "2022/23")].props["value"] == 3
    assert s[("org/home-office", "Investigations completed", "2022/23")].props["value"] == 4
    assert s[("place/england", "Investigations completed", "2022/23")].props["value"] == 1097
    assert facts.source.props["publisher"] == "Independent Office for Police Conduct"
    # The footnotes under the table are not rows of figures.
    assert len(s) == 8 * 3


def test_both_exports_store_the_same_figures() -> None:
    a, b = (
        TableLoader().load(DATA / n)[0] for n in ("iopc_case_to_answer_excel.csv", "iopc_case_to_answer_excel_utf8.csv")
    )
    assert {k: e.props for k, e in _stats(a).items()} == {k: e.props for k, e in _stats(b).items()}


# -- a table of 50 rows in which 48 are understood loads the 48 -------------------------------


def test_unknown_rows_are_skipped_and_counted_through_the_pipeline(tmp_path: Path) -> None:
    rows = ["Force,2021/22,2022/23"]
    rows += [f"{name},{10 + k},{20 + k}" for k, name in enumerate(_FORTY_EIGHT)]
    rows += ["Gotham City Police,1,2", "Ruritania Constabulary,3,4"]
    table = tmp_path / "complaints.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = MemoryStore(tmp_path / "kb.snapshot")
    report = load_paths(store, [table])
    assert report.skipped_rows == 2
    assert sum("unknown force or region" in w for w in report.warnings) == 2
    assert any(
        "complaints.csv:50 (row 50, column 'Force'): unknown force or region 'Gotham City Police'" in w
        for w in report.warnings
    )
    (source,) = [n for n in store.iter_nodes("Source") if n.props.get("file") == "complaints.csv"]
    assert source.props["skippedRows"] == 2
    assert len(store.mentions(source.id)) >= 48 * 2
    assert store.get("force/gotham-city-police") is None
    assert not any("gotham" in n.id or "ruritania" in n.id for n in store.iter_nodes())
    # --strict keeps the old all-or-nothing behaviour: nothing is written.
    strict_store = MemoryStore(tmp_path / "strict.snapshot")
    with pytest.raises(LoadError, match=r"'Gotham City Police'.*also 'Ruritania Constabulary' \(row 51\)"):
        load_paths(strict_store, [table], strict=True)
    assert strict_store.stats().total_entities == 0 and not (tmp_path / "strict.snapshot").exists()


def test_a_table_naming_nobody_known_is_an_error(tmp_path: Path) -> None:
    # With a force column found and every row unknown, loading nothing silently would hide it.
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\n", encoding="utf-8")
    (facts,) = TableLoader().load(table)
    assert facts.source.props["skippedRows"] == 0
    table.write_text("Force,2019,Notes\nKent,,no return\nNowhere Police,1,\nElsewhere Police,3,\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"unknown force or region 'Nowhere Police'.*no other row holds figures"):
        TableLoader().load(table)


def test_skipped_warnings_are_capped_per_table(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\n" + "".join(f"Nowhere {k},{k}\n" for k in range(60)), encoding="utf-8")
    (facts,) = TableLoader().load(table)
    assert facts.source.props["skippedRows"] == 60
    assert len(facts.warnings) == 21 and facts.warnings[-1].endswith("40 more rows skipped (unknown force or region)")


def test_blank_rows_under_an_unknown_subject_are_skipped_with_it(tmp_path: Path) -> None:
    # A long table names each subject once above its rows (merged cells): the rows under an
    # unknown subject belong to it, not to the known force above.
    table = tmp_path / "t.csv"
    table.write_text(
        "Force,Year,Measure,Value\nKent,2019,Complaints,1\n,2020,Complaints,2\n"
        "Nowhere Police,2019,Complaints,3\n,2020,Complaints,4\nEssex,2019,Complaints,5\n",
        encoding="utf-8",
    )
    (facts,) = TableLoader().load(table)
    s = _stats(facts)
    assert sorted((k[0], k[2], e.props["value"]) for k, e in s.items()) == [
        ("force/essex", "2019", 5),
        ("force/kent", "2019", 1),
        ("force/kent", "2020", 2),
    ]
    assert facts.source.props["skippedRows"] == 2
    assert "continues the rows of 'Nowhere Police'" in facts.warnings[1]


_FORTY_EIGHT = [
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London", "Cleveland", "Cumbria",
    "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Dyfed-Powys", "Essex", "Gloucestershire",
    "Greater Manchester", "Gwent", "Hampshire", "Hertfordshire", "Humberside", "Kent", "Lancashire",
    "Leicestershire", "Lincolnshire", "Merseyside", "Metropolitan Police", "Norfolk", "North Wales",
    "North Yorkshire", "Northamptonshire", "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire",
    "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire", "West Mercia",
    "West Midlands", "West Yorkshire", "Wiltshire", "British Transport Police", "National Crime Agency", "HMRC",
    "Civil Nuclear Constabulary", "Ministry of Defence Police",
]  # fmt: skip
