"""Case chains end to end: generated case reports (tests/case_sentences.py) through the real article
pipeline into a memory store, each chain walked through the store:

    Officer <-AGAINST- Allegation <-CONCERNS- Investigation -RESULTED_IN-> Outcome
    Investigation -INVESTIGATED_BY-> the IOPC or the force's Professional Standards Department
    dates with datePrecision on the allegation and the outcome
"""

from __future__ import annotations

from kb.model import Node
from kb.store.memory import MemoryStore
from loaders.articles import extract_text, text_source
from tests.case_sentences import CaseReport, reports


def _out(store: MemoryStore, node_id: str, rel: str, typ: str | None = None) -> list[Node]:
    ids = [e.target for e in store.edges([node_id], [rel], "out") if e.source == node_id]
    nodes = store.get_many(ids)
    return [n for n in nodes.values() if typ is None or n.type == typ]


def _in(store: MemoryStore, node_id: str, rel: str, typ: str | None = None) -> list[Node]:
    ids = [e.source for e in store.edges([node_id], [rel], "in") if e.target == node_id]
    nodes = store.get_many(ids)
    return [n for n in nodes.values() if typ is None or n.type == typ]


def _complete(store: MemoryStore, r: CaseReport) -> list[str]:
    """What is missing from the report's chain (empty when the chain is complete)."""
    officers = [n for n in store.iter_nodes("Officer") if n.name == r.officer]
    if len(officers) != 1:
        return [f"officer {r.officer!r}: {len(officers)} nodes"]
    officer = officers[0]
    problems: list[str] = []
    if r.force_id not in {n.id for n in _out(store, officer.id, "SERVES_IN")}:
        problems.append("officer's force")
    allegations = _in(store, officer.id, "AGAINST", "Allegation")
    if r.allegation not in {a.props.get("category") for a in allegations}:
        problems.append(f"allegation {r.allegation} (found {[a.props.get('category') for a in allegations]})")
    outcomes: dict[str, Node] = {}
    bodies: set[str] = set()
    for a in allegations:
        if not (a.props.get("date") and a.props.get("datePrecision")):
            problems.append("allegation date")
        for inv in _in(store, a.id, "CONCERNS", "Investigation"):
            for found in _out(store, inv.id, "RESULTED_IN", "Outcome"):
                outcomes[str(found.props.get("category"))] = found
            for b in _out(store, inv.id, "INVESTIGATED_BY"):
                bodies.add(b.id if b.id == "body/iopc" else ("psd" if "Professional Standards" in b.name else b.id))
    o = outcomes.get(r.outcome)
    if o is None:
        problems.append(f"outcome {r.outcome} (found {sorted(outcomes)})")
    elif (o.props.get("date"), o.props.get("datePrecision")) != (r.date, r.precision):
        problems.append(f"outcome date {o.props.get('date')}/{o.props.get('datePrecision')} for {r.date}/{r.precision}")
    if r.body not in bodies:
        problems.append(f"investigator {r.body} (found {sorted(bodies)})")
    return problems


def test_generated_case_reports_give_complete_chains() -> None:
    cases = reports(120)
    assert len(cases) >= 100 and len({c.text for c in cases}) == len(cases)
    failures: list[tuple[str, list[str]]] = []
    for r in cases:
        store = MemoryStore(None)
        store.upsert(extract_text(r.text, text_source(r.text, title="case.txt")))
        problems = _complete(store, r)
        if problems:
            failures.append((r.text, problems))
    complete = 1 - len(failures) / len(cases)
    assert complete >= 0.95, f"{complete:.0%} complete; first failures: {failures[:5]}"


def test_all_reports_in_one_store_keep_each_chain_apart() -> None:
    """Loaded together, each officer's chain still holds only that officer's own outcome."""
    cases = reports(40, seed=11)
    store = MemoryStore(None)
    for r in cases:
        store.upsert(extract_text(r.text, text_source(r.text, title="case.txt")))
    ok = sum(1 for r in cases if not _complete(store, r))
    assert ok / len(cases) >= 0.9


def test_an_appeal_reverses_the_dismissal() -> None:
    text = (
        "PC Ilse Varga of Surrey Police was dismissed without notice after a gross misconduct hearing in March 2022 "
        "found she had lied about a crash.\n"
        "In June 2023 the Police Appeals Tribunal reinstated her.\n"
    )
    facts = extract_text(text, text_source(text))
    by_id = {e.id: e for e in facts.entities}
    rev = [(by_id[r.source], by_id[r.target]) for r in facts.relations if r.type == "REVERSES"]
    assert [(a.props["category"], b.props["category"]) for a, b in rev] == [("reinstated", "dismissed-without-notice")]
    assert rev[0][0].props["date"] == "2023-06" and rev[0][0].props["datePrecision"] == "month"


def test_may_the_month_is_no_hedge_but_may_the_verb_is() -> None:
    """ "dismissed ... in May 2022" happened; "may be dismissed" has not."""
    happened = "PC Tove Marsham of Essex Police was dismissed without notice after a misconduct hearing in May 2022.\n"
    hedged = "PC Tove Marsham of Essex Police may be dismissed without notice after a misconduct hearing.\n"
    got = []
    for text in (happened, hedged):
        f = extract_text(text, text_source(text, title="case.txt"))
        got.append([e.props.get("category") for e in f.entities if e.type == "Outcome"])
    assert got == [["dismissed-without-notice"], []]
