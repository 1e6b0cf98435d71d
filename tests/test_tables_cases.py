"""Case tables become the case chains articles build (the shared model of issue 16):

    Allegation -AGAINST-> Officer / PoliceForce
    Investigation -CONCERNS-> Allegation, -INVESTIGATED_BY-> body, PSD or force
    Investigation -RESULTED_IN-> Outcome; an allowed appeal's Outcome -REVERSES-> the first

and a table and an article about the same officer meet in one graph.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from kb.app.pipeline import load_paths
from kb.identity import hashed_id
from kb.model import Entity, Facts, Relation
from kb.store.memory import MemoryStore
from loaders.base import LoadError
from loaders.tables import TableLoader

DATA = Path(__file__).parent / "data" / "tables"


class Graph:
    """The facts of one source, walkable by relation type."""

    def __init__(self, facts: Facts) -> None:
        self.nodes: dict[str, Entity] = {e.id: e for e in facts.entities}
        self.rels: list[Relation] = facts.relations

    def out(self, node: str, typ: str) -> list[str]:
        return [r.target for r in self.rels if r.source == node and r.type == typ]

    def into(self, node: str, typ: str) -> list[str]:
        return [r.source for r in self.rels if r.target == node and r.type == typ]

    def of_type(self, typ: str) -> list[Entity]:
        return [e for e in self.nodes.values() if e.type == typ]

    def chain(self, outcome: str) -> list[tuple[str, str, str]]:
        """(investigation, allegation, accused) for every path from the outcome to whom it is about."""
        return [
            (inv, alleg, who)
            for inv in self.into(outcome, "RESULTED_IN")
            for alleg in self.out(inv, "CONCERNS")
            for who in self.out(alleg, "AGAINST")
        ]


def test_foi_hearings_workbook_gives_complete_chains() -> None:
    (facts,) = TableLoader().load(DATA / "misconduct_hearings_foi.xlsx")
    g = Graph(facts)
    # Every outcome reaches its officer through the chain, and nothing else leads to outcomes.
    for o in g.of_type("Outcome"):
        assert g.chain(o.id), o.name
    assert not any(r.type == "RESULTED_IN" and not r.source.startswith("investigation/") for r in g.rels)
    ashdown = g.nodes["person/robin-ashdown"]  # a named officer: the id articles give him
    assert (ashdown.type, ashdown.props["rank"], ashdown.props["rankNormalised"]) == (
        "Officer",
        "PC",
        "Police Constable",
    )
    assert "anonymised" not in ashdown.props
    assert g.out("person/robin-ashdown", "SERVES_IN") == ["force/kent"]
    (alleg,) = g.into("person/robin-ashdown", "AGAINST")
    assert g.nodes[alleg].props["category"] == "misuse-of-systems"
    # Investigated by the IOPC, heard by the force: two activities into the allegation.
    activities = {g.nodes[i].name: g.out(i, "INVESTIGATED_BY") for i in g.into(alleg, "CONCERNS")}
    assert activities == {
        "IOPC investigation into PC Robin Ashdown": ["body/iopc"],
        "Kent Police gross misconduct hearing into PC Robin Ashdown": ["force/kent"],
        "Police Appeals Tribunal appeal by PC Robin Ashdown (against: Dismissed without notice)": [
            "body/police-appeals-tribunal"
        ],
    }
    hearing = next(i for i in g.into(alleg, "CONCERNS") if "hearing into" in g.nodes[i].name)
    (dismissal,) = g.out(hearing, "RESULTED_IN")
    d = g.nodes[dismissal].props
    assert (d["category"], d["date"], d["datePrecision"]) == ("dismissed-without-notice", "2022-05-17", "day")
    # The appeal was allowed: its outcome (the sanction put in place) REVERSES the dismissal.
    (reverser,) = g.into(dismissal, "REVERSES")
    r = g.nodes[reverser].props
    assert (r["category"], r["date"], r["datePrecision"]) == ("final-written-warning", "2023-03", "month")
    assert g.chain(reverser)[0][2] == "person/robin-ashdown"
    # An appeal dismissed is an outcome that reverses nothing; "dismissed" there is not a dismissal.
    oakridge_outcomes = {
        g.nodes[o].props["category"]
        for a in g.into("person/sam-oakridge", "AGAINST")
        for i in g.into(a, "CONCERNS")
        for o in g.out(i, "RESULTED_IN")
    }
    assert oakridge_outcomes == {"dismissed-without-notice", "appeal-dismissed"}
    assert sum(1 for x in g.rels if x.type == "REVERSES") == 1
    # "Local" is the force's Professional Standards Department; "Directed (IOPC)" too (the PSD
    # does the work); "Independent" is the complaints body of the force's nation.
    bodies = {g.nodes[b].name for i in g.of_type("Investigation") for b in g.out(i.id, "INVESTIGATED_BY")}
    assert {"Kent Police Professional Standards Department", "Essex Police Professional Standards Department"} <= bodies
    fenwick = [i for a in g.into("person/lee-fenwick", "AGAINST") for i in g.into(a, "CONCERNS")]
    assert {b for i in fenwick for b in g.out(i, "INVESTIGATED_BY")} == {"body/iopc", "force/metropolitan"}
    # An anonymised officer is one person within this table only.
    (anon,) = [e for e in g.of_type("Officer") if e.props.get("anonymised")]
    assert anon.name == "Sergeant A (Kent Police)" and anon.id.startswith("person/")
    # The unknown force's row is skipped and counted, never guessed.
    assert facts.source.props["skippedRows"] == 1
    assert any("unknown force 'Gotham Constabulary'" in w for w in facts.warnings)
    assert not any("gotham" in e.id for e in facts.entities)
    # Dates keep the precision the cell gives.
    precisions = {(o.props.get("date"), o.props.get("datePrecision")) for o in g.of_type("Outcome")}
    assert {("2021-10", "month"), ("2023", "year"), ("2022", "year")} <= precisions


def test_one_forces_own_foi_response_with_the_force_in_the_mapping() -> None:
    (facts,) = TableLoader().load(DATA / "kent_misconduct_foi.xlsx")  # kent_misconduct_foi.mapping.yaml
    g = Graph(facts)
    outcomes = g.of_type("Outcome")
    assert sorted(o.props["category"] for o in outcomes) == [
        "final-written-warning",
        "no-case-to-answer",
        "reflective-practice",
    ]
    for o in outcomes:
        ((inv, _, who),) = g.chain(o.id)
        assert g.out(who, "SERVES_IN") == ["force/kent"]
        assert g.out(inv, "INVESTIGATED_BY") == ["force/kent"]
    assert {g.nodes[o.id].props["datePrecision"] for o in outcomes} == {"year"}


def test_a_case_table_needs_its_force(tmp_path: Path) -> None:
    table = tmp_path / "cases.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Officer rank", "Allegation", "Outcome"])
    ws.append(["PC", "Discreditable conduct", "Final written warning"])
    wb.save(table)
    (tmp_path / "cases.mapping.yaml").write_text("kind: cases\n", encoding="utf-8")
    with pytest.raises(LoadError, match="needs a force column"):
        TableLoader().load(table)
    (tmp_path / "cases.mapping.yaml").write_text("kind: cases\nsubject: Gotham Police\n", encoding="utf-8")
    with pytest.raises(LoadError, match="'Gotham Police' as the force of these cases, which is no known force"):
        TableLoader().load(table)


def test_appeal_words(tmp_path: Path) -> None:
    table = tmp_path / "appeals.csv"
    table.write_text(
        "Ref,Force,Rank,Allegation,Outcome,Appeal outcome\n"
        "1,Kent,PC,Discreditable conduct,Dismissed without notice,Appeal allowed\n"
        "2,Kent,PC,Discreditable conduct,Dismissed without notice,Upheld - reinstated\n"
        "3,Kent,PC,Discreditable conduct,Final written warning,Appeal dismissed\n"
        "4,Kent,PC,Discreditable conduct,Dismissed without notice,Pending\n"
        "5,Kent,PC,Discreditable conduct,Dismissed without notice,N/A\n"
        "6,Kent,PC,Discreditable conduct,Dismissed without notice,Reduced to a written warning\n",
        encoding="utf-8",
    )
    (facts,) = TableLoader().load(table)
    g = Graph(facts)
    appeals = {o.props["categoryLabel"]: o.props["category"] for o in g.of_type("Outcome") if g.out(o.id, "REVERSES")}
    assert appeals == {
        "Appeal allowed": "appeal-allowed",
        "Upheld - reinstated": "appeal-allowed",
        "Reduced to a written warning": "written-warning",
    }
    assert [o.props["category"] for o in g.of_type("Outcome")].count("appeal-dismissed") == 1
    assert len(g.of_type("Outcome")) == 6 + 4  # rows 4 and 5 have no appeal outcome (yet)
    table.write_text("Ref,Force,Rank,Allegation,Outcome,Appeal\n1,Kent,PC,Discreditable conduct,Dismissed,Heard\n")
    with pytest.raises(LoadError, match="cannot tell whether the appeal 'Heard' was allowed or dismissed"):
        TableLoader().load(table)


# -- generated case tables: varied wording, every chain complete -----------------------------

_FORCES = [
    ("Kent Police", "force/kent"),
    ("Essex", "force/essex"),
    ("Metropolitan Police", "force/metropolitan"),
    ("Avon & Somerset Constabulary", "force/avon-and-somerset"),
    ("Dyfed Powys", "force/dyfed-powys"),
    ("British Transport Police", "force/btp"),
    ("Police Scotland", "force/police-scotland"),
]
_RANKS = [
    ("PC", "Police Constable"),
    ("Police Constable", "Police Constable"),
    ("Sgt", "Sergeant"),
    ("Det Sgt", "Detective Sergeant"),
    ("DC", "Detective Constable"),
    ("Insp.", "Inspector"),
    ("Chief Inspector", "Chief Inspector"),
    ("Supt", "Superintendent"),
    ("PCSO", "Police Community Support Officer"),
]
_ALLEGATIONS = [
    ("Discreditable conduct", "discreditable-conduct"),
    ("Honesty and integrity", "dishonesty"),
    ("Use of force", "excessive-force"),
    ("Sexual misconduct", "sexual-misconduct"),
    ("Misuse of police systems", "misuse-of-systems"),
    ("Duties and responsibilities", "duties-and-responsibilities"),
    ("Abuse of position for a sexual purpose", "abuse-of-position-sexual"),
]
_OUTCOMES = [
    ("Dismissed without notice", "dismissed-without-notice"),
    ("Final written warning", "final-written-warning"),
    ("Written warning", "written-warning"),
    ("No case to answer", "no-case-to-answer"),
    ("Would have been dismissed", "would-have-been-dismissed"),
    ("Reflective practice review process", "reflective-practice"),
    ("Management action", "reflective-practice"),
    ("No further action", "no-further-action"),
]
_INVESTIGATORS = [("IOPC", "body/iopc"), ("Local", "psd"), ("Supervised", "psd"), ("Independent", "complaints-body")]


def _date(rng: random.Random) -> tuple[object, str, str]:
    d = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(1800))
    form = rng.randrange(4)
    if form == 0:
        return dt.datetime(d.year, d.month, d.day), d.isoformat(), "day"
    if form == 1:
        return d.strftime("%d/%m/%Y"), d.isoformat(), "day"
    if form == 2:
        return d.strftime("%B %Y"), d.isoformat()[:7], "month"
    return str(d.year), str(d.year), "year"


def test_generated_case_tables_give_a_complete_chain_for_every_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rng = random.Random(16)
    wb = Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(["Case ref", "Force", "Officer rank", "Nature of allegation", "Investigation type", "Finding", "Date"])
    truth = {}
    for k in range(150):
        force, fid = rng.choice(_FORCES)
        rank, rank_norm = rng.choice(_RANKS)
        alleg, acat = rng.choice(_ALLEGATIONS)
        inv, inv_kind = rng.choice(_INVESTIGATORS)
        out, ocat = rng.choice(_OUTCOMES)
        cell, iso, precision = _date(rng)
        ref = f"C{k:03d}"
        ws.append([ref, force, rank, alleg, inv, out, cell])
        truth[ref] = (fid, rank_norm, acat, inv_kind, ocat, iso, precision)
    path = tmp_path / "cases.xlsx"
    wb.save(path)
    (facts,) = TableLoader().load(path)
    g = Graph(facts)
    complete = 0
    for ref, (fid, rank_norm, acat, inv_kind, ocat, iso, precision) in truth.items():
        o = g.nodes[hashed_id("Outcome", facts.source.id, ref)]  # a row's entities are keyed by its reference
        paths = g.chain(o.id)
        if len(paths) != 1:
            continue
        inv, alleg, who = paths[0]
        officer = g.nodes[who]
        body = g.out(inv, "INVESTIGATED_BY")
        expected_body = {
            "body/iopc": "body/iopc",
            "psd": None,
            "complaints-body": "body/pirc" if fid == "force/police-scotland" else "body/iopc",
        }[inv_kind]
        ok = (
            o.props["category"] == ocat
            and (o.props.get("date"), o.props.get("datePrecision")) == (iso, precision)
            and g.nodes[alleg].props["category"] == acat
            and officer.props.get("rankNormalised") == rank_norm
            and g.out(who, "SERVES_IN") == [fid]
            and len(body) == 1
            and (body[0] == expected_body if expected_body else body[0].endswith("-professional-standards-department"))
        )
        complete += ok
    assert complete == len(truth) == 150


# -- a case table and an article about the same officer meet in one graph -------------------


def test_case_table_and_article_meet_in_one_graph(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hearings.csv").write_text(
        "Case reference,Force,Officer,Rank,Allegation,Investigated by,Date of hearing,Outcome\n"
        "K-17,Kent Police,Robin Ashdown,PC,Misuse of police systems,IOPC,17/05/2022,Dismissed without notice\n",
        encoding="utf-8",
    )
    (folder / "2022-05-18-kent-officer-dismissed.md").write_text(
        "---\ntitle: Kent officer dismissed over police computer searches\npublished: 2022-05-18\n---\n\n"
        "PC Robin Ashdown of Kent Police was dismissed without notice after a gross misconduct hearing "
        "found he had searched police systems for personal reasons. The IOPC investigated the case.\n",
        encoding="utf-8",
    )
    store = MemoryStore(None)
    report = load_paths(store, [folder])
    assert {loader for _, loader, _ in report.files} == {"table", "article"}
    officer = store.get("person/robin-ashdown")
    assert officer is not None and officer.type == "Officer"
    kinds = {store.get(s).props["sourceKind"] for s in officer.sources}  # type: ignore[union-attr]
    assert kinds == {"dataset", "article"}  # one node, cited by the table and by the article
    serves = store.edges(["person/robin-ashdown"], ["SERVES_IN"], "out")
    assert [e.target for e in serves] == ["force/kent"]
    assert {ev.source_id for e in serves for ev in e.evidence} == set(officer.sources)
    # The table's outcome reaches him through its chain in the merged graph.
    reached = []
    for alleg in store.edges(["person/robin-ashdown"], ["AGAINST"], "in"):
        for inv in store.edges([alleg.source], ["CONCERNS"], "in"):
            for out in store.edges([inv.source], ["RESULTED_IN"], "out"):
                node = store.get(out.target)
                assert node is not None
                reached.append(node.props["category"])
    assert "dismissed-without-notice" in reached
    # Both name the same force and the same oversight body nodes.
    assert store.get("body/iopc") is not None
    iopc_sources = {
        s for e in store.edges(["body/iopc"], ["INVESTIGATED_BY"], "in") for s in (x.source_id for x in e.evidence)
    }
    assert any(store.get(s).props["sourceKind"] == "dataset" for s in iopc_sources)  # type: ignore[union-attr]
