"""Stable ids and alias resolution."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.identity import AliasIndex, hashed_id, make_id, normalise_name, slugify, split_id
from kb.reference import reference


def test_slug_is_stable_and_url_safe() -> None:
    assert slugify("Devon & Cornwall Police") == "devon-and-cornwall-police"
    assert slugify("Devon and Cornwall Police") == slugify("Devon & Cornwall Police")
    assert slugify("  The Met  ") == "met"
    assert slugify("Zoë O’Brien") == "zoe-obrien"


@given(st.text(max_size=300))
def test_slug_never_empty_and_bounded(text: str) -> None:
    s = slugify(text)
    assert s
    assert len(s) <= 80
    assert all(c.isalnum() or c == "-" for c in s)


def test_make_id_uses_class_slug() -> None:
    assert make_id("PoliceForce", "Kent Police", key="kent") == "force/kent"
    # officers and other people share one id space, so a person later found to be an officer merges
    assert make_id("Officer", "Jane Harlow") == make_id("Person", "Jane Harlow") == "person/jane-harlow"
    assert make_id("OversightBody", "IOPC").startswith("body/")


def test_hashed_id_is_deterministic() -> None:
    a = hashed_id("Statistic", "force/kent", "complaints", "2020-04-01")
    assert a == hashed_id("Statistic", "force/kent", "complaints", "2020-04-01")
    assert a != hashed_id("Statistic", "force/kent", "complaints", "2021-04-01")
    assert split_id(a)[0] == "statistic"


def test_split_id_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        split_id("no-slash")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("the Met", "force/metropolitan"),
        ("MPS", "force/metropolitan"),
        ("Metropolitan Police", "force/metropolitan"),
        ("Scotland Yard", "force/metropolitan"),
        ("TVP", "force/thames-valley"),
        ("GMP", "force/greater-manchester"),
        ("PSNI", "force/northern-ireland"),
        ("Devon & Cornwall Police", "force/devon-and-cornwall"),
        ("Devon and Cornwall Police", "force/devon-and-cornwall"),
        ("Dyfed-Powys Police", "force/dyfed-powys"),
        ("IOPC", "body/iopc"),
        ("Independent Police Complaints Commission", "body/iopc"),
    ],
)
def test_reference_aliases_resolve(name: str, expected: str) -> None:
    assert reference().aliases.resolve(name) == expected


def test_short_names_only_when_asked() -> None:
    ref = reference()
    assert ref.force("Kent") is None  # a county in running text is a place, not the force
    force = ref.force("Kent", short=True)
    assert force is not None and force.entity_id == "force/kent"


def test_ambiguous_alias_resolves_to_nothing() -> None:
    idx = AliasIndex()
    idx.add("org/a", "Organisation", ["Acme", "ACM"])
    idx.add("org/b", "Organisation", ["Acme Two", "ACM"])
    assert idx.resolve("acme") == "org/a"
    assert idx.resolve("ACM") is None


def test_normalise_name_folds_case_punctuation_and_articles() -> None:
    assert normalise_name("The  Met.") == normalise_name("met")
    assert normalise_name("Women’s Aid") == normalise_name("Womens Aid")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_fold_ascii_fast_path_matches_the_unicode_path(text: str) -> None:
    import re
    import unicodedata

    from kb.identity import fold

    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    assert fold(text) == re.sub(r"\s+", " ", s).strip().casefold()
    assert fold("Zoë  O’Brien–Smith") == "zoe o’brien-smith"  # the non-ASCII path still folds
