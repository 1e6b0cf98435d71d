"""The FOI / official statistics table loader on fixture tables of every shape.

Fixture figures in tests/data/tables are synthetic (shape tests); the bundled sample tables
in data/sample hold real published figures and are checked against them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kb.identity import hashed_id
from kb.model import Entity, Facts
from kb.paths import sample_dir
from loaders.base import LoadError
from loaders.tables import TableLoader
from loaders.tables.read import Limits

DATA = Path(__file__).parent / "data" / "tables"


def load(path: Path, loader: TableLoader | None = None) -> list[Facts]:
    return (loader or TableLoader()).load(path)


def stats(facts: Facts) -> dict[tuple[str, str], Entity]:
    """Statistics keyed by (subject id, period as written)."""
    about = {r.source: r.target for r in facts.relations if r.type == "ABOUT"}
    return {(about[e.id], str(e.props.get("period", ""))): e for e in facts.entities if e.type == "Statistic"}


# -- shapes -----------------------------------------------------------------------------


def test_accepts_table_suffixes_only() -> None:
    loader = TableLoader()
    for name in ("a.csv", "a.TSV", "a.xlsx", "a.ods", "a.xls"):
        assert loader.accepts(Path(name), b"")
    for name in ("a.txt", "a.md", "a.html", "a.yaml"):
        assert not loader.accepts(Path(name), b"")


def test_wide_financial_years_with_titles_notes_totals_and_markers() -> None:
    (facts,) = load(DATA / "wide_financial_years.csv")
    s = stats(facts)
    # Every spelling of a force resolves with no mapping file.
    forces = {e.id for e in facts.entities if e.type == "PoliceForce"}
    assert forces == {
        "force/cleveland", "force/durham", "force/avon-and-somerset", "force/dyfed-powys",
        "force/metropolitan", "force/kent", "force/btp",
    }  # fmt: skip
    first = s[("force/cleveland", "2016/17")]
    assert first.props["value"] == 101
    assert first.props["status"] == "reported"
    assert (first.props["periodStart"], first.props["periodEnd"]) == ("2016-04-01", "2017-03-31")
    assert first.props["measure"] == "Complaint cases recorded"
    assert first.props["measureConcept"] == "complaints"
    assert first.props["unit"] == "count"
    assert first.evidence[0].locator == "row 6, column '2016/17'"
    assert first.evidence[0].method == "table"
    # Footnote markers: the number is kept, "(r)" marks a revision.
    assert s[("force/durham", "2017/18")].props["value"] == 112
    assert s[("force/durham", "2017/18")].evidence[0].quote == "112*"
    revised = s[("force/avon-and-somerset", "2018/19")]
    assert (revised.props["value"], revised.props["status"]) == (123, "revised")
    # Suppression markers are kept as suppressed statistics with no value, never 0.
    for key, raw in (
        (("force/dyfed-powys", "2017/18"), "*"),
        (("force/dyfed-powys", "2018/19"), "[c]"),
        (("force/metropolitan", "2018/19"), "<5"),
        (("force/kent", "2017/18"), "-"),
        (("force/kent", "2018/19"), ".."),
        (("force/btp", "2016/17"), "n/a"),
    ):
        e = s[key]
        assert e.props["status"] == "suppressed", key
        assert "value" not in e.props, key
        assert e.props["valueText"] == raw
    assert s[("force/metropolitan", "2018/19")].props["qualifier"] == "under"
    # A real zero stays a zero.
    assert s[("place/wales", "2017/18")].props["value"] == 0
    # Regional subtotals and totals are statistics about places, not forced onto a force.
    assert s[("place/north-east", "2016/17")].props["value"] == 212
    assert s[("place/england", "2018/19")].props["value"] == 1002
    assert s[("place/england-and-wales", "2016/17")].props["value"] == 1131
    places = {e.id: e for e in facts.entities if e.type == "Place"}
    assert set(places) == {"place/north-east", "place/wales", "place/england", "place/england-and-wales"}
    # The Total column covers the span of the year columns.
    total = s[("force/cleveland", "Total")]
    assert (total.props["periodStart"], total.props["periodEnd"], total.props["value"]) == (
        "2016-04-01",
        "2019-03-31",
        306,
    )
    # The text "Region" column describes the force; it is not a figure.
    assert not any("Region" in str(e.props.get("measure")) for e in facts.entities if e.type == "Statistic")
    assert len(s) == 11 * 4
    assert str(facts.source.props["title"]).startswith("Table 3: Complaint cases recorded")
    assert facts.source.props["sourceKind"] == "dataset"
    assert len(str(facts.source.props["sha256"])) == 64


def test_long_semicolon_windows_1252() -> None:
    (facts,) = load(DATA / "long_semicolon_cp1252.csv")
    by_measure = {
        (e.props["measure"], e.props["period"], e.name.split(": ")[1]): e
        for e in facts.entities
        if e.type == "Statistic"
    }
    cost = by_measure[("Misconduct costs (£)", "2019/20", "Thames Valley Police, 2019/20")]
    assert cost.props["value"] == 1200
    assert cost.props["unit"] == "GBP"
    dismissed = by_measure[("Officers dismissed", "2020/21", "Devon & Cornwall Police, 2020/21")]
    assert dismissed.props["value"] == 12
    assert dismissed.props["measureConcept"] == "dismissals"
    gwent = by_measure[("Officers dismissed", "2020/21", "Gwent Police, 2020/21")]
    assert gwent.props["status"] == "suppressed" and gwent.props["valueText"] == "–"
    assert len(by_measure) == 7


def test_tsv_with_bom_and_month_headers() -> None:
    (facts,) = load(DATA / "wide_months_bom.tsv")
    s = stats(facts)
    assert s[("force/greater-manchester", "March 2019")].props["value"] == 6300
    # Month headers are snapshots at the month's end by default ("as at 31 March 2019").
    assert s[("force/greater-manchester", "March 2019")].props["periodStart"] == "2019-03-31"
    sep = s[("force/west-yorkshire", "Sep-19")]
    assert (sep.props["periodStart"], sep.props["periodEnd"], sep.props["value"]) == ("2019-09-30", "2019-09-30", 5050)
    assert ("force/northern-ireland", "March 2020") in s
    assert facts.source.props["format"] == "text/tab-separated-values"
    assert facts.warnings == []


def test_mapping_reads_month_headers_as_whole_months(tmp_path: Path) -> None:
    table = tmp_path / "months.tsv"
    shutil.copy(DATA / "wide_months_bom.tsv", table)
    (tmp_path / "months.mapping.yaml").write_text("period_type: month\nmeasure: Police officers\n", encoding="utf-8")
    (facts,) = load(table)
    e = stats(facts)[("force/greater-manchester", "March 2019")]
    assert (e.props["periodStart"], e.props["periodEnd"]) == ("2019-03-01", "2019-03-31")
    assert e.props["measure"] == "Police officers"
    assert e.props["measureConcept"] == "officer-headcount"


def test_two_digit_financial_years() -> None:
    (facts,) = load(DATA / "two_digit_years.csv")
    e = stats(facts)[("force/merseyside", "04/05")]
    assert (e.props["periodStart"], e.props["periodEnd"], e.props["value"]) == ("2004-04-01", "2005-03-31", 31)


def test_xlsx_every_sheet_group_headers_and_typed_cells() -> None:
    facts = load(DATA / "workbook.xlsx")
    assert [f.source.props["sheet"] for f in facts] == ["Table 1", "Table 2", "Long"]
    assert any("Cover" in w for w in facts[0].warnings)  # the cover sheet is skipped, and said so
    assert len({f.source.id for f in facts}) == 3
    t1 = facts[0]
    assert t1.source.props["publisher"] == "Test Office"
    by = {(e.props["measure"], e.name.split(": ")[1]): e for e in t1.entities if e.type == "Statistic"}
    officers = by[("Police officers", "Sussex Police, 2019")]
    assert officers.props["value"] == 2802.5
    assert officers.evidence[0].locator == "Table 1!R7C3"
    assert officers.props["measureConcept"] == "officer-headcount"
    staff = by[("Police staff", "Sussex Police, 2018")]
    assert staff.props["status"] == "suppressed" and "value" not in staff.props
    assert staff.props["measureConcept"] == "staff-headcount"
    assert by[("Police officers", "South East, 2018")].props["value"] == 8703
    # Date-typed header cells are periods.
    t2 = stats(facts[1])
    assert t2[("force/norfolk", "2019-03-31")].props["periodEnd"] == "2019-03-31"
    assert t2[("force/suffolk", "2020-03-31")].props["status"] == "suppressed"
    long = [e for e in facts[2].entities if e.type == "Statistic"]
    assert sorted(e.props["value"] for e in long) == [5, 6, 7]
    assert {e.props["measure"] for e in long} == {"Misconduct hearings"}


def test_xlsx_one_named_sheet(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copy(DATA / "workbook.xlsx", book)
    (tmp_path / "book.mapping.toml").write_text('sheet = "Long"\n', encoding="utf-8")
    (facts,) = load(book)
    assert facts.source.props["sheet"] == "Long"
    (tmp_path / "book.mapping.toml").write_text('sheet = "Nope"\n', encoding="utf-8")
    with pytest.raises(LoadError, match="no sheet named 'Nope'"):
        load(book)


def test_ods() -> None:
    (facts,) = load(DATA / "workbook.ods")
    s = stats(facts)
    assert s[("force/cumbria", "2020/21")].props["value"] == 301
    assert s[("force/lincolnshire", "2021/22")].props["status"] == "suppressed"
    # Both forces are English, so the Total row covers England.
    assert s[("place/england", "2020/21")].props["value"] == 702
    assert facts.source.props["format"] == "application/vnd.oasis.opendocument.spreadsheet"


def test_mapping_file_sets_subject_measures_and_foi_metadata() -> None:
    (facts,) = load(DATA / "with_mapping.csv")
    src = facts.source.props
    assert src["sourceKind"] == "foi-table"
    assert src["foiReference"] == "FOI-2024-0001"
    assert src["foiQuestion"] == "How many deaths were there each year?"
    assert src["published"] == "2024-05-01"
    assert src["publisher"] == "Test Office"
    s = {(e.props["measure"], e.props["period"]): e for e in facts.entities if e.type == "Statistic"}
    deaths = s[("Deaths in custody", "2017")]
    assert deaths.props["value"] == 7 and deaths.props["measureConcept"] == "deaths-in-custody"
    assert (deaths.props["periodStart"], deaths.props["periodEnd"]) == ("2017-01-01", "2017-12-31")
    assert s[("Fatal police shootings", "2017")].props["status"] == "suppressed"
    about = {r.target for r in facts.relations if r.type == "ABOUT"}
    assert about == {"place/england-and-wales"}


def test_case_table_creates_allegations_investigations_outcomes() -> None:
    (facts,) = load(DATA / "misconduct_hearings.csv")
    by_type: dict[str, list[Entity]] = {}
    for e in facts.entities:
        by_type.setdefault(e.type, []).append(e)
    assert len(by_type["Allegation"]) == 4
    assert len(by_type["Investigation"]) == 4
    assert len(by_type["Outcome"]) == 4
    assert "Statistic" not in by_type
    cats = {str(e.props["categoryLabel"]): e.props["category"] for e in by_type["Allegation"]}
    assert cats == {
        "Discreditable conduct": "discreditable-conduct",
        "Misuse of police systems": "misuse-of-systems",
        "Sexual misconduct": "sexual-misconduct",
        "Honesty and integrity": "dishonesty",
    }
    outcomes = {str(e.props["categoryLabel"]): e.props["category"] for e in by_type["Outcome"]}
    assert outcomes == {
        "Dismissed without notice": "dismissed-without-notice",
        "Final written warning": "final-written-warning",
        "Would have been dismissed": "would-have-been-dismissed",
        "No case to answer": "no-case-to-answer",
    }
    ranks = {e.props["rank"]: e.props.get("rankNormalised") for e in by_type["Officer"]}
    assert ranks["PC"] == "Police Constable" and ranks["DC"] == "Detective Constable"
    assert all(e.props["anonymised"] is True for e in by_type["Officer"])
    rels = {(r.type, r.source.split("/")[0], r.target.split("/")[0]) for r in facts.relations}
    assert rels >= {
        ("AGAINST", "allegation", "person"),
        ("SERVES_IN", "person", "force"),
        ("CONCERNS", "investigation", "allegation"),
        ("INVESTIGATED_BY", "investigation", "force"),
        ("RESULTED_IN", "investigation", "outcome"),
    }
    # The chain of the shared model: outcomes result from the hearing, not from the allegation.
    assert ("RESULTED_IN", "allegation", "outcome") not in rels
    dates = {(e.props.get("date"), e.props.get("datePrecision")) for e in by_type["Outcome"]}
    assert ("2021-03-04", "day") in dates


def test_case_table_investigating_body_column(tmp_path: Path) -> None:
    table = tmp_path / "cases.csv"
    table.write_text(
        "Case ref,Force,Allegation,Investigated by,Outcome\n"
        "A1,Kent,Use of force,IOPC,Gross misconduct proven\n"
        "A2,Essex Police,Discreditable conduct,Local,No further action\n",
        encoding="utf-8",
    )
    (facts,) = load(table)
    inv = {r.source: r.target for r in facts.relations if r.type == "INVESTIGATED_BY"}
    # A local investigation is the force's Professional Standards Department's (named as articles name it).
    assert sorted(inv.values()) == ["body/essex-police-professional-standards-department", "body/iopc"]
    assert any(e.id == "body/iopc" and e.type == "OversightBody" for e in facts.entities)
    assert hashed_id("Allegation", facts.source.id, "A1") in {e.id for e in facts.entities}


# -- the bundled sample data --------------------------------------------------------------


def test_sample_tables_load_with_no_mapping() -> None:
    files = sorted(sample_dir().glob("*.csv"))
    assert files, "data/sample holds no CSV tables"
    for f in files:
        assert not list(f.parent.glob(f.stem + ".mapping.*")), "sample tables must auto-detect"
    all_stats: dict[tuple[str, str], Entity] = {}
    by_measure: dict[tuple[str, str, str], Entity] = {}
    for f in files:
        for facts in load(f):
            src = facts.source.props
            assert src.get("publisher") and str(src.get("url", "")).startswith("https://"), f
            assert facts.warnings == [], facts.warnings
            all_stats.update(stats(facts))
            about = {r.source: r.target for r in facts.relations if r.type == "ABOUT"}
            for e in facts.entities:
                if e.type == "Statistic":
                    by_measure[(about[e.id], str(e.props["measure"]), str(e.props["period"]))] = e
    # IOPC deaths in or following police custody: the Total row is about England and Wales.
    deaths = all_stats[("place/england-and-wales", "17/18")]
    assert deaths.props["value"] == 23
    assert deaths.props["measureConcept"] == "deaths-in-custody"
    assert (deaths.props["periodStart"], deaths.props["periodEnd"]) == ("2017-04-01", "2018-03-31")
    assert all_stats[("place/england-and-wales", "04/05")].props["value"] == 36
    assert all_stats[("force/metropolitan", "04/05")].props["value"] == 5
    assert all_stats[("force/avon-and-somerset", "04/05")].props["value"] == 4
    assert all_stats[("force/btp", "17/18")].props["value"] == 0  # a real zero
    assert all_stats[("org/home-office", "09/10")].props["value"] == 1
    whole = all_stats[("force/metropolitan", "Total")]
    assert (whole.props["periodStart"], whole.props["periodEnd"], whole.props["value"]) == (
        "2004-04-01",
        "2019-03-31",
        50,
    )
    officers = all_stats[("place/england-and-wales", "31 March 2019")]
    assert officers.props["value"] == 123171
    assert officers.props["measureConcept"] == "officer-headcount"
    assert officers.props["periodStart"] == officers.props["periodEnd"] == "2019-03-31"
    # Force-level figures (Hansard written answer, 2007): a two-row header of dates over measures.
    met = by_measure[("force/metropolitan", "Police officer strength (FTE)", "31 March 2003")]
    assert met.props["value"] == 28231 and met.props["measureConcept"] == "officer-headcount"
    assert met.evidence[0].locator == "row 31, column '31 March 2003 / Police officer strength (FTE)'"
    rate = by_measure[("force/avon-and-somerset", "Police officers per 100,000 population", "31 March 2001")]
    assert (rate.props["value"], rate.props["unit"]) == (197, "per 100,000")
    assert "measureConcept" not in rate.props
    assert by_measure[("force/city-of-london", "Police officer strength (FTE)", "31 March 2002")].props["value"] == 764
    assert ("force/city-of-london", "Police officers per 100,000 population", "31 March 2002") not in by_measure
    strength = {k[0] for k in by_measure if k[1] == "Police officer strength (FTE)"}
    assert len(strength) == 29
    # The custody table names all 43 territorial forces plus BTP and the MoD Police.
    custody = {k[0] for k in by_measure if k[0].startswith("force/") and "custody" in k[1]}
    assert len(custody) == 45


# -- bad input: a clear error naming file, row and column; nothing returned ---------------


@pytest.mark.parametrize(
    ("name", "pattern", "line", "where"),
    [
        ("bad_unknown_force.csv", "unknown force or region 'Gotham City Police'", 4, "row 4, column 'Force'"),
        ("bad_malformed.csv", "malformed CSV", 3, "row 3"),
        ("bad_text_in_figures.csv", "cannot read 'see note 4' as a number", 3, "row 3, column '2020'"),
        ("bad_binary.csv", "binary data", None, None),
        ("bad_no_forces.csv", "no column names police forces", None, None),
        ("bad_mapping_column.csv", "names column 'Police force area'", None, None),
    ],
)
def test_bad_input_is_a_clear_error(name: str, pattern: str, line: int | None, where: str | None) -> None:
    with pytest.raises(LoadError, match=pattern) as info:
        load(DATA / name, TableLoader(strict=True))
    err = info.value
    assert err.path.endswith(name)
    assert err.line == line
    assert err.where == where
    assert name in str(err)


def test_wrong_encoding_named_in_mapping(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    shutil.copy(DATA / "long_semicolon_cp1252.csv", table)
    (tmp_path / "t.mapping.yaml").write_text("encoding: utf-8\n", encoding="utf-8")
    with pytest.raises(LoadError, match="not valid utf-8") as info:
        load(table)
    assert info.value.line == 3  # the "£" on the third line


def test_undecodable_bytes(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    # Not UTF-8, and 0x81/0x8d/0x8f/0x90 are undefined in Windows-1252.
    table.write_bytes(b"Force,2019\nKent,1\n" + b"\x81\x8d\x8f\x90\x9d" * 3 + b",2\n")
    with pytest.raises(LoadError):
        load(table, TableLoader(strict=True))


def test_huge_cell_and_huge_file(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\nSurrey," + "9" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match="longer than 32,767 characters") as info:
        load(table)
    assert info.value.line == 3
    small = TableLoader(Limits(max_file_bytes=10))
    with pytest.raises(LoadError, match="over the 10-byte limit"):
        small.load(DATA / "two_digit_years.csv")


def test_conflicting_duplicate_rows(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\nKent Police,2\n", encoding="utf-8")
    with pytest.raises(LoadError, match="two different figures") as info:
        load(table)
    assert info.value.line == 3
    # The same figure repeated is one statistic, not an error.
    table.write_text("Force,2019\nKent,1\nKent Police,1\n", encoding="utf-8")
    (facts,) = load(table)
    assert sum(1 for e in facts.entities if e.type == "Statistic") == 1


def test_unknown_mapping_key(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\n", encoding="utf-8")
    (tmp_path / "t.mapping.yaml").write_text("subjcet_column: Force\n", encoding="utf-8")
    with pytest.raises(LoadError, match="unknown mapping key 'subjcet_column'"):
        load(table)


def test_ignore_rows_in_mapping(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\nAverage,2\n", encoding="utf-8")
    with pytest.raises(LoadError, match="'Average'"):
        load(table, TableLoader(strict=True))
    (facts,) = load(table)  # by default the row is skipped, with a warning
    assert facts.source.props["skippedRows"] == 1 and "'Average'" in facts.warnings[0]
    (tmp_path / "t.mapping.yaml").write_text("ignore_rows: [Average]\n", encoding="utf-8")
    (facts,) = load(table)
    assert [e.props["value"] for e in facts.entities if e.type == "Statistic"] == [1]
    assert facts.source.props["skippedRows"] == 0 and not facts.warnings


def test_header_only_table_is_an_error(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,\nSurrey,\n", encoding="utf-8")
    with pytest.raises(LoadError):
        load(table)


def test_empty_file(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load(table)


def test_transposed_table_with_forces_across_the_top() -> None:
    (facts,) = load(DATA / "transposed_forces_across.csv")
    s = stats(facts)
    kent = s[("force/kent", "2020")]
    assert kent.props["value"] == 4
    assert kent.evidence[0].locator == "row 4, column 'Kent'"
    essex = s[("force/essex", "2020")]
    assert essex.props["status"] == "suppressed" and essex.evidence[0].locator == "row 4, column 'Essex Police'"
    assert s[("place/england", "2019")].props["value"] == 6
    assert kent.props["measure"] == "Officers dismissed" and kent.props["measureConcept"] == "dismissals"
    assert len(s) == 8


def test_transposed_table_error_points_at_the_file_cell(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Year,Kent,Essex,Gotham City Police\n2019,1,2,3\n", encoding="utf-8")
    with pytest.raises(LoadError, match="Gotham") as info:
        load(table, TableLoader(strict=True))
    assert info.value.line == 1
    (facts,) = load(table)
    assert facts.source.props["skippedRows"] == 1
    assert facts.warnings == [
        f"{table}:1 (row 1, column 'Gotham City Police'): unknown force or region 'Gotham City Police': "
        "its figures are skipped "
        "(not in the reference aliases; add it to data/reference/forces.csv or bodies.csv, "
        "or list it under ignore_rows in a mapping file)"
    ]


def test_force_with_region_column_is_not_transposed(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,Region,2019\nKent,South East,5\n", encoding="utf-8")
    (facts,) = load(table)
    assert stats(facts)[("force/kent", "2019")].props["value"] == 5


def test_breakdown_columns_qualify_the_measure() -> None:
    (facts,) = load(DATA / "wide_with_rank_breakdown.csv")
    measures = {(e.props["measure"], e.props["period"]): e for e in facts.entities if e.type == "Statistic"}
    assert len(measures) == 4  # Kent has two ranks: different measures, not a clash
    sergeant = measures[("Police officers (Rank: Sergeant)", "2020")]
    assert sergeant.props["value"] == 3 and sergeant.props["measureConcept"] == "officer-headcount"
    (long,) = load(DATA / "long_measure_and_breakdown.csv")
    names = {(e.props["measure"], e.props["value"]) for e in long.entities if e.type == "Statistic"}
    assert names == {
        ("Officers recruited (Sex: Female)", 30),
        ("Officers recruited (Sex: Male)", 40),
        ("Officers dismissed (Sex: Male)", 2),
    }


def test_long_table_blank_cells_repeat_the_row_above() -> None:
    (facts,) = load(DATA / "long_blank_repeats.csv")
    s = {(r.target, e.props["measure"], e.props["period"]): e.props["value"] for e in facts.entities
         for r in facts.relations if r.type == "ABOUT" and r.source == e.id}  # fmt: skip
    assert s == {
        ("force/cheshire", "Complaints recorded", "2020/21"): 10,
        ("force/cheshire", "Allegations recorded", "2020/21"): 20,
        ("force/cheshire", "Complaints recorded", "2021/22"): 11,
        ("force/cumbria", "Complaints recorded", "2020/21"): 30,
    }


def test_revised_column_header_marks_its_figures_revised(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2018/19,2019/20 (r)\nKent,1,2\nEssex,3,*\n", encoding="utf-8")
    (facts,) = load(table)
    s = stats(facts)
    assert s[("force/kent", "2018/19")].props["status"] == "reported"
    assert s[("force/kent", "2019/20 (r)")].props["status"] == "revised"
    assert s[("force/kent", "2019/20 (r)")].props["periodStart"] == "2019-04-01"
    assert s[("force/essex", "2019/20 (r)")].props["status"] == "suppressed"


def test_statistics_about_oversight_bodies(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Organisation,2021/22\nIOPC,5\nCollege of Policing,6\nKent,7\n", encoding="utf-8")
    (facts,) = load(table)
    assert {r.target for r in facts.relations if r.type == "ABOUT"} == {
        "body/iopc",
        "org/college-of-policing",  # a professional body (data/reference/bodies.csv), not an oversight body
        "force/kent",
    }


def test_row_longer_than_the_header_is_an_error(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019/20,2020/21\nKent Police,12,14\nEssex Police,7,9,4,4\n", encoding="utf-8")
    with pytest.raises(LoadError, match="5 cells but the header only 3") as info:
        load(table)
    assert info.value.line == 3


def test_units_from_headers(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "Force,Officers,Female officers (%),Complaints per 1000 employees,Spend (£)\nKent,3800,35.5,250,1200\n",
        encoding="utf-8",
    )
    (facts,) = load(table)
    units = {e.props["measure"]: (e.props["unit"], e.props["value"]) for e in facts.entities if e.type == "Statistic"}
    assert units == {
        "Officers": ("count", 3800),
        "Female officers (%)": ("percent", 35.5),
        "Complaints per 1000 employees": ("per 1,000", 250),
        "Spend (£)": ("GBP", 1200),
    }


def test_case_outcomes_need_a_concept(tmp_path: Path) -> None:
    table = tmp_path / "cases.csv"
    table.write_text("Force,Allegation,Outcome\nKent,Discreditable conduct,Management advice given\n", encoding="utf-8")
    # "Management advice" is no outcome match phrase: an error naming the cell, not a guess.
    with pytest.raises(LoadError, match="cannot classify the outcome") as info:
        load(table)
    assert info.value.where == "row 2, column 'Outcome'"
    (tmp_path / "cases.mapping.yaml").write_text(
        "categories:\n  Management advice given: reflective-practice\n", encoding="utf-8"
    )
    (facts,) = load(table)
    (outcome,) = [e for e in facts.entities if e.type == "Outcome"]
    assert outcome.props["category"] == "reflective-practice"
    (tmp_path / "cases.mapping.yaml").write_text("categories:\n  Management advice given: nonsense\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no allegation or outcome concept"):
        load(table)


def test_toml_mapping_header_row_columns_and_fixed_period(tmp_path: Path) -> None:
    table = tmp_path / "foi.csv"
    # Two header-like rows: the mapping says which one is the header.
    table.write_text(
        "Response to request 2023/118|||\n"
        "Area|Headcount|FTE|Notes\n"
        "Lancashire Constabulary|3,301|3,250.5|includes secondees\n"
        "Cumbria|1,201|1,190|\n",
        encoding="cp1252",
    )
    (tmp_path / "foi.mapping.toml").write_text(
        """
