"""The ontology registry and the files derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.derive import derived_files
from kb.ontology import load_ontology, ontology
from kb.paths import ontology_dir

DESIGN_CLASSES = {
    "PoliceForce", "Person", "Officer", "Programme", "OversightBody", "Organisation", "Place", "Incident",
    "Allegation", "Investigation", "Outcome", "Statistic", "Source", "Quote",
}  # fmt: skip
DESIGN_RELATIONS = {
    "SERVES_IN", "HOLDS_POST", "MEMBER_OF", "PARTNERS_WITH", "RECRUITED_VIA", "COVERS", "OCCURRED_IN", "INVOLVES",
    "HANDLED_BY", "AGAINST", "CONCERNS", "INVESTIGATED_BY", "RESULTED_IN", "OVERSEES", "REFERRED_TO", "SAID", "ABOUT",
    "MENTIONED_IN",
}  # fmt: skip
# The design's vocabulary is extended, never renamed: relations the project added.
EXTENSION_RELATIONS = {"REVERSES"}


def test_registry_has_the_design_vocabulary() -> None:
    onto = ontology()
    assert set(onto.classes) == DESIGN_CLASSES
    assert set(onto.relations) == DESIGN_RELATIONS | EXTENSION_RELATIONS
    assert onto.is_a("Officer", "Person")
    assert onto.allows("SERVES_IN", "Officer", "PoliceForce")
    assert not onto.allows("SERVES_IN", "PoliceForce", "Officer")
    assert onto.relations["HOLDS_POST"].props == ("title", "from", "to")


def test_concept_schemes_cover_the_issue_categories() -> None:
    onto = ontology()
    allegations = onto.schemes["allegation-category"].concepts
    outcomes = onto.schemes["outcome-category"].concepts
    for key in ("sexual-misconduct", "discreditable-conduct", "dishonesty", "excessive-force", "racial-profiling",
                "discrimination", "misuse-of-systems"):  # fmt: skip
        assert key in allegations
    for key in ("dismissal", "dismissed-without-notice", "would-have-been-dismissed", "barred-list",
                "final-written-warning", "no-case-to-answer", "no-further-action", "reflective-practice",
                "training", "ongoing", "civil-injunction"):  # fmt: skip
        assert key in outcomes
    for scheme in onto.schemes.values():
        for c in scheme.concepts.values():
            assert c.definition, c.key
            assert c.broader is None or c.broader in scheme.concepts


def test_registry_rejects_dangling_names(tmp_path: Path) -> None:
    text = (ontology_dir() / "registry.toml").read_text(encoding="utf-8")
    (tmp_path / "registry.toml").write_text(text.replace('range = ["PoliceForce"]', 'range = ["Polis"]', 1))
    with pytest.raises(ValueError, match="Polis"):
        load_ontology(tmp_path)


def test_derived_files_are_up_to_date() -> None:
    stale = [str(p) for p, text in derived_files().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert not stale, f"run `policekb ontology --write`: out of date: {stale}"


def test_subclasses_inherit_and_do_not_repeat() -> None:
    onto = ontology()
    person, officer = onto.classes["Person"], onto.classes["Officer"]
    assert officer.properties[: len(person.properties)] == person.properties
    assert set(officer.own_properties).isdisjoint(person.properties)
    assert officer.required == person.required and officer.slug == person.slug
    for c in onto.classes.values():
        if c.parent is not None:
            parent = onto.classes[c.parent]
            assert set(parent.properties) <= set(c.properties) and set(parent.required) <= set(c.required)


def test_schemes_memberships_and_mentions_come_from_the_registry() -> None:
    onto = ontology()
    assert onto.scheme_for("Allegation", "category") == "allegation-category"
    assert onto.scheme_for("Outcome", "category") == "outcome-category"
    assert onto.scheme_for("Statistic", "measureConcept") == "measure"
    assert onto.scheme_for("Statistic", "measure") is None
    assert {r.name for r in onto.relations.values() if r.membership} == {"SERVES_IN", "MEMBER_OF", "HOLDS_POST"}
    assert [r.name for r in onto.relations.values() if r.org == "post"] == ["HOLDS_POST"]
    # MENTIONED_IN: every class but the range's
    assert set(onto.relations["MENTIONED_IN"].domain) == set(onto.classes) - {"Source"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('properties = ["rank", "rankNormalised"]', 'properties = ["name", "rank"]', "inherits from Person"),
        ('schemes = { category = "outcome-category" }', 'schemes = { category = "verdicts" }', "verdicts"),
        ('org = "post"\ndomain', 'org = "job"\ndomain', "org must be one of"),
        ('parent = "Person"', 'parent = "Officer"', "its own ancestor"),
        ('domain = "*"\nrange', 'domain = "everything"\nrange', "domain must be a list"),
    ],
)
def test_registry_structure_errors_are_clear(tmp_path: Path, old: str, new: str, message: str) -> None:
    for name in ("registry.toml", "concepts.toml"):
        (tmp_path / name).write_text((ontology_dir() / name).read_text(encoding="utf-8"), encoding="utf-8")
    reg = tmp_path / "registry.toml"
    text = reg.read_text(encoding="utf-8")
    assert old in text
    reg.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_ontology(tmp_path)


def test_narrower_concepts_are_every_concept_below_the_keys() -> None:
    onto = ontology()
    below = {c.key: c.broader for s in onto.schemes.values() for c in s.concepts.values() if c.broader}
    for key, parent in below.items():
        got = onto.narrower([parent])
        assert got[0] == parent and key in got and len(got) == len(set(got))
    assert onto.narrower(["no-such-concept"]) == ["no-such-concept"]
