"""The article pipeline's components, each run on its own over the output of the ones before it."""

from __future__ import annotations

from loaders.articles import text_source
from loaders.articles.doc import ArticleDoc
from loaders.articles.pipeline import ORDER, components, run

TEXT = (
    "PC Jane Harlow of Kent Police was dismissed without notice after a gross misconduct hearing.\n"
    'A spokesperson for the force said: "We expect the highest standards of every officer."\n'
    "The force recorded 64 complaints in 2022.\n"
)


def _run(*names: str) -> ArticleDoc:
    return run(TEXT, text_source(TEXT, title="t.txt"), names)


def test_every_component_in_the_order_is_registered_with_a_summary() -> None:
    reg = components()
    assert set(ORDER) <= set(reg)
    assert all(reg[n].summary for n in ORDER)


def test_sentences_alone() -> None:
    doc = _run("sentences")
    assert [s.text[:2] for s in doc.sents] == ["PC", "A ", "Th"]
    assert not doc.ents


def test_names_after_sentences() -> None:
    doc = _run("sentences", "names")
    types = {e.name: e.type for e in doc.ents.values()}
    assert types["Jane Harlow"] == "Officer" and types["Kent Police"] == "PoliceForce"
    assert not doc.rels  # relations come from later components


def test_people_adds_the_officers_force() -> None:
    doc = _run("sentences", "names", "people")
    assert any(r.type == "SERVES_IN" for r in doc.rels.values())


def test_quotes_component_attributes_the_spokesperson() -> None:
    doc = _run("sentences", "names", "quotes")
    said = [r for r in doc.rels.values() if r.type == "SAID"]
    assert said and doc.ents[said[0].source].name == "a spokesperson for Kent Police"
    posts = [r for r in doc.rels.values() if r.type == "HOLDS_POST" and r.source == said[0].source]
    assert [doc.ents[r.target].name for r in posts] == ["Kent Police"]


def test_events_and_figures_components() -> None:
    doc = _run(*ORDER)
    types = {e.type for e in doc.ents.values()}
    assert {"Outcome", "Investigation", "Statistic"} <= types