title = "Officers by force (FOI 2023/118)"
delimiter = "|"
encoding = "cp1252"
header_row = 2
subject_column = "Area"
period = "31 March 2023"
ignore = ["Notes"]

[columns.Headcount]
measure = "Police officers (headcount)"
concept = "officer-headcount"

[columns.FTE]
measure = "Police officers (FTE)"

[foi]
reference = "2023/118"
force = "Lancashire"
""",
        encoding="utf-8",
    )
    (facts,) = load(table)
    s = {(e.props["measure"], e.name.split(": ")[1]): e for e in facts.entities if e.type == "Statistic"}
    assert len(s) == 4
    fte = s[("Police officers (FTE)", "Lancashire Constabulary, 31 March 2023")]
    assert fte.props["value"] == 3250.5
    assert (fte.props["periodStart"], fte.props["periodEnd"]) == ("2023-03-31", "2023-03-31")
    assert s[("Police officers (headcount)", "Cumbria Constabulary, 31 March 2023")].props["value"] == 1201
    src = facts.source.props
    assert (src["foiReference"], src["publisher"], src["sourceKind"]) == (
        "2023/118",
        "Lancashire Constabulary",
        "foi-table",
    )
    assert facts.source.name == "Officers by force (FOI 2023/118)"


def test_bad_mapping_values_are_errors(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\n", encoding="utf-8")
    mapping = tmp_path / "t.mapping.yaml"
    for text, pattern in (
        ("header_row: 0\n", "header_row must be a row number"),
        ("period_type: weekly\n", "period_type must be"),
        ("kind: blog\n", "kind must be"),
        ("period: sometime\n", "cannot read 'sometime' as a period"),
        ("columns:\n  '2019': {concept: no-such-measure}\n", "unknown measure concept"),
        ("[1, 2]\n", "key: value"),
        ("title: [unclosed\n", "cannot read the mapping file"),
        ("encoding: klingon\n", "unknown encoding"),
    ):
        mapping.write_text(text, encoding="utf-8")
        with pytest.raises(LoadError, match=re.escape(pattern)):
            load(table)


def test_mapping_can_say_a_dash_means_zero(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019/20,2020/21\nKent,-,3\nEssex,*,-\n", encoding="utf-8")
    (facts,) = load(table)
    assert stats(facts)[("force/kent", "2019/20")].props["status"] == "suppressed"
    (tmp_path / "t.mapping.yaml").write_text('zeros: ["-"]\n', encoding="utf-8")
    (facts,) = load(table)
    s = stats(facts)
    kent = s[("force/kent", "2019/20")]
    assert (kent.props["value"], kent.props["status"], kent.props["valueText"]) == (0, "reported", "-")
    assert s[("force/essex", "2019/20")].props["status"] == "suppressed"


def test_documented_mapping_examples_are_valid(tmp_path: Path) -> None:
    from kb.paths import project_root
    from loaders.tables.mapping import read_mapping

    doc = (project_root() / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(yaml|toml)\n(.*?)```", doc, flags=re.S)
    assert {kind for kind, _ in blocks} == {"yaml", "toml"}
    for kind, text in blocks:
        path = tmp_path / f"example.mapping.{kind}"
        path.write_text(text, encoding="utf-8")
        m = read_mapping(path)
        assert m.subject_column == "Police force area"
        assert m.foi_reference == "FOI 2022/0412"
        assert "Headcount" in m.columns


def test_every_unknown_force_is_reported_at_once(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Force,2019\nKent,1\nGotham,2\nSurrey,3\nMetropolis,4\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load(table, TableLoader(strict=True))
    err = info.value
    assert (err.line, err.where) == (3, "row 3, column 'Force'")
    assert "'Gotham'" in err.message and "'Metropolis' (row 5)" in err.message


def test_sheet_with_tables_one_under_another() -> None:
    first, second = load(DATA / "stacked_tables.csv")
    assert first.source.id != second.source.id
    assert first.source.name.startswith("Table 1: Complaints recorded")
    assert second.source.name.startswith("Table 2: Allegations recorded")
    s1, s2 = stats(first), stats(second)
    assert s1[("force/kent", "2019/20")].props["measure"] == "Complaints recorded"
    kent = s2[("force/kent", "2019/20")]
    assert (kent.props["measure"], kent.props["value"]) == ("Allegations recorded", 5)
    assert kent.evidence[0].locator == "row 8, column '2019/20'"  # the file's row, not the block's
    assert s2[("force/essex", "2020/21")].props["status"] == "suppressed"
    assert len(s1) == len(s2) == 4
