"""The memory store's full-text index over names and aliases.

Labels are normalised (``kb.identity.normalise_name``: folded, punctuation dropped, single
spaces). A query's words must all occur in an entity's labels, the last one possibly
unfinished (any word it begins). Candidates are ranked by

* 3.0 when the query is the entity's name, 2.5 when it is one of its aliases;
* 2.0 when one of its labels starts with the query;
* else 1 + the best share of one label's words that are query words;

then by shorter name, then id.

A one-word query for a common word (a surname shared by thousands at 10^6 entities) would
score every holder of the word, and every entity with a longer word it begins, on each
search. Instead, for words held by at least ``RANKED_MIN`` entities the index keeps their
holders already in rank order, and a label table sorted by text finds the entities that rank
through a label *beginning* with the word; the rest rank last and are only scanned when the
answer needs them. The answer is the same as scoring every candidate (tests compare the two).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

# Words that do not narrow a search on their own ("police" is in most forces' names).
STOP = frozenset({"the", "of", "and", "for", "a", "an", "in", "on", "at", "to", "police"})
# Words the last query word may stand for (it may be unfinished): the first this many.
PREFIX_WORDS = 200
# Words held by at least this many entities get a ranked holder list.
RANKED_MIN = 1000

# An entity's merged type, name and normalised labels (name first).
Labels = tuple[str, str, tuple[str, ...]]
Key = tuple[float, int, str]
Accept = Callable[[str], bool] | None
Hits = list[tuple[str, float]]


def score(labs: tuple[str, ...], qnorm: str, words: Sequence[str]) -> float:
    """How well labels match a query (``words``: the query's distinct words, space-padded)."""
    if qnorm in labs:
        return 3.0 if labs[0] == qnorm else 2.5
    best = 0.0
    for lab in labs:
        if lab.startswith(qnorm):
            return 2.0
        # whole-word tests as substring tests on the space-padded label: no split, no set
        padded = f" {lab} "
        hits = sum(1 for w in words if w in padded)
        if hits:
            best = max(best, hits / (lab.count(" ") + 1))
    return 1.0 + best


class SearchIndex:
    """Word -> entity ids, with the label table the ranking reads."""

    def __init__(self, entries: Iterable[tuple[str, str, str, tuple[str, ...]]]) -> None:
        """``entries``: (id, merged type, name, normalised labels with the name's first)."""
        index: defaultdict[str, set[str]] = defaultdict(set)
        labels: dict[str, Labels] = {}
        for n, t, name, labs in entries:
            labels[n] = (t, name, labs)
            for lab in labs:
                for tok in lab.split():
                    index[tok].add(n)
        self.index: dict[str, set[str]] = dict(index)
        self.words = sorted(index)
        self.labels = labels
        pairs = sorted((lab, n) for n, (_, _, labs) in labels.items() for lab in labs)
        self.label_text = [lab for lab, _ in pairs]
        self.label_node = [n for _, n in pairs]
        self._ranked: dict[str, list[str]] = {}

    def warm(self) -> None:
        """Rank the holders of every common word now, not on its first search."""
        for word, ids in self.index.items():
            if len(ids) >= RANKED_MIN:
                self._ranked_holders(word)

    def _key(self, n: str, qnorm: str, words: Sequence[str]) -> Key:
        _, name, labs = self.labels[n]
        return (-score(labs, qnorm, words), len(name), n)

    def _ranked_holders(self, word: str) -> list[str]:
        ranked = self._ranked.get(word)
        if ranked is None:
            words = [f" {word} "]
            ranked = sorted(self.index[word], key=lambda n: self._key(n, word, words))
            self._ranked[word] = ranked
        return ranked

    def _prefix_words(self, t: str) -> list[str]:
        lo = bisect.bisect_left(self.words, t)
        return [w for w in itertools.takewhile(lambda w: w.startswith(t), self.words[lo : lo + PREFIX_WORDS])]

    def search(self, tokens: Sequence[str], accept: Accept, limit: int) -> Hits:
        """(id, score) of the best ``limit`` entities for the query words ``tokens``;
        ``accept`` filters by merged type."""
        if not tokens or limit < 1:
            return []
        if len(tokens) == 1:
            fast = self._one_word(tokens[0], accept, limit)
            if fast is not None:
                return fast
        return self._scan(tokens, accept, limit)

    def _scan(self, tokens: Sequence[str], accept: Accept, limit: int) -> Hits:
        """Score every candidate."""
        significant = [t for t in tokens if t not in STOP] or list(tokens)
        candidates: set[str] | None = None
        for i, t in enumerate(significant):
            ids = set(self.index.get(t, ()))
            if i == len(significant) - 1:  # the last word may be unfinished
                for w in self._prefix_words(t):
                    ids |= self.index[w]
            candidates = ids if candidates is None else candidates & ids
            if not candidates:
                return []
        qnorm = " ".join(tokens)
        words = [f" {w} " for w in dict.fromkeys(tokens)]
        keys = [self._key(n, qnorm, words) for n in candidates or () if accept is None or accept(self.labels[n][0])]
        return [(n, -neg) for neg, _, n in heapq.nsmallest(limit, keys)]

    def _one_word(self, t: str, accept: Accept, limit: int) -> Hits | None:
        """A one-word query. The entities holding the word rank above every other candidate
        (common words keep their holders ranked); the others (entities with a word that merely
        begins with ``t``) score 2.0 when a label begins with ``t`` and 1.0 otherwise. None when
        the answer needs those 1.0 candidates (fewer than ``limit`` others match): the caller
        scans."""
        holders = self.index.get(t, set())
        words = [f" {t} "]
        best: list[Key] = []
        if len(holders) >= RANKED_MIN:
            for n in self._ranked_holders(t):
                if accept is None or accept(self.labels[n][0]):
                    best.append(self._key(n, t, words))
                    if len(best) >= limit:
                        break
        else:
            best = [self._key(n, t, words) for n in holders if accept is None or accept(self.labels[n][0])]
        # Labels whose first word begins with t but is longer: contiguous in the sorted label
        # table after the labels equal to t or starting "t " (a space sorts before letters).
        others = set(self._prefix_words(t)) - {t}
        lo = bisect.bisect_left(self.label_text, t + "!")
        hi = bisect.bisect_left(self.label_text, t + "\U0010ffff")
        seen: set[str] = set()
        for i in range(lo, hi):
            n = self.label_node[i]
            if n in holders or n in seen:
                continue
            seen.add(n)
            typ, name, labs = self.labels[n]
            # a candidate only through one of the words the last query word stands for
            if (accept is None or accept(typ)) and any(w in others for lab in labs for w in lab.split()):
                best.append((-2.0, len(name), n))
        if len(best) < limit:
            return None
        return [(n, -neg) for neg, _, n in heapq.nsmallest(limit, best)]
