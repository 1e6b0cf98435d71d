"""``policekb duplicates``: people of the same name kept apart, with the evidence for and against.

Namesakes share a family id (``person/james-walker``, ``person/james-walker--cumbria``): the
resolver gives a mention a new id whenever the evidence does not point to exactly one existing
person, so every such pair is listed here for a human to decide (``policekb merge`` or leave
them). Pairs a split judgement keeps apart are not listed again.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from kb.app.judgements import Judgements
from kb.app.resolve import People, profile
from kb.identity import Comparison, compare, family
from kb.store.base import Store


@dataclass(frozen=True)
class Candidate:
    """Two namesakes that may be one person."""

    a: str
    b: str
    name: str
    comparison: Comparison
    a_sources: tuple[str, ...]
    b_sources: tuple[str, ...]


def find_duplicates(store: Store, judgements: Judgements) -> tuple[list[Candidate], int]:
    """The undecided pairs of namesakes, and how many pairs a split judgement keeps apart."""
    ids = store.ids_with_prefix(["person/"])["person/"]
    families: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        families[family(i)].append(i)
    roots = sorted(r for r, members in families.items() if len(members) > 1)
    if not roots:
        return [], 0
    people = People(store, roots, judgements)
    out: list[Candidate] = []
    judged = 0
    for r in roots:
        members = sorted(m for m in families[r] if people.live(m))
        profiles = {m: profile(m, people.parts[m], people.orders, people.labels) for m in members}
        for a, b in itertools.combinations(members, 2):
            if judgements.distinct(a, b) is not None:
                judged += 1
                continue
            pa, pb = profiles[a], profiles[b]
            out.append(
                Candidate(
                    a, b, pa.name, compare(pa, pb), tuple(sorted(people.parts[a])), tuple(sorted(people.parts[b]))
                )
            )
    return out, judged


def format_duplicates(found: list[Candidate], judged: int) -> str:
    if not found:
        lines = ["no possible duplicates: no two people of one name are kept apart"]
    else:
        lines = [
            f"{len(found)} possible duplicate(s): people of one name kept apart because the evidence does not "
            "make them one.",
            "Decide with `policekb merge A B` (B is A), or leave them apart.",
        ]
    for c in found:
        lines += [
            "",
            f"{c.name}",
            f"  {c.a}   ({', '.join(c.a_sources)})",
            f"  {c.b}   ({', '.join(c.b_sources)})",
            "  for:     " + "; ".join(c.comparison.for_),
            "  against: " + ("; ".join(c.comparison.against) or "nothing the sources say (several people fit)"),
        ]
    if judged:
        lines += ["", f"({judged} pair(s) kept apart by a split judgement are not listed)"]
    return "\n".join(lines)


def duplicates_json(found: list[Candidate]) -> list[dict[str, object]]:
    return [
        {
            "a": c.a,
            "b": c.b,
            "name": c.name,
            "for": list(c.comparison.for_),
            "against": list(c.comparison.against),
            "aSources": list(c.a_sources),
            "bSources": list(c.b_sources),
        }
        for c in found
    ]
