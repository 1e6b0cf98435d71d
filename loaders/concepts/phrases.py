"""Fast lookup of many known phrases (aliases, gazetteer names, concept phrases) in text.

A big regex alternation is slow in Python's engine; instead the text is split into word
tokens once and every known phrase is a dictionary key of normalised tokens, checked at
each token whose word can start a phrase (leftmost, longest match wins).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

_TOK = re.compile(r"[^\W_]+(?:['’][^\W_]+)*['’]?|&")


class Token(NamedTuple):
    """A word: its normalised key and where it is (a tuple: millions are made, so cheap to build)."""

    key: str
    start: int
    end: int


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """Folded word: lower case, no accents, no possessive 's, no apostrophes, '&' read as 'and'."""
    if word == "&":
        return "and"
    w = word.lower()
    s = w if w.isascii() else "".join(ch for ch in unicodedata.normalize("NFKD", w) if not unicodedata.combining(ch))
    if "'" in s or "’" in s:
        s = re.sub(r"['’]s$", "", s).replace("'", "").replace("’", "")
    return s


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(Token(word_key(m.group(0)), m.start(), m.end()) for m in _TOK.finditer(text))


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Word tokens of ``text``; offsets are shifted by ``offset``."""
    toks = _tokens(text)
    if not offset:
        return list(toks)
    return [Token(t.key, t.start + offset, t.end + offset) for t in toks]


def tokens_rel(text: str) -> tuple[Token, ...]:
    """Word tokens of ``text`` with offsets relative to it (cached: sentences are scanned several times)."""
    return _tokens(text)


def phrase_key(text: str) -> str:
    """Normalised phrase: its word keys joined by spaces, without a leading 'the'."""
    keys = [t.key for t in tokenize(text)]
    if len(keys) > 1 and keys[0] == "the":
        keys = keys[1:]
    return " ".join(keys)


class PhraseIndex:
    """A set of phrases found by token lookups (a trie of word keys)."""

    def __init__(self, phrases: Iterable[str], normalised: bool = False) -> None:
        self.keys: set[str] = set()
        # word -> (children, phrase key ending here or "")
        self.root: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for p in phrases:
            k = p if normalised else phrase_key(p)
            if not k:
                continue
            self.keys.add(k)
            node = self.root
            words = k.split(" ")
            for n, w in enumerate(words):
                child = node.get(w)
                if child is None:
                    child = ({}, [])
                    node[w] = child
                if n == len(words) - 1:
                    child[1].append(k)
                node = child[0]

    def find(self, toks: list[Token] | tuple[Token, ...]) -> list[tuple[str, int, int]]:
        """(phrase key, first token index, end token index) of leftmost-longest matches."""
        out: list[tuple[str, int, int]] = []
        i = 0
        n = len(toks)
        root = self.root
        while i < n:
            entry = root.get(toks[i].key)
            if entry is None:
                i += 1
                continue
            hit: tuple[str, int, int] | None = None
            j = i
            while entry is not None:
                if entry[1]:
                    hit = (entry[1][0], i, j + 1)
                j += 1
                if j >= n:
                    break
                entry = entry[0].get(toks[j].key)
            if hit:
                out.append(hit)
                i = hit[2]
            else:
                i += 1
        return out
