"""Names in articles: the rules each with sentences of its own."""

from __future__ import annotations

from kb.model import Facts
from loaders.articles import extract_text, text_source
from loaders.articles.lexicon import given_names


def _facts(text: str) -> Facts:
    return extract_text(text, text_source(text, title="t.txt"))


def _names(f: Facts, *types: str) -> set[str]:
    return {e.name for e in f.entities if e.type in types}


def test_given_names_come_from_a_broad_permissive_list() -> None:
    names = given_names()
    assert len(names) > 5000
    assert {"siobhan", "chinedu", "krzysztof", "priya", "mehmet"} <= names
    assert "the" not in names and "police" not in names


def test_a_force_short_name_listed_with_forces_is_a_force() -> None:
    f = _facts("The forces named were the Met, Cumbria, Dorset and Suffolk.")
    forces = {e.id for e in f.entities if e.type == "PoliceForce"}
    assert {"force/metropolitan", "force/cumbria", "force/dorset", "force/suffolk"} <= forces
    assert not _names(f, "Place") & {"Cumbria", "Dorset", "Suffolk"}


def test_a_force_written_with_another_suffix_is_the_force() -> None:
    f = _facts("Cumbria Police Force and Dorset Constabulary both replied to the request.")
    assert {"force/cumbria", "force/dorset"} <= {e.id for e in f.entities}


def test_england_and_wales_is_one_place() -> None:
    f = _facts("Figures for England and Wales were published on Tuesday.")
    assert "England and Wales" in _names(f, "Place")
    assert not _names(f, "Place") & {"England", "Wales"}


def test_names_with_no_cue_but_a_given_name() -> None:
    f = _facts(
        "PCC Rowena Tillbrook told Radio Kent's Idris Pengelly that the report was late. "
        "Incumbent Marcus Olufemi is standing down."
    )
    people = _names(f, "Person")
    assert {"Rowena Tillbrook", "Idris Pengelly", "Marcus Olufemi"} <= people
    assert not any(p.startswith("Incumbent") for p in people)


def test_a_town_inside_a_hyphenated_surname_is_no_place() -> None:
    f = _facts("Jo Barnes-Dover, representing the force, said the officer had been warned.")
    assert "Dover" not in _names(f, "Place")


def test_bylines_credits_and_breadcrumbs_are_not_text() -> None:
    from loaders.articles.clean import clean_text

    raw = (
        "Home   Local   News   Story\n\nBy Jane Smith, Crime Reporter\nPublished 4 May 2023\n\n"
        "By then, the officer had been suspended. Pic: Some Agency\n"
        "By then, the officer had been suspended.\n"
        "Ravi ShahImage source, Some Agency\nImage caption,\nRavi Shah outside court\n"
        "The hearing continues next week.\n"
    )
    out = clean_text(raw)
    assert out.splitlines() == ["By then, the officer had been suspended.", "The hearing continues next week."]
