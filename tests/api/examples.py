"""The documented operations in graphql/examples/, and what each answer must say.

Each example runs on two KBs: the bundled sample KB (with the variables of its sidecar JSON,
the ones a playground user would use) and the precise test KB (tests/api/kbdata.py, with the
variables below). Checks on the sample KB verify that the answer is consistent with the
question (every returned item satisfies it) and contains facts of the sample articles; checks
on the test KB compare whole answers.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.paths import project_root
from tests.api.conftest import GQL
from tests.api.kbdata import ALEX, FOI, JAMIE, KENT, TVP

EXAMPLES_DIR = project_root() / "graphql" / "examples"
Data = dict[str, Any]


def has_chains(gql: GQL) -> bool:
    """Whether the KB holds complete case chains (an investigation into an allegation that resulted
    in an outcome): the sample checks of examples 03, 04 and 06 require them."""
    q = """{ investigations(first: 0, where: {concerns: {some: {type: [Allegation]}}, outcomes: {some: {}}}) {
             totalCount } }"""
    return bool(gql(q)["investigations"]["totalCount"])


@dataclass(frozen=True)
class Example:
    """One example: its variables on the test KB and the two checks."""

    test_vars: dict[str, Any]
    check_test: Callable[[Data, GQL], None]
    check_sample: Callable[[Data, GQL], None]


def example_files() -> list[Path]:
    return sorted(EXAMPLES_DIR.glob("*.graphql"))


def read(path: Path) -> tuple[str, dict[str, Any]]:
    sidecar = path.with_suffix(".json")
    return path.read_text(encoding="utf-8"), json.loads(sidecar.read_text(encoding="utf-8"))


def _ids(items: list[Data]) -> list[str]:
    return [i["id"] for i in items]


def _all_evidence_cited(evidence: list[Data]) -> bool:
    return bool(evidence) and all(e["source"] and e["source"]["title"] for e in evidence)


# ---- 01 force profile --------------------------------------------------------------------
def _force_profile_test(d: Data, gql: GQL) -> None:
    f = d["force"]
    assert f["id"] == TVP and f["policeUkId"] == "thames-valley" and "TVP" in f["aliases"]
    assert [o["node"]["id"] for o in f["officers"]] == [ALEX]
    assert f["officers"][0]["node"]["rank"] == "PC"
    assert [s["node"]["value"] for s in f["statistics"] if s["node"]["value"] is not None] == [12.0]
    assert {s["title"] for s in f["sources"]} >= {"Officer dismissed after inquiry (test article)"}


def _force_profile_sample(d: Data, gql: GQL) -> None:
    f = d["force"]
    assert f["id"] == "force/metropolitan" and f["name"] == "Metropolitan Police Service"
    assert "the Met" in f["aliases"] and f["policeUkId"] == "metropolitan"
    assert f["officers"], "the sample articles name Met officers"
    assert all(_all_evidence_cited(o["evidence"]) for o in f["officers"])
    assert "programme/police-now" in _ids([p["node"] for p in f["programmes"]])
    assert len(f["sources"]) >= 2


# ---- 02 search ---------------------------------------------------------------------------
def _search_test(d: Data, gql: GQL) -> None:
    assert d["search"][0]["node"]["id"] == TVP


def _search_sample(d: Data, gql: GQL) -> None:
    assert d["search"][0]["node"]["id"] == "force/metropolitan"
    assert all(h["node"]["type"] == "PoliceForce" for h in d["search"])


# ---- 03 officers with allegations and outcomes ----------------------------------------------
def _chain_outcomes(allegation: Data) -> list[Data]:
    """The outcomes an allegation led to, through the investigations into it."""
    return [o["node"] for inv in allegation["concernedBy"] for o in inv["node"].get("outcomes") or []]


def _officers_test(d: Data, gql: GQL) -> None:
    o = d["officers"]
    assert o["totalCount"] == 1 and _ids(o["nodes"]) == [ALEX]
    a = o["nodes"][0]["allegations"][0]["node"]
    assert a["category"] == "excessive-force" and (a["date"], a["datePrecision"]) == ("2020-03-02", "day")
    inv = a["concernedBy"][0]["node"]
    assert _ids([b["node"] for b in inv["investigatedBy"]]) == ["body/iopc"]
    assert [x["category"] for x in _chain_outcomes(a)] == ["dismissed-without-notice"]
    assert _chain_outcomes(a)[0]["reversedBy"] == []


def _officers_sample(d: Data, gql: GQL) -> None:
    o = d["officers"]
    assert o["totalCount"] == len(o["nodes"]) >= 1
    for n in o["nodes"]:
        assert n["allegations"], n
        forces = gql("query($id: ID!) { officer(id: $id) { forces { node { id } } } }", {"id": n["id"]})
        assert "force/metropolitan" in _ids([f["node"] for f in forces["officer"]["forces"]])
    assert has_chains(gql)
    assert any(_chain_outcomes(a["node"]) for n in o["nodes"] for a in n["allegations"])


# ---- 04 forces with dismissals ------------------------------------------------------------------
DISMISSALS = {"dismissal", "dismissed-without-notice"}


def _dismissals_test(d: Data, gql: GQL) -> None:
    assert d["forces"] == {"totalCount": 1, "nodes": [{"id": TVP, "name": "Thames Valley Police"}]}


def _dismissals_sample(d: Data, gql: GQL) -> None:
    assert has_chains(gql)
    assert d["forces"]["totalCount"] >= 1
    assert "force/metropolitan" in _ids(d["forces"]["nodes"])
    for f in d["forces"]["nodes"]:
        counts = gql("query($f: ID) { outcomeCounts(force: $f) { category } }", {"f": f["id"]})["outcomeCounts"]
        assert DISMISSALS & {c["category"] for c in counts}, f


# ---- 05 shortest path ---------------------------------------------------------------------------
def _check_path(p: Data, start: str, end: str) -> None:
    ids = _ids(p["nodes"])
    assert ids[0] == start and ids[-1] == end and len(ids) == p["length"] + 1
    for (a, b), e in zip(itertools.pairwise(ids), p["edges"], strict=True):
        assert {e["source"], e["target"]} == {a, b}
        assert _all_evidence_cited(e["evidence"])


def _path_test(d: Data, gql: GQL) -> None:
    assert len(d["paths"]) == 1
    _check_path(d["paths"][0], JAMIE, ALEX)
    assert [e["type"] for e in d["paths"][0]["edges"]] == ["SERVES_IN", "PARTNERS_WITH", "RECRUITED_VIA"]


def _path_sample(d: Data, gql: GQL) -> None:
    assert d["paths"]
    for p in d["paths"]:
        _check_path(p, "person/sam-franks", "person/david-carrick")
    assert d["paths"][0]["length"] == 2  # both served in the Met


# ---- 06 oversight bodies ------------------------------------------------------------------------
def _bodies_test(d: Data, gql: GQL) -> None:
    bodies = d["bodies"]["nodes"]
    assert _ids(bodies) == ["body/iopc"]
    inv = bodies[0]["investigations"][0]["node"]
    assert inv["id"] == "investigation/i1" and inv["date"] == "2020-05"
    against = inv["concerns"][0]["node"]["against"][0]["node"]
    assert against["id"] == ALEX and _ids([f["node"] for f in against["forces"]]) == [TVP]
    assert [o["node"]["category"] for o in inv["outcomes"]] == ["dismissed-without-notice"]


def _bodies_sample(d: Data, gql: GQL) -> None:
    # every body listed did investigate something, and says so with evidence
    assert has_chains(gql)
    assert d["bodies"]["nodes"], "the sample articles name bodies that investigated officers"
    assert any(i["node"].get("concerns") for b in d["bodies"]["nodes"] for i in b["investigations"])
    for b in d["bodies"]["nodes"]:
        assert b["investigations"], b
        assert all(_all_evidence_cited(i["evidence"]) for i in b["investigations"])


# ---- 07 / 08 counts -----------------------------------------------------------------------------
def _outcome_counts_test(d: Data, gql: GQL) -> None:
    rows = {(r["forceId"], r["year"], r["category"]): r["count"] for r in d["outcomeCounts"]}
    assert rows == {(KENT, 2021, "final-written-warning"): 1, (TVP, 2021, "dismissed-without-notice"): 1}


def _outcome_counts_sample(d: Data, gql: GQL) -> None:
    rows = d["outcomeCounts"]
    assert rows and all(r["count"] >= 1 and r["categoryLabel"] for r in rows)
    met = {r["category"] for r in rows if r["forceId"] == "force/metropolitan"}
    assert met & DISMISSALS
    keys = [(r["forceId"], r["year"] or 0, r["category"]) for r in rows]
    assert keys == sorted(keys) and len(keys) == len(set(keys))


def _allegation_counts_test(d: Data, gql: GQL) -> None:
    assert [(r["forceId"], r["year"], r["category"], r["count"]) for r in d["allegationCounts"]] == [
        (TVP, 2020, "excessive-force", 1)
    ]


def _allegation_counts_sample(d: Data, gql: GQL) -> None:
    rows = d["allegationCounts"]
    assert rows and {r["forceId"] for r in rows} == {"force/metropolitan"}
    total = sum(r["count"] for r in rows)
    listed = gql(
        """{ allegations(first: 100, where: {OR: [
              {against: {some: {id: {eq: "force/metropolitan"}}}},
              {against: {some: {related: [{relationType: SERVES_IN, direction: OUT,
                                           where: {id: {eq: "force/metropolitan"}}}]}}}]}) { totalCount } }"""
    )
    assert total == listed["allegations"]["totalCount"]


# ---- 09 sources behind a relationship -------------------------------------------------------------
def _sources_test(d: Data, gql: GQL) -> None:
    rel = d["officer"]["forces"][0]
    assert rel["node"]["name"] == "Thames Valley Police" and rel["role"] == "response officer"
    assert sorted((e["method"], e["source"]["id"]) for e in rel["evidence"]) == [
        ("rule", "source/api-test-article"),
        ("table", FOI),
    ]
    table = next(e for e in rel["evidence"] if e["method"] == "table")
    assert table["locator"] == "Sheet2!B2" and table["confidence"] == 1.0


def _sources_sample(d: Data, gql: GQL) -> None:
    rels = d["officer"]["forces"]
    assert "Metropolitan Police Service" in [r["node"]["name"] for r in rels]
    for r in rels:
        assert _all_evidence_cited(r["evidence"])
        assert all(e["quote"] and e["source"]["published"] for e in r["evidence"])


# ---- 10 neighbourhood -----------------------------------------------------------------------------
def _check_graph(g: Data, start: str, allowed: set[str]) -> None:
    ids = set(_ids(g["nodes"]))
    assert g["nodes"][0]["id"] == start
    for e in g["edges"]:
        assert e["source"] in ids and e["target"] in ids and e["type"] in allowed


def _neighbourhood_test(d: Data, gql: GQL) -> None:
    g = d["neighbourhood"]
    _check_graph(g, "programme/test-scheme", {"PARTNERS_WITH", "RECRUITED_VIA", "SERVES_IN"})
    assert set(_ids(g["nodes"])) == {"programme/test-scheme", KENT, ALEX, JAMIE, TVP}


def _neighbourhood_sample(d: Data, gql: GQL) -> None:
    g = d["neighbourhood"]
    _check_graph(g, "programme/police-now", {"PARTNERS_WITH", "RECRUITED_VIA", "SERVES_IN"})
    assert {"force/metropolitan", "force/thames-valley"} <= set(_ids(g["nodes"]))
    assert any(e["type"] == "SERVES_IN" for e in g["edges"])  # second hop: officers of partner forces


# ---- 11 statistics --------------------------------------------------------------------------------
def _stats_test(d: Data, gql: GQL) -> None:
    s = d["statistics"]
    assert s["totalCount"] == 1
    n = s["nodes"][0]
    assert (n["value"], n["unit"], n["periodStart"], n["measureConcept"]) == (12.0, "count", "2021-04-01", "dismissals")
    assert n["evidence"][0]["locator"] == "Sheet1!B2"


def _stats_sample(d: Data, gql: GQL) -> None:
    s = d["statistics"]
    assert s["totalCount"] == len(s["nodes"]) >= 1
    assert all(n["measureConcept"] == "officer-headcount" and n["evidence"] for n in s["nodes"])
    starts = [n["periodStart"] for n in s["nodes"] if n["periodStart"]]
    assert starts == sorted(starts)


# ---- 12 what a source says --------------------------------------------------------------------------
def _source_test(d: Data, gql: GQL) -> None:
    s = d["sources"]
    assert s["totalCount"] == 1 and s["nodes"][0]["title"] == "Dismissals by force (test FOI response)"
    assert "statistic/tvp-dismissals-2021" in _ids([m["node"] for m in s["nodes"][0]["mentions"]])


def _source_sample(d: Data, gql: GQL) -> None:
    s = d["sources"]
    assert s["totalCount"] >= 5
    titles = [n["title"] for n in s["nodes"]]
    assert titles == sorted(titles, key=str.casefold)
    assert all(n["mentions"] and n["publisher"] for n in s["nodes"])


# ---- 13 quotes -------------------------------------------------------------------------------------
def _quotes_test(d: Data, gql: GQL) -> None:
    q = d["quotes"]["nodes"]
    assert [(n["text"], n["speakers"][0]["node"]["id"]) for n in q] == [
        ("It was over in seconds.", "person/chris-witness")
    ]


def _quotes_sample(d: Data, gql: GQL) -> None:
    q = d["quotes"]["nodes"]
    assert q and d["quotes"]["totalCount"] == len(q)
    for n in q:
        assert n["text"] and n["speakers"] and n["evidence"][0]["source"]["title"]


# ---- 14 programme partners ----------------------------------------------------------------------------
def _programme_test(d: Data, gql: GQL) -> None:
    p = d["programme"]
    assert p["aliases"] == ["TGS"]
    assert [(x["node"]["id"], x["from"]) for x in p["partnerForces"]] == [(KENT, "2019")]
    assert _ids([r["node"] for r in p["recruits"]]) == [ALEX]


def _programme_sample(d: Data, gql: GQL) -> None:
    p = d["programme"]
    assert p["name"] == "Police Now"
    partners = set(_ids([x["node"] for x in p["partnerForces"]]))
    assert {"force/metropolitan", "force/thames-valley"} <= partners
    assert all(x["evidence"] for x in p["partnerForces"])


EXAMPLES: dict[str, Example] = {
    "01-force-profile": Example({"force": "thames-valley"}, _force_profile_test, _force_profile_sample),
    "02-search-by-nickname": Example({"text": "TVP", "types": ["PoliceForce"]}, _search_test, _search_sample),
    "03-officers-allegations-outcomes": Example(
        {"force": TVP, "category": "excessive-force"}, _officers_test, _officers_sample
    ),
    "04-forces-with-dismissals": Example({"outcome": "dismissal"}, _dismissals_test, _dismissals_sample),
    "05-shortest-path-between-people": Example({"from": JAMIE, "to": ALEX}, _path_test, _path_sample),
    "06-oversight-bodies-and-forces": Example({"body": "iopc"}, _bodies_test, _bodies_sample),
    "07-outcome-counts-per-force-per-year": Example(
        {"from": "2021-01-01"}, _outcome_counts_test, _outcome_counts_sample
    ),
    "08-allegation-counts-by-category": Example(
        {"force": "thames-valley"}, _allegation_counts_test, _allegation_counts_sample
    ),
    "09-sources-behind-a-relationship": Example({"officer": ALEX}, _sources_test, _sources_sample),
    "10-neighbourhood-graph": Example(
        {"id": "programme/test-scheme", "depth": 2, "relationTypes": ["PARTNERS_WITH", "RECRUITED_VIA", "SERVES_IN"]},
        _neighbourhood_test,
        _neighbourhood_sample,
    ),
    "11-statistics-for-a-force": Example(
        {"force": TVP, "measure": "dismissals", "from": "2021-01-01"}, _stats_test, _stats_sample
    ),
    "12-what-a-source-says": Example({"kind": "foi-table"}, _source_test, _source_sample),
    "13-who-said-what": Example({}, _quotes_test, _quotes_sample),
    "14-programme-partner-forces": Example({"programme": "test-scheme"}, _programme_test, _programme_sample),
}
