"""The search index's shortcuts for one-word queries give exactly the answer of scoring every
candidate (``SearchIndex._scan``)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize("ranked_min", [1, 5, 1000])
def test_one_word_answers_match_a_full_scan(monkeypatch: pytest.MonkeyPatch, ranked_min: int) -> None:
    monkeypatch.setattr(search_index, "RANKED_MIN", ranked_min)
    index = SearchIndex(_entries(random.Random(ranked_min), 600))
    index.warm()
    fast_used = 0
    for word in [*VOCAB, "woo", "j", "zzz", "smit"]:
        for accept in (None, lambda t: t == "Officer", lambda t: t == "PoliceForce"):
            for limit in (1, 3, 10, 50):
                got = index.search([word], accept, limit)
                assert got == index._scan([word], accept, limit), (word, limit)
                fast_used += index._one_word(word, accept, limit) is not None
    assert fast_used > 50  # the shortcut answered most of them


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
