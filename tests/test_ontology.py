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
