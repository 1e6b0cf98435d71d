"""Posts, forces and allegations' targets read from the words around a name (issue 18). Every sentence here is
written for the test."""

from __future__ import annotations

from kb.model import Facts
from loaders.articles import extract_text, text_source
from tests.test_articles import names, rels


def _facts(text: str) -> Facts:
    return extract_text(text, text_source(text, title="t.txt"))


def test_a_gerund_before_a_job_is_part_of_the_post() -> None:
    f = _facts('Ruth Evans, visiting fellow in law at the London School of Economics, said: "The data are thin."')
    assert ("Ruth Evans", "London School of Economics") in rels(f, "HOLDS_POST")


def test_a_post_written_between_an_organisation_and_a_name() -> None:
    f = _facts('IOPC director of operations Harriet Quayle said: "We will publish our findings."')
    assert ("Harriet Quayle", "Independent Office for Police Conduct") in rels(f, "HOLDS_POST")


def test_who_chairs_an_organisation_holds_a_post_there() -> None:
    f = _facts(
        "Malcolm Ferrie, the former minister who chairs the Scottish Police Authority, said the choice was unanimous."
    )
    assert ("Malcolm Ferrie", "Scottish Police Authority") in rels(f, "HOLDS_POST")


def test_a_rank_after_a_body_that_is_not_a_force_is_a_post_in_the_body() -> None:
    f = _facts('IPCC Commissioner Derek Ollerton said: "Taser use has risen sharply."')
    assert "Derek Ollerton" in names(f, "Person") and "Derek Ollerton" not in names(f, "Officer")
    assert ("Derek Ollerton", "Independent Office for Police Conduct") in rels(f, "HOLDS_POST")
    assert not any(s == "Derek Ollerton" for s, _ in rels(f, "SERVES_IN"))


def test_rank_of_a_force_before_a_name_makes_an_officer_of_that_force() -> None:
    f = _facts('Assistant Chief Constable of Durham Constabulary Priya Mandal said: "Well done to you all."')
    assert "Priya Mandal" in names(f, "Officer")
    assert ("Priya Mandal", "Durham Constabulary") in rels(f, "SERVES_IN")


def test_head_of_a_named_forces_professional_standards_holds_that_post() -> None:
    f = _facts(
        "Superintendent Owen Lacey, head of Durham Constabulary's Professional Standards Department, said the "
        "officer had been dismissed."
    )
    posts = rels(f, "HOLDS_POST")
    assert any(s == "Owen Lacey" and "Professional Standards" in o for s, o in posts)


def test_an_allegation_against_an_unnamed_officer_is_not_against_the_force() -> None:
    f = _facts(
        "A Durham Constabulary officer who sent offensive messages to a colleague has been dismissed without notice."
    )
    assert not any(o == "Durham Constabulary" for _, o in rels(f, "AGAINST"))
    g = _facts("Complaints of excessive force against Durham Constabulary rose by a third last year.")
    assert any(o == "Durham Constabulary" for _, o in rels(g, "AGAINST"))


def test_two_capitalised_words_after_in_are_a_place_in_prose_not_in_a_heading() -> None:
    f = _facts("The hearing was held at the force headquarters in Llanfair Bay on Monday.")
    assert "Llanfair Bay" in names(f, "Place")
    g = _facts("Loss of Trust in Public Service\nThe hearing was held on Monday.")
    assert "Public Service" not in names(g, "Place")


def test_an_officer_known_by_a_code_is_an_anonymised_officer_not_a_figure() -> None:
    text = (
        "A misconduct hearing found that Officer 017 and Officer 018 of Durham Constabulary had used excessive force. "
        "Officer 017 was dismissed without notice and Officer 018 was given a final written warning. "
        'Officer 017 told the panel: "I accept I went too far."'
    )
    f = _facts(text)
    officers = [e for e in f.entities if e.type == "Officer"]
    assert {e.name for e in officers} == {"Officer 017", "Officer 018"}
    assert all(e.props.get("anonymised") for e in officers)
    assert not [e for e in f.entities if e.type == "Statistic"]
    assert {"dismissed without notice", "final written warning"} <= names(f, "Outcome")
    assert ("Officer 017", "I accept I went too far.") in rels(f, "SAID")
    # a collar number before a name is no code: the officer is the named one
    g = _facts("PC 4127 Ruth Evans of Durham Constabulary was commended for bravery.")
    assert "Ruth Evans" in names(g, "Officer") and not any(n.startswith("PC ") for n in names(g, "Officer"))


def test_an_incident_placed_later_in_the_story_occurred_there() -> None:
    f = _facts(
        "PC Owen Lacey of Durham Constabulary was accused of groping a colleague at a work Christmas party.\n"
        "The party took place at a hotel in Darlington.\n"
    )
    assert {o for _, o in rels(f, "OCCURRED_IN")} == {"Darlington"}


def test_a_place_named_as_a_possessor_is_not_where_it_happened() -> None:
    f = _facts(
        "Recordings picked up offensive conversations by PC Owen Lacey in the offices of Durham's Major Crime Unit "
        "in Darlington in 2019, a misconduct hearing was told.\n"
    )
    assert {o for _, o in rels(f, "OCCURRED_IN")} == {"Darlington"}


def test_a_force_referring_the_matter_refers_itself_and_the_incident() -> None:
    f = _facts(
        "A man died after being restrained by Durham Constabulary officers in Darlington.\n"
        "The inquest will open next week.\n"
        "Durham Constabulary said it had referred the matter to the Independent Office for Police Conduct.\n"
    )
    referred = rels(f, "REFERRED_TO")
    assert ("Durham Constabulary", "Independent Office for Police Conduct") in referred
    assert any(s.startswith("death of") for s, _ in referred)
