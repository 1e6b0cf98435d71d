"""The memory store's full-text index over names and aliases.

Labels are normalised (``kb.identity.normalise_name``: folded, punctuation dropped, single
spaces). A query's words must all occur in an entity's labels, the last one possibly
unfinished (any of the first ``PREFIX_WORDS`` known words it begins); stop words only count
when the query has nothing else. Candidates are ranked by

* 3.0 when the query is the entity's name, 2.5 when it is one of its aliases;
* 2.0 when one of its labels starts with the query;
* else 1 + the best share of one label's words that are query words;

then by shorter name, then id. :meth:`SearchIndex._scan` does exactly that, scoring every
candidate; :meth:`SearchIndex.search` gives the same answer (tests compare the two) while
scoring few, which matters when a query's words are common (at 10^6 entities "met police"
has 15,000 candidates, "conduct of officers" 90,000):

* the candidates scoring 2.0 or more are found in a table of labels sorted by text;
* every other candidate scores at most ``1 + min(1, w / fewest)``, ``w`` the query's distinct
  words and ``fewest`` the words of the candidate's shortest label. Each word's holders are
  kept in *rank order*, by (fewest, name length, id), so walking them gives candidates in
  an order where that bound only falls and, where it is equal, the tie-break only rises: the
  walk stops at the first candidate that cannot enter the answer found so far.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

from kb.identity import normalise_name

# Words that do not narrow a search on their own ("police" is in most forces' names).
STOP = frozenset({"the", "of", "and", "for", "a", "an", "in", "on", "at", "to", "police"})
# Words the last query word may stand for (it may be unfinished): the first this many.
PREFIX_WORDS = 200
# Candidate pools up to this size are sorted by rank (in C) rather than walked lazily.
SORT_MAX = 8192

# An entity's rank in (fewest, name length, id) order, merged type, name, normalised labels
# (name first), ``fewest`` (the words of its shortest label) and its place in (name length, id)
# order, how equal scores are ordered. The rank leads, so sorting or
# merging ids by their Labels (``key=labels.__getitem__``) orders them by rank, in C.
Labels = tuple[int, str, str, tuple[str, ...], int, int]
Key = tuple[float, int, str]
Accept = Callable[[str], bool] | None
Hits = list[tuple[str, float]]


# A name already in normalised form but for its case: ASCII letters and digits, single spaces.
_PLAIN = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")


def normalise_label(text: str) -> str:
    """``kb.identity.normalise_name(text)``, with a fast path for the common plain name (one
    regex match instead of five passes: a sixth of building the index at 10^6 entities)."""
    if _PLAIN.fullmatch(text):
        s = text.lower()
        return s[4:] if s.startswith("the ") else s
    return normalise_name(text)


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
    """Word -> holders (a set, and a list in rank order), with the label table ranking reads."""

    def __init__(self, entries: Iterable[tuple[str, str, str, tuple[str, ...]]]) -> None:
        """``entries``: (id, merged type, name, normalised labels with the name's first)."""
        rows: list[tuple[int, int, str, str, str, tuple[str, ...]]] = []
        for n, t, name, labs in entries:
            rows.append((min(lab.count(" ") + 1 for lab in labs), len(name), n, t, name, labs))
        rows.sort()
        tie_order = sorted(range(len(rows)), key=lambda i: (rows[i][1], rows[i][2]))
        tie = [0] * len(rows)
        for place, i in enumerate(tie_order):
            tie[i] = place
        labels: dict[str, Labels] = {}
        ranked: defaultdict[str, list[str]] = defaultdict(list)
        by_type: defaultdict[str, set[str]] = defaultdict(set)
        tie_of: dict[str, int] = {}
        for rank, (fewest, _, n, t, name, labs) in enumerate(rows):
            labels[n] = (rank, t, name, labs, fewest, tie[rank])
            tie_of[n] = tie[rank]
            by_type[t].add(n)
            # labels hold single spaces only: one join and split in C gives every word
            for tok in dict.fromkeys(" ".join(labs).split() if len(labs) > 1 else labs[0].split()):
                ranked[tok].append(n)  # entities come in rank order, so every list is in it
        self._tie_node = [rows[i][2] for i in tie_order]
        # the same holders in (name length, id) order: sorted in C, most lists are short
        tied = {w: sorted(ids, key=tie_of.__getitem__) if len(ids) > 1 else ids for w, ids in ranked.items()}
        del tie_of
        self.labels = labels
        self.ranked: dict[str, list[str]] = dict(ranked)
        self.tied: dict[str, list[str]] = tied
        self.index: dict[str, set[str]] = {w: set(ids) for w, ids in self.ranked.items()}
        self.by_type: dict[str, set[str]] = dict(by_type)
        self.words = sorted(self.index)
        pairs = sorted((lab, n) for n, (_, _, _, labs, _, _) in labels.items() for lab in labs)
        self.label_text = [lab for lab, _ in pairs]
        self.label_node = [n for _, n in pairs]
        del pairs
        self._by_tie = _RangeMin([labels[n][5] for n in self.label_node])

    def warm(self) -> None:
        """Nothing left to prepare: the index is complete once built."""

    def _prefix_words(self, t: str) -> list[str]:
        lo = bisect.bisect_left(self.words, t)
        return [w for w in itertools.takewhile(lambda w: w.startswith(t), self.words[lo : lo + PREFIX_WORDS])]

    # -- the reference: score every candidate --------------------------------------------------
    def _scan(self, tokens: Sequence[str], accept: Accept, limit: int) -> Hits:
        """Score every candidate."""
        if not tokens or limit < 1:
            return []
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
        keys = [self._key(n, qnorm, words) for n in candidates or () if accept is None or accept(self.labels[n][1])]
        return [(n, -neg) for neg, _, n in heapq.nsmallest(limit, keys)]

    def _key(self, n: str, qnorm: str, words: Sequence[str]) -> Key:
        _, _, name, labs, _, _ = self.labels[n]
        return (-score(labs, qnorm, words), len(name), n)

    # -- the search ------------------------------------------------------------------------------
    def search(self, tokens: Sequence[str], accept: Accept, limit: int) -> Hits:
        """(id, score) of the best ``limit`` entities for the query words ``tokens``;
        ``accept`` filters by merged type. The answer of :meth:`_scan` (see module doc)."""
        if not tokens or limit < 1:
            return []
        significant = [t for t in tokens if t not in STOP] or list(tokens)
        *full_words, last = significant
        full = sorted((self.index.get(t) for t in dict.fromkeys(full_words)), key=lambda s: len(s or ()))
        prefix = self._prefix_words(last)
        if not prefix or any(s is None for s in full):
            return []
        sets = [s for s in full if s is not None]
        labels = self.labels
        prefix_sets = [self.index[w] for w in prefix]
        prefix_set = set(prefix)

        def candidate(n: str) -> bool:
            """Holds every full word, and a word the last one stands for."""
            for s in sets:
                if n not in s:
                    return False
            if len(prefix_sets) <= 8:
                return any(n in s for s in prefix_sets)
            return any(w in prefix_set for lab in labels[n][3] for w in lab.split())

        types = self._types(accept)
        qnorm = " ".join(tokens)
        words = [f" {w} " for w in dict.fromkeys(tokens)]
        answer = _Best(limit)
        self._top_labels(qnorm, words, candidate, types, answer)
        walk = self._walk(full_words, sets, prefix, prefix_sets, types)
        # A query word held by nobody after rank r adds no hit there: the last rank of each
        # word's holders, in order, tells how many words the rest of the walk may still hit.
        last_rank = sorted(labels[self.ranked[w.strip()][-1]][0] for w in words if w.strip() in self.ranked)
        dropped = 0
        prev = None
        for n in walk:
            if n is prev:  # held through two of the words ``last`` stands for
                continue
            prev = n
            rank, typ, name, labs, fewest, _ = labels[n]
            while dropped < len(last_rank) and last_rank[dropped] < rank:
                dropped += 1
            may_hit = len(last_rank) - dropped
            if not may_hit:  # everything left scores 1.0: ordered by name length and id
                if not sets:
                    self._walk_ties(rank, prefix, qnorm, words, candidate, types, answer)
                break  # (with full words, every candidate holds them: none is left)
            if answer.full():
                if may_hit <= fewest:  # the bound falls from here on, ties in rank order
                    if (-(1.0 + may_hit / fewest), len(name), n) > answer.worst():
                        break
                elif answer.worst()[0] < -2.0:
                    break
            if (types is not None and typ not in types) or not candidate(n):
                continue
            answer.offer((-score(labs, qnorm, words), len(name), n))
        return answer.hits()

    def _walk_ties(
        self,
        rank: int,
        prefix: Sequence[str],
        qnorm: str,
        words: Sequence[str],
        candidate: Callable[[str], bool],
        types: set[str] | None,
        answer: _Best,
    ) -> None:
        """Offer the candidates from ``rank`` on, all scoring 1.0, in (name length, id) order."""
        labels = self.labels
        lists = [self.tied[w] for w in prefix]
        tied = lists[0] if len(lists) == 1 else heapq.merge(*lists, key=lambda n: labels[n][5])
        for n in tied:
            r, typ, name, labs, _, _ = labels[n]
            if answer.full() and (-1.0, len(name), n) > answer.worst():
                break
            if r < rank or (types is not None and typ not in types) or not candidate(n):
                continue
            answer.offer((-score(labs, qnorm, words), len(name), n))

    def _types(self, accept: Accept) -> set[str] | None:
        """The merged types ``accept`` takes (None: every type)."""
        if accept is None:
            return None
        return {t for t in self.by_type if accept(t)}

    def _top_labels(
        self, qnorm: str, words: Sequence[str], candidate: Callable[[str], bool], types: set[str] | None, answer: _Best
    ) -> None:
        """Offer the candidates with a label that is the query (3.0 / 2.5), and the best
        ``limit`` of those with a label beginning with it (2.0, so ordered by name length and
        id: taken in that order from the label table's range-minimum tree)."""
        text, node, labels = self.label_text, self.label_node, self.labels
        lo = bisect.bisect_left(text, qnorm)
        eq = bisect.bisect_right(text, qnorm, lo)
        hi = bisect.bisect_left(text, qnorm + "\U0010ffff", eq)
        exact = set(node[lo:eq])
        for n in exact:
            typ, name, labs = labels[n][1:4]
            if (types is None or typ in types) and candidate(n):
                answer.offer((-score(labs, qnorm, words), len(name), n))
        if eq == hi:
            return
        if types is None:
            ranked: Iterable[str] = (self._tie_node[t] for t in self._by_tie.ascending(eq, hi))
        else:  # narrowed by type in C, then ordered: a rare type must not walk a huge range
            pool = set(node[eq:hi])
            kept: set[str] = set()
            for t in types:
                kept |= pool & self.by_type[t]
            kept = {n for n in kept - exact if candidate(n)}
            ranked = heapq.nsmallest(answer.limit, kept, key=lambda n: labels[n][5])
        taken = 0
        for n in ranked:
            if n in exact or not candidate(n):
                continue
            if answer.offer((-2.0, len(labels[n][2]), n)):
                taken += 1
            if taken >= answer.limit or (answer.full() and (-2.0, len(labels[n][2]), n) > answer.worst()):
                break

    def _walk(
        self,
        full_words: Sequence[str],
        sets: list[set[str]],
        prefix: Sequence[str],
        prefix_sets: list[set[str]],
        types: set[str] | None,
    ) -> Iterable[str]:
        """A superset of the candidates (of the accepted types), in rank order.

        The candidates are found by set intersections in C (the union of what the last word
        stands for only when it is not huge), narrowed by type; a pool of at most ``SORT_MAX`` is
        sorted by rank, a larger one walked lazily through a word's rank-ordered holders (kept to
        the pool), which the caller stops early.
        """
        labels = self.labels
        tail: set[str] | None = None
        if len(prefix_sets) == 1:
            tail = prefix_sets[0]
        elif sum(map(len, prefix_sets)) <= 4 * SORT_MAX or (types is not None and not sets):
            tail = prefix_sets[0].union(*prefix_sets[1:])
        parts = [*sets, tail] if tail is not None else list(sets)
        pool: set[str] | None = None
        if parts:
            parts.sort(key=len)
            pool = parts[0] if len(parts) == 1 else parts[0].intersection(*parts[1:])
        if types is not None and pool is not None:
            narrowed: set[str] = set()
            for t in types:
                narrowed |= pool & self.by_type[t]
            pool = narrowed
        if pool is not None and len(pool) <= SORT_MAX:
            return sorted(pool, key=labels.__getitem__)
        if sets:  # the smallest full word's holders
            walk: Iterable[str] = self.ranked[next(t for t in full_words if self.index[t] is sets[0])]
        else:
            lists = [self.ranked[w] for w in prefix]
            walk = lists[0] if len(lists) == 1 else heapq.merge(*lists, key=labels.__getitem__)
        if pool is None or (not sets and pool is tail and types is None):
            return walk
        return _kept(walk, pool)


def _kept(walk: Iterable[str], pool: set[str]) -> Iterator[str]:
    for n in walk:
        if n in pool:
            yield n


class _Best:
    """The best ``limit`` keys so far, sorted; an id offered twice counts once."""

    __slots__ = ("ids", "keys", "limit")

    def __init__(self, limit: int) -> None:
        self.keys: list[Key] = []
        self.ids: set[str] = set()
        self.limit = limit

    def full(self) -> bool:
        return len(self.keys) >= self.limit

    def worst(self) -> Key:
        return self.keys[-1]

    def offer(self, key: Key) -> bool:
        """Keep ``key`` if it is among the best; whether it was."""
        if key[2] in self.ids:
            return False
        if len(self.keys) >= self.limit:
            if key >= self.keys[-1]:
                return False
            self.ids.discard(self.keys.pop()[2])
        bisect.insort(self.keys, key)
        self.ids.add(key[2])
        return True

    def hits(self) -> Hits:
        return [(n, -neg) for neg, _, n in self.keys]


class _RangeMin:
    """A range-minimum tree over a list of distinct ints: the values of any slice in ascending
    order, lazily (about log n steps each)."""

    def __init__(self, values: Sequence[int]) -> None:
        size = 1
        while size < len(values):
            size *= 2
        big = 1 << 62
        tree = array("q", [big]) * (2 * size)
        tree[size : size + len(values)] = array("q", values)
        for i in range(size - 1, 0, -1):
            tree[i] = min(tree[2 * i], tree[2 * i + 1])
        self.tree, self.size, self.big = tree, size, big

    def ascending(self, lo: int, hi: int) -> Iterator[int]:
        """The values at positions lo..hi-1, smallest first."""
        tree, size = self.tree, self.size
        heap: list[tuple[int, int]] = []
        a, b = lo + size, hi + size
        while a < b:  # the canonical cover of [lo, hi)
            if a & 1:
                heap.append((tree[a], a))
                a += 1
            if b & 1:
                b -= 1
                heap.append((tree[b], b))
            a //= 2
            b //= 2
        heapq.heapify(heap)
        while heap:
            v, i = heapq.heappop(heap)
            if i >= size:
                yield v
                continue
            for child in (2 * i, 2 * i + 1):
                if tree[child] != self.big:
                    heapq.heappush(heap, (tree[child], child))
