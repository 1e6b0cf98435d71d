"""Table facts in a real MemoryStore: they validate, read back equal to the table cells,
re-load idempotently, and a bad table in a folder stops the whole load with nothing written."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from kb.identity import hashed_id
from kb.paths import sample_dir
from kb.reference import reference_facts
from kb.store.memory import MemoryStore
from loaders.base import LoadError
from loaders.tables import TableLoader

DATA = Path(__file__).parent / "data" / "tables"
_LOCATOR = re.compile(r"^row (\d+), column '(.*)'$")
_SHEET_LOCATOR = re.compile(r"^(.+)!R(\d+)C(\d+)$")


def _expected_number(raw: str) -> float | None:
    """An independent reading of the fixture cells: digits with commas and note markers."""
    text = re.sub(r"\s*(\*+|\(r\))$", "", raw.strip()).replace(",", "")
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


def _store_with(*paths: Path) -> MemoryStore:
    store = MemoryStore(None)
    store.upsert(reference_facts())
    for p in paths:
        for facts in TableLoader().load(p):
            store.upsert(facts)
    return store


@pytest.mark.parametrize("name", ["wide_financial_years.csv", "long_semicolon_cp1252.csv", "wide_months_bom.tsv"])
def test_round_trip_values_equal_table_cells(name: str) -> None:
    path = DATA / name
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if name != "long_semicolon_cp1252.csv" else raw.decode("cp1252")
    delimiter = {"wide_financial_years.csv": ",", "long_semicolon_cp1252.csv": ";", "wide_months_bom.tsv": "\t"}[name]
    grid = list(csv.reader(text.splitlines(), delimiter=delimiter))
    store = _store_with(path)
    nodes = list(store.iter_nodes("Statistic"))
    assert nodes
    for node in nodes:
        (ev,) = node.evidence
        m = _LOCATOR.match(ev.locator or "")
        assert m, ev.locator
        row, label = int(m.group(1)), m.group(2)
        header = next(r for r in grid if label in r)
        cell = grid[row - 1][header.index(label)].strip()
        assert node.props["valueText"] == cell == ev.quote
        expected = _expected_number(cell)
        if expected is None:
            assert node.props["status"] == "suppressed" and "value" not in node.props
        else:
            assert float(node.props["value"]) == expected  # type: ignore[arg-type]
        (about,) = store.edges([node.id], ["ABOUT"], "out")
        subject = store.get(about.target)
        assert subject is not None and subject.type in {"PoliceForce", "Place"}
        start, end = node.props.get("periodStart", ""), node.props.get("periodEnd", "")
        source = node.sources[0]
        assert node.id == hashed_id("Statistic", about.target, node.props["measure"], start, end, source)


def test_round_trip_workbook_cells() -> None:
    from python_calamine import CalamineWorkbook

    path = DATA / "workbook.xlsx"
    wb = CalamineWorkbook.from_path(str(path))
    store = _store_with(path)
    nodes = list(store.iter_nodes("Statistic"))
    assert len(nodes) == 16 + 4 + 3
    for node in nodes:
        m = _SHEET_LOCATOR.match(node.evidence[0].locator or "")
        assert m
        sheet, row, col = m.group(1), int(m.group(2)), int(m.group(3))
        cell = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)[row - 1][col - 1]
        if isinstance(cell, int | float):
            assert node.props["value"] == cell
        else:
            assert node.props["status"] == "suppressed" and node.props["valueText"] == cell


def test_reload_is_idempotent_and_ids_stable() -> None:
    path = DATA / "wide_financial_years.csv"
    store = _store_with(path)
    before = {n.id for n in store.iter_nodes("Statistic")}
    (facts,) = TableLoader().load(path)
    result = store.upsert(facts)
    assert result.unchanged
    assert {n.id for n in store.iter_nodes("Statistic")} == before


def test_case_table_validates_in_store() -> None:
    store = _store_with(DATA / "misconduct_hearings.csv")
    outcomes = list(store.iter_nodes("Outcome"))
    assert len(outcomes) == 4
    dismissed = next(o for o in outcomes if o.props["category"] == "dismissed-without-notice")
    (inv_edge,) = [
        e for e in store.edges([dismissed.id], ["RESULTED_IN"], "in") if e.source.startswith("investigation/")
    ]
    (inv_by,) = store.edges([inv_edge.source], ["INVESTIGATED_BY"], "out")
    assert inv_by.target == "force/kent"


def test_every_fixture_and_sample_table_validates() -> None:
    paths = [
        *sorted(
            p for p in DATA.iterdir() if p.suffix in {".csv", ".tsv", ".xlsx", ".ods"} and not p.name.startswith("bad_")
        ),
        *sorted(sample_dir().glob("*.csv")),
    ]
    store = _store_with(*paths)
    stats = store.stats()
    assert stats.entities["Statistic"] > 100
    assert stats.relations["ABOUT"] == stats.entities["Statistic"]


def test_pipeline_loads_sample_folder() -> None:
    from kb.app.pipeline import load_paths

    store = MemoryStore(None)
    report = load_paths(store, [sample_dir()])
    assert any(loader == "table" for _, loader, _ in report.files)
    deaths = [n for n in store.iter_nodes("Statistic") if n.props.get("measureConcept") == "deaths-in-custody"]
    about = {e.source: e.target for e in store.edges([n.id for n in deaths], ["ABOUT"], "out")}
    national = {n.props["period"]: n.props["value"] for n in deaths if about[n.id] == "place/england-and-wales"}
    assert national["17/18"] == 23


def test_bad_table_in_a_folder_writes_nothing(tmp_path: Path) -> None:
    from kb.app.pipeline import load_paths

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "wide_financial_years.csv", folder / "a_good.csv")
    shutil.copy(DATA / "bad_unknown_force.csv", folder / "b_bad.csv")
    store = MemoryStore(tmp_path / "kb.snapshot")
    with pytest.raises(LoadError, match="Gotham"):
        load_paths(store, [folder], strict=True)
    assert store.stats().total_entities == 0
    assert not (tmp_path / "kb.snapshot").exists()
