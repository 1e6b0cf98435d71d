"""One concept matcher for every loader: words in a source (a table header or cell, a phrase in an
article) mapped onto the SKOS concepts of ontology/concepts.toml by their ``match`` phrases.

The phrases are data (each concept's ``match`` list, plus its label); matching is on normalised
word tokens (case, accents, possessives and "&" folded), so "Sexual Harassment", "sexual
harassment's" and "sexual-harassment" read alike. Two questions, answered the same way for
tables and articles:

- ``hits(scheme, text)``: every concept phrase in running text, leftmost-longest, with offsets;
- ``classify(scheme, text)``: the one concept a short text (a header, a category cell, an event's
  name) stands for: its longest phrase wins ("no case to answer" over "case to answer"), the
  leftmost of equally long ones.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from kb.ontology import ontology
from loaders.concepts.phrases import PhraseIndex, Token, phrase_key, tokenize

__all__ = ["ConceptHit", "classify", "concept_exists", "concept_label", "hits", "hits_in_tokens"]


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """A concept phrase found in text: the concept, its label, the words as written and where they are."""

    scheme: str
    key: str
    label: str
    phrase: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Scheme:
    index: PhraseIndex
    table: dict[str, tuple[str, str]]  # phrase key -> (concept key, label)


@cache
def _scheme(scheme: str) -> _Scheme | None:
    s = ontology().schemes.get(scheme)
    if s is None:
        return None
    table: dict[str, tuple[str, str]] = {}
    for c in s.concepts.values():
        for phrase in (*c.match, c.label):
            key = phrase_key(phrase)
            if key:
                table.setdefault(key, (c.key, c.label))
    # a phrase's last word in the other number too ("false statement" / "false statements")
    for key, val in list(table.items()):
        table.setdefault(_other_number(key), val)
    return _Scheme(PhraseIndex(table, normalised=True), table)


def _other_number(key: str) -> str:
    head, _, last = key.rpartition(" ")
    if len(last) < 4 or not last.isalpha() or last.endswith(("ss", "us", "is", "ed", "ing", "ly")):
        return key
    other = last[:-1] if last.endswith("s") else last + "s"
    return f"{head} {other}".strip()


def hits_in_tokens(scheme: str, text: str, toks: tuple[Token, ...] | list[Token], offset: int = 0) -> list[ConceptHit]:
    """Concept phrases of ``scheme`` among ``toks`` (tokens of ``text``, offsets relative to it)."""
    sc = _scheme(scheme)
    if sc is None:
        return []
    out: list[ConceptHit] = []
    for key, ti, tj in sc.index.find(toks):
        a, b = toks[ti].start, toks[tj - 1].end
        ck, label = sc.table[key]
        out.append(ConceptHit(scheme, ck, label, text[a:b], offset + a, offset + b))
    return out


def hits(scheme: str, text: str, offset: int = 0) -> list[ConceptHit]:
    """Every concept phrase of ``scheme`` in ``text`` (leftmost, longest), offsets shifted by ``offset``."""
    return hits_in_tokens(scheme, text, tokenize(text), offset)


_LIST_SEP = re.compile(r",\s+|;\s*|\s+/\s+|/|\s+(?:and|or|as well as|plus)\s+")


@lru_cache(maxsize=8192)
def classify(scheme: str, text: str) -> str | None:
    """The key of the concept ``text`` stands for: its longest phrase, the leftmost of equals; else None.
    A list ("dishonesty and excessive force", "rape, sexual assault and false imprisonment") stands for
    its first item's concept: the head of what is said."""
    found = hits(scheme, text)
    if not found:
        return None
    bounds = [0, *(m.start() for m in _LIST_SEP.finditer(text)), len(text)]
    for a, b in itertools.pairwise(bounds):
        first = [h for h in found if a <= h.start < b]
        if first:
            found = first
            break
    best = max(found, key=lambda h: (h.end - h.start, -h.start))
    return best.key


def concept_label(scheme: str, key: str) -> str | None:
    c = ontology().concept(scheme, key)
    return c.label if c else None


def concept_exists(scheme: str, key: str) -> bool:
    return ontology().concept(scheme, key) is not None
