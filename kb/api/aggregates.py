"""Counts of outcomes and allegations by category, per force and year.

A case belongs to a force when an allegation is made against the force or one of its
officers (SERVES_IN), or an incident was handled by it (HANDLED_BY); an investigation
belongs to the forces of the cases it concerns. Outcomes belong to the forces of the cases
that resulted in them. Each walk is a handful of batched store calls, whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Optional

import strawberry

from kb.api.context import Context
from kb.api.objects import as_string, signed, year_of
from kb.api.types import ENTITY_TYPES, wrap
from kb.model import Node
from kb.ontology import ontology
from kb.store.base import Store

CASE_TYPES = ("Allegation", "Incident", "Investigation")
_FORCE_TYPE = ENTITY_TYPES["PoliceForce"]


async def _force_of(root: Any, info: strawberry.Info[Context, None]) -> Any:
    n = await info.context.nodes.load(str(root.force_id))
    return wrap(n) if n is not None and n.type == "PoliceForce" else None


@strawberry.type(description="How many outcomes or allegations of one category a force had in one year.")
class CategoryCount:
    force_id: strawberry.ID = strawberry.field(description="Id of the force.")
    year: int | None = strawberry.field(
        description="Year (from the outcome's or allegation's date); null when undated."
    )
    category: str = strawberry.field(description="Concept key of the category (see `concepts`).")
    category_label: str | None = strawberry.field(description="The concept's preferred label.")
    count: int = strawberry.field(description="How many.")

    force = strawberry.field(
        resolver=signed(_force_of, [], Optional[_FORCE_TYPE]),  # noqa: UP045
        description="The force.",
    )


@dataclass
class _CaseMap:
    cases: dict[str, set[str]]  # case id -> force ids
    nodes: dict[str, Node]


def _forces(store: Store, force: str | None) -> list[str]:
    if force is not None:
        return [force] if store.get(force) is not None else []
    out: list[str] = []
    after: str | None = None
    while True:
        page = store.list("PoliceForce", after=after, limit=100)
        out.extend(n.id for n in page.nodes)
        if not page.has_next or page.end_cursor is None:
            return out
        after = page.end_cursor


def _case_map(store: Store, force_ids: list[str]) -> _CaseMap:
    owner: dict[str, set[str]] = defaultdict(set)  # officer or force id -> force ids
    for f in force_ids:
        owner[f].add(f)
    for e in store.edges(force_ids, ["SERVES_IN"], "in"):
        owner[e.source].add(e.target)
    cases: dict[str, set[str]] = defaultdict(set)
    for e in store.edges(sorted(owner), ["AGAINST", "HANDLED_BY"], "in"):
        cases[e.source] |= owner[e.target]
    if cases:
        for e in store.edges(sorted(cases), ["CONCERNS"], "in"):
            cases[e.source] |= cases[e.target]
    nodes = store.get_many(sorted(cases))
    return _CaseMap({c: f for c, f in cases.items() if c in nodes and nodes[c].type in CASE_TYPES}, nodes)


def _in_range(date: str | None, date_from: str | None, date_to: str | None) -> bool:
    if date_from is None and date_to is None:
        return True
    if date is None:
        return False
    # "2021" is within from=2021-01-01 .. to=2021-12-31: compare on the shared prefix length
    if date_from is not None and date < date_from[: len(date)]:
        return False
    return not (date_to is not None and date[: len(date_to)] > date_to)


def _label(scheme: str, key: str) -> str | None:
    c = ontology().concept(scheme, key)
    return c.label if c else None


def _rows(counts: dict[tuple[str, int | None, str], int], scheme: str) -> list[CategoryCount]:
    return [
        CategoryCount(force_id=strawberry.ID(f), year=y, category=c, category_label=_label(scheme, c), count=n)
        for (f, y, c), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2]))
    ]


def outcome_counts(store: Store, force: str | None, date_from: str | None, date_to: str | None) -> list[CategoryCount]:
    cm = _case_map(store, _forces(store, force))
    outcome_forces: dict[str, set[str]] = defaultdict(set)
    edge_date: dict[str, str] = {}
    if cm.cases:
        for e in store.edges(sorted(cm.cases), ["RESULTED_IN"], "out"):
            outcome_forces[e.target] |= cm.cases.get(e.source, set())
            d = as_string(e.props.get("date"))
            if d:
                edge_date.setdefault(e.target, d)
    outcomes = store.get_many(sorted(outcome_forces))
    counts: dict[tuple[str, int | None, str], int] = defaultdict(int)
    for oid, forces in outcome_forces.items():
        o = outcomes.get(oid)
        if o is None or o.type != "Outcome":
            continue
        date = as_string(o.props.get("date")) or edge_date.get(oid)
        if not _in_range(date, date_from, date_to):
            continue
        cat = as_string(o.props.get("category")) or "unknown"
        for f in forces:
            counts[(f, year_of(date), cat)] += 1
    return _rows(counts, "outcome-category")


def allegation_counts(
    store: Store, force: str | None, date_from: str | None, date_to: str | None
) -> list[CategoryCount]:
    cm = _case_map(store, _forces(store, force))
    counts: dict[tuple[str, int | None, str], int] = defaultdict(int)
    for cid, forces in cm.cases.items():
        n = cm.nodes[cid]
        if n.type != "Allegation":
            continue
        date = as_string(n.props.get("date"))
        if not _in_range(date, date_from, date_to):
            continue
        cat = as_string(n.props.get("category")) or "unknown"
        for f in forces:
            counts[(f, year_of(date), cat)] += 1
    return _rows(counts, "allegation-category")
