"""Mapping words in a table (a measure header, an allegation category) onto SKOS concepts."""

from __future__ import annotations

import re
from functools import lru_cache

from kb.ontology import ontology


@lru_cache(maxsize=8)
def _phrases(scheme: str) -> tuple[tuple[re.Pattern[str], str, int], ...]:
    s = ontology().schemes.get(scheme)
    if s is None:
        return ()
    out = [
        (re.compile(r"(?<![a-z0-9])" + re.escape(p) + r"(?![a-z0-9])"), c.key, len(p))
        for c in s.concepts.values()
        for p in (c.match or (c.label.lower(),))
    ]
    # Longest phrase first: "no case to answer" must win over "case to answer".
    out.sort(key=lambda t: -t[2])
    return tuple(out)


@lru_cache(maxsize=4096)
def match_concept(scheme: str, text: str) -> str | None:
    """The key of the concept whose longest match phrase occurs in ``text``, or None."""
    low = " ".join(text.lower().split())
    for rx, key, _ in _phrases(scheme):
        if rx.search(low):
            return key
    return None


def concept_exists(scheme: str, key: str) -> bool:
    return ontology().concept(scheme, key) is not None
