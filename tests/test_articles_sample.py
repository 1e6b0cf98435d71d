"""The bundled sample KB's articles (data/sample/articles), loaded into a store and read back: each
officer's outcomes reach the officer through the case chain, as the articles state them."""

from __future__ import annotations

import re

from kb.model import Node
from kb.store.memory import MemoryStore
from tests.test_case_chains import _in, _out


def _officer(store: MemoryStore, name: str) -> Node:
    found = [n for n in store.iter_nodes("Officer") if n.name == name]
    assert len(found) == 1, (name, [n.name for n in store.iter_nodes("Officer")])
    return found[0]


def _chain_outcomes(store: MemoryStore, officer: Node) -> dict[str, Node]:
    """Outcomes by category, walked officer <- AGAINST allegation <- CONCERNS investigation -> RESULTED_IN."""
    out: dict[str, Node] = {}
    for a in _in(store, officer.id, "AGAINST", "Allegation"):
        for inv in _in(store, a.id, "CONCERNS", "Investigation"):
            for o in _out(store, inv.id, "RESULTED_IN", "Outcome"):
                out[str(o.props.get("category"))] = o
    return out


def test_each_sample_officer_reaches_the_outcomes_the_article_states(sample_store: MemoryStore) -> None:
    # West Mercia constable convicted and jailed (2021); earlier a gross misconduct finding and a warning
    monk = _chain_outcomes(sample_store, _officer(sample_store, "Benjamin Monk"))
    assert {"conviction", "sentence", "final-written-warning"} <= set(monk)
    # two Met constables dismissed without notice after a gross misconduct hearing, then reinstated on appeal
    for name in ("Jonathan Clapham", "Sam Franks"):
        got = _chain_outcomes(sample_store, _officer(sample_store, name))
        assert "dismissed-without-notice" in got, (name, sorted(got))
        reversal = [o for o in got.values() if o.props.get("category") in {"reinstated", "appeal-allowed"}]
        assert reversal and got["dismissed-without-notice"].id in {
            n.id for r in reversal for n in _out(sample_store, r.id, "REVERSES")
        }
    # a Met officer sentenced for his crimes and dismissed by the force
    carrick = _chain_outcomes(sample_store, _officer(sample_store, "David Carrick"))
    assert {"sentence", "dismissal"} <= set(carrick)


def test_outcomes_in_the_sample_are_dated(sample_store: MemoryStore) -> None:
    """From their sentence, else the article's date (an article that gives none leaves them undated)."""
    dated_sources = {n.id for n in sample_store.iter_nodes("Source") if n.props.get("published")}
    outcomes = [o for o in sample_store.iter_nodes("Outcome") if set(o.sources) & dated_sources]
    assert len(outcomes) >= 10
    assert all(o.props.get("date") and o.props.get("datePrecision") in {"day", "month", "year"} for o in outcomes)


def test_an_oversight_body_investigated_sample_officers(sample_store: MemoryStore) -> None:
    """The question of graphql example 06: which body investigated which force's officers."""
    iopc = sample_store.get("body/iopc")
    assert iopc is not None
    officers: set[str] = set()
    for inv in _in(sample_store, iopc.id, "INVESTIGATED_BY", "Investigation"):
        for a in _out(sample_store, inv.id, "CONCERNS", "Allegation"):
            officers |= {n.name for n in _out(sample_store, a.id, "AGAINST", "Officer")}
    assert "Benjamin Monk" in officers


def test_no_case_detail_in_the_samples_statistics(sample_store: MemoryStore) -> None:
    """Durations, a defendant's charges and sentences, and a group's ages are no statistics (issue 16)."""
    case_words = re.compile(
        r"^(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|(?:life\s+)?sentences?|charges?|counts?)\b"
    )
    bad = [
        n.name
        for n in sample_store.iter_nodes("Statistic")
        if case_words.match(str(n.props.get("measure", ""))) or n.props.get("measure") in {"children aged"}
    ]
    assert not bad, bad
    by_measure = {str(n.props.get("measure")) for n in sample_store.iter_nodes("Statistic")}
    assert not any("faced a" in m for m in by_measure), by_measure  # the officers of one hearing
