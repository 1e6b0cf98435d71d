"""The search index's shortcuts for one-word queries give exactly the answer of scoring every
candidate (``SearchIndex._scan``)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.identity import normalise_name
from kb.store import search_index
from kb.store.search_index import SearchIndex

VOCAB = ["wood", "woods", "woodward", "wo", "john", "johnson", "jo", "smith", "of", "the", "con", "constable", "x"]
TYPES = ["Officer", "Person", "PoliceForce"]


def _entries(rng: random.Random, n: int) -> list[tuple[str, str, str, tuple[str, ...]]]:
    out = []
    for i in range(n):
        labs = tuple(
            dict.fromkeys(
                " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 3))
            )
        )
        out.append((f"person/p{i:04d}", rng.choice(TYPES), labs[0].title(), labs))
    return out


def test_one_word_answers_match_a_full_scan() -> None:
    index = SearchIndex(_entries(random.Random(7), 600))
    for word in [*VOCAB, "woo", "j", "zzz", "smit"]:
        for accept in (None, lambda t: t == "Officer", lambda t: t == "PoliceForce"):
            for limit in (1, 3, 10, 50):
                got = index.search([word], accept, limit)
                assert got == index._scan([word], accept, limit), (word, limit)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), word=st.sampled_from([*VOCAB, "woo", "joh", "c"]))
def test_one_word_property(seed: int, word: str) -> None:
    index = SearchIndex(_entries(random.Random(seed), 80))
    for limit in (1, 5, 20):
        assert index.search([word], None, limit) == index._scan([word], None, limit)


def test_ranking_order() -> None:
    index = SearchIndex(
        [
            ("a/1", "Officer", "Wood", ("wood",)),  # the name itself: 3.0
            ("a/2", "Officer", "Sam Wood", ("sam wood", "wood")),  # an alias: 2.5
            ("a/3", "Officer", "Woodward Jones", ("woodward jones",)),  # a label starting with it: 2.0
            ("a/4", "Officer", "Al Wood", ("al wood",)),  # half the words: 1.5
            ("a/5", "Officer", "Al B Wood", ("al b wood",)),  # a third: 1.33
            ("a/6", "Officer", "Jo Woods", ("jo woods",)),  # only a longer word: 1.0
        ]
    )
    got = index.search(["wood"], None, 10)
    assert [n for n, _ in got] == ["a/1", "a/2", "a/3", "a/4", "a/5", "a/6"]
    assert [round(s, 2) for _, s in got] == [3.0, 2.5, 2.0, 1.5, 1.33, 1.0]


MULTI = [*VOCAB, "police", "of", "and", "met", "metropolitan", "woo", "joh", "smit", "c", "zzz"]


def _labelled(rng: random.Random, n: int) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Entities whose labels mix the vocabulary with stop words, of 1 to 6 words."""
    vocab = [*VOCAB, "police", "of", "and", "met", "metropolitan", "service"]
    out = []
    for i in range(n):
        labs = tuple(
            dict.fromkeys(
                " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 3))
            )
        )
        out.append((f"x/e{i:04d}", rng.choice(TYPES), labs[0].title(), labs))
    return out


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    query=st.lists(st.sampled_from(MULTI), min_size=1, max_size=4),
    typed=st.booleans(),
    limit=st.sampled_from([1, 2, 5, 20, 200]),
)
def test_search_equals_a_full_scan(seed: int, query: list[str], typed: bool, limit: int) -> None:
    """Whatever the query, the bounded search answers what scoring every candidate answers."""
    index = SearchIndex(_labelled(random.Random(seed), 300))
    index.warm()
    accept = (lambda t: t != "PoliceForce") if typed else None
    assert index.search(query, accept, limit) == index._scan(query, accept, limit)


@pytest.mark.parametrize("sort_max", [0, 8192])
@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), query=st.lists(st.sampled_from(MULTI), min_size=1, max_size=3))
def test_typed_search_equals_a_full_scan(sort_max: int, seed: int, query: list[str]) -> None:
    """With a type filter; candidate pools sorted (``SORT_MAX`` 8192) or walked lazily (0)."""
    old = search_index.SORT_MAX
    search_index.SORT_MAX = sort_max  # (hypothesis runs many examples per fixture: no monkeypatch)
    try:
        index = SearchIndex(_labelled(random.Random(seed), 300))
        for accept in (None, lambda t: t == "Officer", lambda t: t != "Person"):
            for limit in (1, 4, 50):
                assert index.search(query, accept, limit) == index._scan(query, accept, limit)
    finally:
        search_index.SORT_MAX = old


def test_search_stops_early_on_common_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten thousand equally good candidates: the walk scores about as many as it answers."""
    entries = [
        (f"x/i{i:05d}", "Investigation", f"investigation {i} into officers", (f"investigation {i} into officers",))
        for i in range(10_000)
    ]
    index = SearchIndex(entries)
    calls = 0
    real = search_index.score

    def counting(*a: object) -> float:
        nonlocal calls
        calls += 1
        return real(*a)  # type: ignore[arg-type]

    monkeypatch.setattr(search_index, "score", counting)
    got = index.search(["investigation", "into"], None, 10)
    monkeypatch.setattr(search_index, "score", real)
    assert got == index._scan(["investigation", "into"], None, 10)
    assert calls <= 20


PLAIN_AND_NOT = [
    "John Smith",
    "the Met",
    "The Metropolitan Police Service",
    "The",
    "the  double  space",
    " leading",
    "trailing ",
    "Devon & Cornwall",
    "O'Brien",
    "Zoë Müller",
    "MAJOR-GENERAL",
    "police.uk",
    "Unit 7",
    "ǅemal",
    "İstanbul",
    "",
    "   ",
    "Straße",
]


@pytest.mark.parametrize("text", PLAIN_AND_NOT)
def test_label_normalising_is_normalise_name(text: str) -> None:
    assert search_index.normalise_label(text) == normalise_name(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09 &'-.éİ\tT"), max_size=12))
def test_label_normalising_is_normalise_name_on_any_text(text: str) -> None:
    assert search_index.normalise_label(text) == normalise_name(text)
