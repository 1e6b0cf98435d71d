"""Counts of outcomes and allegations by category, per force and year.

A case belongs to a force when an allegation is made against the force or one of its
officers (SERVES_IN), or an incident was handled by it (HANDLED_BY); an investigation
belongs to the forces of the cases it concerns. Outcomes belong to the forces of the cases
that resulted in them. Each walk is a handful of batched store calls, whatever the size.

Over every force of a national KB a walk reads most of the graph (seconds at 10^6 entities),
so :func:`counts` runs it in a worker thread, one walk at a time per store (the event loop
keeps serving other requests), and keeps recent answers for as long as the store's
``revision`` says its content is unchanged.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import anyio.to_thread
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


CACHED_ANSWERS = 16
Walk = Callable[[Store, str | None, str | None, str | None], list[CategoryCount]]


@dataclass
class _Answers:
    """Recent aggregate answers for one store, and the lock that lets one walk run at a time."""

    rows: OrderedDict[tuple[Any, ...], list[CategoryCount]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_answers: weakref.WeakKeyDictionary[Store, _Answers] = weakref.WeakKeyDictionary()
_answers_lock = threading.Lock()


def _cached_walk(
    store: Store, walk: Walk, force: str | None, date_from: str | None, date_to: str | None
) -> list[CategoryCount]:
    """``walk``'s answer, from the cache while the store's revision is unchanged (worker thread)."""
    with _answers_lock:
        answers = _answers.setdefault(store, _Answers())
    with answers.lock:
        revision = store.revision
        key = (revision, walk.__name__, force, date_from, date_to)
        rows = answers.rows.get(key) if revision is not None else None
        if rows is not None:
            answers.rows.move_to_end(key)
            return rows
        rows = walk(store, force, date_from, date_to)
        if revision is not None and store.revision == revision:
            answers.rows[key] = rows
            while len(answers.rows) > CACHED_ANSWERS:
                answers.rows.popitem(last=False)
        return rows


async def counts(
    store: Store, walk: Walk, force: str | None, date_from: str | None, date_to: str | None
) -> list[CategoryCount]:
    """``walk`` (:func:`outcome_counts` or :func:`allegation_counts`) off the event loop, cached."""
    return await anyio.to_thread.run_sync(_cached_walk, store, walk, force, date_from, date_to)
