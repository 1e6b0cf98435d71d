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


# -- people: compatible evidence ------------------------------------------------------------
from kb.identity import Profile, Said, compare, family  # noqa: E402


def _officer(pid: str, *forces: str, ranks: tuple[tuple[str, int, str | None], ...] = (), src: str = "s") -> Profile:
    return Profile(
        pid,
        "James Walker",
        officer=True,
        forces=[Said(src, f) for f in forces],
        ranks=[Said(src, r, d, o) for r, o, d in ranks],
    )


def test_different_forces_are_evidence_against() -> None:
    c = compare(_officer("a", "force/kent", src="s1"), _officer("b", "force/cumbria", src="s2"))
    assert not c.compatible
    assert any("force/kent" in x and "force/cumbria" in x for x in c.against)
    assert "same name (James Walker)" in c.for_


def test_a_shared_force_or_no_force_is_compatible() -> None:
    assert compare(_officer("a", "force/kent"), _officer("b", "force/kent", "force/essex")).compatible
    assert compare(_officer("a", "force/kent"), _officer("b")).compatible
    assert compare(_officer("a"), Profile("b", "James Walker")).compatible  # a person with no role


def test_rank_history_must_not_go_down() -> None:
    pc_2019 = (("Police Constable", 1, "2019-05-01"),)
    sgt_2022 = (("Sergeant", 2, "2022"),)
    chsupt_2018 = (("Chief Superintendent", 6, "2018-01-10"),)
    assert compare(_officer("a", ranks=pc_2019), _officer("b", ranks=sgt_2022)).compatible  # a promotion
    down = compare(_officer("a", ranks=chsupt_2018), _officer("b", ranks=pc_2019))
    assert not down.compatible and "lower" in down.against[0]
    same_day = compare(_officer("a", ranks=pc_2019), _officer("b", ranks=(("Inspector", 3, "2019-05-01"),)))
    assert not same_day.compatible
    # dates unknown or overlapping ("2019" and "2019-05-01"): no order, no conflict
    assert compare(_officer("a", ranks=(("Inspector", 3, None),)), _officer("b", ranks=pc_2019)).compatible
    assert compare(_officer("a", ranks=(("Inspector", 3, "2019"),)), _officer("b", ranks=pc_2019)).compatible


def test_roles_that_conflict() -> None:
    def person(role: str) -> Profile:
        return Profile("p", "Jo Bell", roles=[Said("s", role)])

    officer = _officer("o", "force/kent")
    assert not compare(officer, person("striker")).compatible  # a footballer is not the constable
    assert compare(officer, person("officer")).compatible
    assert compare(officer, person("Detective Sergeant")).compatible
    assert not compare(person("solicitor"), person("nurse")).compatible
    assert compare(person("solicitor"), person("the family's solicitor")).compatible


def test_family_is_the_id_before_a_qualifier() -> None:
    assert family("person/james-walker--cumbria") == family("person/james-walker") == "person/james-walker"
