"""Counts of outcomes and allegations by category, per force and year, from the case chains.

An allegation belongs to a force when it is made AGAINST the force or one of its officers
(SERVES_IN). An outcome belongs to the forces of the chain that led to it:
Outcome <-RESULTED_IN- Investigation -CONCERNS-> Allegation -AGAINST-> Officer -SERVES_IN-> force
(or of the allegation itself, of an incident the force HANDLED_BY, of an investigation into one).
An outcome that REVERSES another belongs to the same forces; an outcome a standing one reverses is
not counted. A walk is a few batched store calls in a heavy-work slot (kb.api.context), kept while
the store's ``revision`` is unchanged.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

import strawberry

from kb.api.context import Budget, Context, heavy
from kb.api.errors import ApiError
from kb.api.objects import as_string
from kb.api.types import ENTITY_TYPES, wrap
from kb.model import Direction
from kb.ontology import ontology
from kb.store.base import Store

MAX_ROWS = 10_000
CACHED_ANSWERS = 16
Forces = dict[str, set[str]]  # entity id -> the forces it belongs to


async def _force_of(root: Any, info: strawberry.Info[Context, None]) -> Any:
    return wrap(await info.context.node(str(root.force_id)), "PoliceForce")


@strawberry.type(description="How many outcomes or allegations of one category a force had in one year.")
class CategoryCount:
    force_id: strawberry.ID = strawberry.field(description="Id of the force.")
    year: int | None = strawberry.field(description="Year (from the outcome's or allegation's date); null if undated.")
    category: str = strawberry.field(description="Concept key of the category (see `concepts`).")
    category_label: str | None = strawberry.field(description="The concept's preferred label.")
    count: int = strawberry.field(description="How many.")
    force = strawberry.field(
        resolver=_force_of, graphql_type=ENTITY_TYPES["PoliceForce"] | None, description="The force."
    )


def _follow(store: Store, budget: Budget, ids: Forces, rels: list[str], direction: Direction) -> Forces:
    """The entities at the far end of ``rels`` from ``ids``, each with the forces of its near ends."""
    budget.check()
    out: Forces = defaultdict(set)
    for e in store.edges(sorted(ids), rels, direction):
        near, far = (e.source, e.target) if direction == "out" else (e.target, e.source)
        out[far] |= ids.get(near, set())
    return out


def _owners(store: Store, budget: Budget, force: str | None) -> Forces:
    """Each force (or the one asked for), and each officer serving in one, -> those forces."""
    ids = [n.id for n in store.iter_nodes("PoliceForce")] if force is None else [force]
    owner: Forces = {f: {f} for f in ids}
    for officer, forces in _follow(store, budget, owner, ["SERVES_IN"], "in").items():
        owner.setdefault(officer, set()).update(forces)
    return owner


def _standing_outcomes(store: Store, budget: Budget, force: str | None) -> tuple[Forces, dict[str, str]]:
    """Outcomes that stand, with their forces, and the dates of the relations that led to them."""
    # (the registry's domains make every entity reached a case, an investigation or an outcome)
    cases = _follow(store, budget, _owners(store, budget, force), ["AGAINST", "HANDLED_BY"], "in")
    for _ in range(2):  # investigations into those cases, and into allegations about incidents
        for cid, fs in _follow(store, budget, cases, ["CONCERNS"], "in").items():
            cases.setdefault(cid, set()).update(fs)
    outcomes: Forces = defaultdict(set)
    dates: dict[str, str] = {}
    reversers: dict[str, set[str]] = defaultdict(set)
    frontier, rel = cases, "RESULTED_IN"
    while frontier:  # the outcomes of the cases, then outcomes reversing those, and so on
        budget.check()
        nxt: Forces = defaultdict(set)
        for e in store.edges(sorted(frontier), [rel], "out" if rel == "RESULTED_IN" else "in"):
            near, far = (e.source, e.target) if rel == "RESULTED_IN" else (e.target, e.source)
            if rel == "REVERSES":
                reversers[near].add(far)
            if new := frontier[near] - outcomes[far]:
                nxt[far] |= new
                outcomes[far] |= new
            dates.setdefault(far, as_string(e.props.get("date")) or "")
        frontier, rel = nxt, "REVERSES"
    state: dict[str, bool] = {}

    def stands(o: str) -> bool:
        if o not in state:
            state[o] = True  # a reversal cycle: treat as standing rather than loop
            state[o] = not any(stands(r) for r in reversers.get(o, ()))
        return state[o]

    return {o: f for o, f in outcomes.items() if stands(o)}, dates


def _in_range(date: str | None, date_from: str | None, date_to: str | None) -> bool:
    if date is None:
        return date_from is None and date_to is None
    # "2021" is within from=2021-01-01 .. to=2021-12-31: compare on the shared prefix length
    return not ((date_from and date < date_from[: len(date)]) or (date_to and date[: len(date_to)] > date_to))


Records = list[tuple[str, str | None, str]]  # (force, date, category) per counted entity and force


def _records(store: Store, found: Forces, dates: dict[str, str]) -> Records:
    nodes = store.get_many(sorted(found))
    fields = {
        i: (as_string(n.props.get("date")) or dates.get(i) or None, as_string(n.props.get("category")))
        for i, n in nodes.items()
    }
    return [(f, date, category or "unknown") for i, (date, category) in fields.items() for f in found[i]]


def outcomes(store: Store, budget: Budget, force: str | None) -> Records:
    return _records(store, *_standing_outcomes(store, budget, force))


def allegations(store: Store, budget: Budget, force: str | None) -> Records:
    return _records(store, _follow(store, budget, _owners(store, budget, force), ["AGAINST"], "in"), {})


Walk = Callable[[Store, Budget, str | None], Records]
_answers: weakref.WeakKeyDictionary[Store, OrderedDict[tuple[Any, ...], Records]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def counts(
    store: Store, budget: Budget, walk: Walk, force: str | None, date_from: str | None, date_to: str | None
) -> list[CategoryCount]:
    """Rows of ``walk``'s records in the period, by force, year and category. The records are
    kept while the store's revision is unchanged."""
    revision, scheme = store.revision, "outcome-category" if walk is outcomes else "allegation-category"
    with _lock:
        answers = _answers.setdefault(store, OrderedDict())
        records = answers.get((revision, walk.__name__, force)) if revision is not None else None
    if records is None:
        with heavy(budget):
            records = walk(store, budget, force)
        with _lock:
            if revision is not None and store.revision == revision:
                answers[(revision, walk.__name__, force)] = records
                while len(answers) > CACHED_ANSWERS:
                    answers.popitem(last=False)
    tally = Counter(
        (f, int(d[:4]) if d and d[:4].isdigit() else None, c) for f, d, c in records if _in_range(d, date_from, date_to)
    )
    if len(tally) > MAX_ROWS:
        raise ApiError(f"more than {MAX_ROWS:,} rows: ask for one force (`force`) or a period (`from` / `to`)")
    budget.spend(len(tally))
    labels = {c: (concept.label if (concept := ontology().concept(scheme, c)) else None) for _, _, c in tally}
    rows = sorted(tally.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2]))
    return [
        CategoryCount(force_id=strawberry.ID(f), year=y, category=c, category_label=labels[c], count=n)
        for (f, y, c), n in rows
    ]
