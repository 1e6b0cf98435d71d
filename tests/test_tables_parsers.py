"""The table loader's small parsers: cells, periods, force names, delimiters."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.tables.cells import SUPPRESSED, CellError, parse_cell
from loaders.tables.periods import parse_period
from loaders.tables.read import read_text_table, sniff_delimiter
from loaders.tables.subjects import resolve

# These properties test values, not speed; example timing varies on a shared machine.
NO_DEADLINE = settings(deadline=None)


@NO_DEADLINE
@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separated_integers_round_trip(n: int) -> None:
    cell = parse_cell(f"{n:,}")
    assert cell is not None and cell.value == n and cell.status == "reported"


@NO_DEADLINE
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["*", " (r)", "[r]", " [note 3]", "¹", " (p)"]))
def test_footnote_markers_keep_the_number(n: int, marker: str) -> None:
    cell = parse_cell(f"{n}{marker}")
    assert cell is not None and cell.value == n
    assert cell.status == ("revised" if "r" in marker and "note" not in marker else "reported")


@NO_DEADLINE
@given(st.sampled_from(sorted(SUPPRESSED)), st.sampled_from(["", " ", "  "]))
def test_suppression_markers_are_never_numbers(marker: str, pad: str) -> None:
    cell = parse_cell(pad + marker + pad)
    assert cell is not None and cell.status == "suppressed" and cell.value is None


@pytest.mark.parametrize(
    ("raw", "value", "status", "unit", "qualifier"),
    [
        ("12.5%", 12.5, "reported", "percent", None),
        ("£1,200", 1200, "reported", "GBP", None),
        ("<5", None, "suppressed", None, "under"),
        ("fewer than 10", None, "suppressed", None, "under"),
        ("0-4", None, "suppressed", None, "about"),
        ("[c]", None, "suppressed", None, None),
        ("0", 0, "reported", None, None),
        ("(3)", -3, "reported", None, None),
        ("1 234", 1234, "reported", None, None),
    ],
)
def test_cell_forms(raw: str, value: object, status: str, unit: str | None, qualifier: str | None) -> None:
    cell = parse_cell(raw)
    assert cell is not None
    assert (cell.value, cell.status, cell.unit, cell.qualifier) == (value, status, unit, qualifier)


@pytest.mark.parametrize("raw", ["see note", "12 officers", "1,23,4", "abc"])
def test_text_is_not_a_figure(raw: str) -> None:
    with pytest.raises(CellError):
        parse_cell(raw)


def test_empty_cell_is_nothing() -> None:
    assert parse_cell("  ") is None


@NO_DEADLINE
@given(st.integers(min_value=1950, max_value=2098))
def test_financial_years_in_every_spelling(y: int) -> None:
    for text in (f"{y}/{(y + 1) % 100:02d}", f"{y}-{(y + 1) % 100:02d}", f"{y}/{y + 1}", f"FY {y}/{(y + 1) % 100:02d}"):
        p = parse_period(text)
        assert p is not None, text
        assert (p.start, p.end, p.kind) == (date(y, 4, 1), date(y + 1, 3, 31), "financial-year")


@NO_DEADLINE
@given(st.integers(min_value=1950, max_value=2099), st.integers(min_value=2, max_value=9))
def test_non_consecutive_years_are_not_a_financial_year(y: int, gap: int) -> None:
    assert parse_period(f"{y}/{(y + gap) % 100:02d}") is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("04/05", "2004-04-01", "2005-03-31"),
        ("98/99", "1998-04-01", "1999-03-31"),
        ("2019", "2019-01-01", "2019-12-31"),
        ("March 2019", "2019-03-31", "2019-03-31"),
        ("Sep-19", "2019-09-30", "2019-09-30"),
        ("Sept 2019", "2019-09-30", "2019-09-30"),
        ("31 March 2019", "2019-03-31", "2019-03-31"),
        ("as at 31 March 2019", "2019-03-31", "2019-03-31"),
        ("31/03/2019", "2019-03-31", "2019-03-31"),
        ("2019-03-31", "2019-03-31", "2019-03-31"),
        ("Q2 2020", "2020-04-01", "2020-06-30"),
        ("2020 Q4", "2020-10-01", "2020-12-31"),
        ("April 2018 to March 2019", "2018-04-01", "2019-03-31"),
        ("2016/17 (r)", "2016-04-01", "2017-03-31"),
        ("Year ending March 2020", "2020-03-31", "2020-03-31"),
    ],
)
def test_period_headers(text: str, start: str, end: str) -> None:
    p = parse_period(text)
    assert p is not None and p.text == text
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_month_headers_as_whole_months() -> None:
    p = parse_period("Feb-20", "month")
    assert p is not None and (p.start, p.end) == (date(2020, 2, 1), date(2020, 2, 29))


@pytest.mark.parametrize("text", ["Total", "Force", "Region", "12", "2016/19", "Officers", "Feb-30-x", ""])
def test_not_periods(text: str) -> None:
    assert parse_period(text) is None


@pytest.mark.parametrize(
    ("name", "entity_id"),
    [
        ("Avon & Somerset Constabulary", "force/avon-and-somerset"),
        ("Dyfed Powys Police", "force/dyfed-powys"),
        ("Metropolitan", "force/metropolitan"),
        ("Metropolitan Police", "force/metropolitan"),
        ("British Transport", "force/btp"),
        ("Kent", "force/kent"),
        ("Kent Constabulary", "force/kent"),
        ("Devon and Cornwall*", "force/devon-and-cornwall"),
        ("Thames Valley (1)", "force/thames-valley"),
        ("Greater Manchester [note 2]", "force/greater-manchester"),
        ("North East", "place/north-east"),
        ("England & Wales", "place/england-and-wales"),
        ("London", "place/london"),
        ("Yorkshire and The Humber", "place/yorkshire-and-the-humber"),
    ],
)
def test_subject_names_resolve(name: str, entity_id: str) -> None:
    s = resolve(name)
    assert s is not None and s.id == entity_id


@pytest.mark.parametrize("name", ["Total", "TOTAL", "All forces", "Grand total"])
def test_total_rows(name: str) -> None:
    s = resolve(name)
    assert s is not None and s.kind == "total"


@pytest.mark.parametrize("name", ["Gotham City Police", "Average", "Notes", "Source: Home Office"])
def test_unknown_names(name: str) -> None:
    assert resolve(name) is None


_cell_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(_cell_text, min_size=3, max_size=3), min_size=2, max_size=8),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_any_delimiter_encoding_and_line_ending_reads_back(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delim: str, eol: str, encoding: str
) -> None:
    if encoding == "cp1252":
        rows = [[c.encode("cp1252", "ignore").decode("cp1252") for c in r] for r in rows]
    rows = [[c.strip() for c in r] for r in rows]
    rows = [["Force", "2019", "2020"], *[["Kent", *r[1:]] for r in rows]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator=eol).writerows(rows)
    path = Path(tmp_path_factory.mktemp("t")) / "t.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    sheet = read_text_table(path)
    expected = [list(r) for r in rows]
    for r in expected:
        while r and not r[-1]:
            r.pop()
    assert sheet.rows == expected


def test_sniffer_prefers_the_consistent_delimiter() -> None:
    sample = "Force;Rate, per 1,000\nKent;1,5\nEssex;2,5\nSurrey;3,5\n"
    assert sniff_delimiter(sample) == ";"


_FORCES = [
    ("Kent", "force/kent"),
    ("Essex Police", "force/essex"),
    ("Avon & Somerset Constabulary", "force/avon-and-somerset"),
    ("Dyfed Powys Police", "force/dyfed-powys"),
    ("Metropolitan", "force/metropolitan"),
    ("British Transport", "force/btp"),
    ("North Wales", "force/north-wales"),
]
_CELLS = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(lambda n: (f"{n:,}", n)),
    st.sampled_from(["*", "..", "[c]", "<5", "-", "n/a"]).map(lambda m: (m, None)),
)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(_FORCES), min_size=1, max_size=7, unique=True),
    st.lists(st.integers(min_value=2000, max_value=2030), min_size=1, max_size=5, unique=True),
    st.data(),
)
def test_generated_wide_tables_load_cell_for_cell(
    tmp_path_factory: pytest.TempPathFactory, forces: list[tuple[str, str]], years: list[int], data: st.DataObject
) -> None:
    from loaders.tables import TableLoader

    headers = [f"{y}/{(y + 1) % 100:02d}" for y in years]
    grid: list[list[tuple[str, int | None]]] = [[data.draw(_CELLS) for _ in headers] for _ in forces]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Complaints recorded by force (generated)"])
    w.writerow(["Force", *headers])
    w.writerows([[name, *(c[0] for c in cells)] for (name, _), cells in zip(forces, grid, strict=True)])
    path = Path(tmp_path_factory.mktemp("g")) / "g.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    (facts,) = TableLoader().load(path)
    about = {r.source: r.target for r in facts.relations if r.type == "ABOUT"}
    got = {(about[e.id], e.props["period"]): e for e in facts.entities if e.type == "Statistic"}
    assert len(got) == len(forces) * len(years)
    for (_, fid), cells in zip(forces, grid, strict=True):
        for header, (raw, value) in zip(headers, cells, strict=True):
            e = got[(fid, header)]
            assert e.props["valueText"] == raw
            assert e.props.get("value") == value
            assert e.props["status"] == ("suppressed" if value is None else "reported")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Apr-Jun 2019", "2019-04-01", "2019-06-30"),
        ("April to June 2019", "2019-04-01", "2019-06-30"),
        ("Oct-Mar 2020", "2019-10-01", "2020-03-31"),
    ],
)
def test_month_spans(text: str, start: str, end: str) -> None:
    p = parse_period(text)
    assert p is not None and (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_bodies_are_subjects_too() -> None:
    s = resolve("IOPC")
    assert s is not None and (s.id, s.type) == ("body/iopc", "OversightBody")


def test_total_with_a_qualifier() -> None:
    s = resolve("Total (excluding BTP)")
    assert s is not None and s.kind == "total"
