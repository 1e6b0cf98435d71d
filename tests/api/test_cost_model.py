"""The cost model's defaults and fixed bounds, on real queries: an omitted `first` costs what its
default page returns (not less), and the per-force-per-year aggregates refuse an answer of more than
10,000 rows with a message that says how to narrow it (issue 20)."""

from __future__ import annotations

import csv
from pathlib import Path

import graphql as g
from kb.api.app import create_app
from kb.api.cost import estimate
from kb.api.errors import DEFAULT_PAGE
from kb.api.schema import build_schema
from kb.app.pipeline import load_paths
from kb.paths import reference_dir
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, TestClient


def _cost(query: str) -> int:
    schema = build_schema()._schema
    return estimate(schema, g.parse(query), {}, None, 10**12)


def test_an_omitted_first_costs_its_default_page() -> None:
    shape = "{ forces(first: 100) { nodes { officers%s { node { name } } } } }"
    omitted = _cost(shape % "")
    assert omitted == _cost(shape % f"(first: {DEFAULT_PAGE})")
    assert omitted > _cost(shape % "(first: 5)")
    # lists that are not connections (a node's evidence and sources) cost a full page each
    evidence, name = _cost('{ force(id: "kent") { evidence { quote } } }'), _cost('{ force(id: "kent") { name } }')
    assert evidence >= DEFAULT_PAGE + name


def test_outcome_counts_refuse_more_than_ten_thousand_rows(tmp_path: Path) -> None:
    with (reference_dir() / "forces.csv").open(encoding="utf-8") as fh:
        forces = [row["name"] for row in csv.DictReader(fh)][:40]
    outcomes = ["Dismissed without notice", "Final written warning", "Written warning", "Reduction in rank",
                "Management action", "No case to answer", "Resigned"]  # fmt: skip
    table = tmp_path / "cases.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Ref", "Force", "Rank", "Allegation", "Outcome", "Date"])
        ref = 0
        for force in forces:
            for year in range(1985, 2025):
                for outcome in outcomes:
                    ref += 1
                    w.writerow([ref, force, "PC", "Discreditable conduct", outcome, f"{year}-06-01"])
    assert ref > 10_000
    (tmp_path / "cases.mapping.yaml").write_text("kind: cases\n", encoding="utf-8")
    store = MemoryStore(None)
    load_paths(store, [table])
    # (a generous deadline: the walk over 11,200 outcomes is what is tested, not the machine's speed)
    with TestClient(create_app(store, deadline=300)) as client:
        gql = GQL(client)
        errs = gql.errors("{ outcomeCounts { count } }")
        assert any("more than 10,000 rows" in e and "`force`" in e for e in errs), errs
        kent = gql('{ outcomeCounts(force: "force/kent") { year count } }')["outcomeCounts"]
        assert len(kent) == 40 * len(outcomes) and all(r["count"] == 1 for r in kent)
