"""Look-ahead batching: a root or list field reads the whole tree of relationships below it.

DataLoaders batch sibling fields, but every nested level then costs an await per field. When a
root lookup or a list has its entities in hand, it walks the fields selected below them and
reads each level of relationships for all the entities of that level at once: one
``store.edges`` call per direction and one ``get_many`` for the far ends, per level. The
relationship fields then resolve synchronously from the request's cache. Page arguments
(``first`` / ``after``) are applied on the way down, so only the entities that will be shown
are expanded. Anything not read ahead (fields reached another way) falls back to the
DataLoaders, which batch it too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from strawberry.types.nodes import SelectedField

from kb.api.context import Context, EdgeKey, other_end
from kb.model import Direction, Edge, Node
from kb.ontology import ontology

# Levels read ahead below one root field (the depth limit bounds queries anyway).
MAX_LEVELS = 8


def _applies(type_condition: str | None, node_type: str) -> bool:
    if type_condition is None or type_condition not in ontology().classes:
        return True  # no condition, or an interface such as Entity
    return ontology().is_a(node_type, type_condition)


def fields_for(selections: Iterable[Any], node_type: str) -> list[SelectedField]:
    """The fields selected on an entity of ``node_type`` (fragments whose type applies)."""
    out: list[SelectedField] = []
    stack = list(selections)
    while stack:
        s = stack.pop()
        if isinstance(s, SelectedField):
            out.append(s)
        elif _applies(getattr(s, "type_condition", None), node_type):
            stack.extend(s.selections)
    return out


def sub_selections(selections: Iterable[Any], path: Sequence[str]) -> list[Any]:
    """The selections found under ``path`` (e.g. ("edges", "node")), through fragments."""
    level: list[Any] = list(selections)
    for step in path:
        nxt: list[Any] = []
        stack = list(level)
        while stack:
            s = stack.pop()
            if isinstance(s, SelectedField):
                if s.name == step:
                    nxt.extend(s.selections)
            else:
                stack.extend(s.selections)
        level = nxt
    return level


def page(edges: Sequence[Edge], entity_id: str, direction: Direction, after: Any, first: Any) -> list[Edge]:
    """A relationship list as its field shows it: sorted by the far end, after ``after``, ``first`` long."""
    if len(edges) > 1:
        ordered = sorted(edges, key=lambda e: (other_end(e, entity_id, direction), e.key))
    else:
        ordered = list(edges)
    if after is not None:
        pos = next((i for i, e in enumerate(ordered) if e.id == after), None)
        ordered = ordered[pos + 1 :] if pos is not None else []
    n = _int(first)
    return ordered[:n] if n is not None and n >= 0 else ordered


def _int(value: Any) -> int | None:
    # Literal arguments come through strawberry's selection API as their source text ("20").
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def prefetch(ctx: Context, nodes: Sequence[Node], selections: Sequence[Any]) -> None:
    """Read ahead every level of relationships selected below ``nodes`` (unless the request's
    executor reads them level by level itself: ``ctx.lookahead`` off)."""
    from kb.api.types import ABOUT, REL_DEFAULT_FIRST, REL_FIELDS_BY_NAME

    if not ctx.lookahead:
        return
    sels0 = list(selections)
    frontier: list[tuple[Node, list[Any]]] = [(n, sels0) for n in nodes]
    # Worked out once per selection list and class. Every list is kept alive in ``below`` (or is
    # ``sels0``) for the whole call, so its id() cannot be reused by another list meanwhile.
    memo: dict[tuple[int, str], list[tuple[Any, SelectedField]]] = {}
    below: dict[int, tuple[SelectedField, list[Any]]] = {}
    for _ in range(MAX_LEVELS):
        wants: list[tuple[Node, Any, SelectedField]] = []
        for node, sels in frontier:
            if not sels:
                continue
            key = (id(sels), node.type)
            rels = memo.get(key)
            if rels is None:
                by_name = REL_FIELDS_BY_NAME.get(node.type, {})
                rels = [(by_name[f.name], f) for f in fields_for(sels, node.type) if f.name in by_name]
                memo[key] = rels
            wants.extend((node, rf, f) for rf, f in rels)
        if not wants:
            return
        # How many of each list to read: the largest page asked for it, or all of it when a
        # field pages with ``after`` or filters afterwards (statistics by measure and date).
        limits: dict[EdgeKey, int | None] = {}
        for node, rf, f in wants:
            lk: EdgeKey = (node.id, rf.rel.name, rf.direction)
            stats = rf.rel.name == ABOUT and rf.direction == "in"
            first = (
                None
                if stats or f.arguments.get("after") is not None
                else _int(f.arguments.get("first", REL_DEFAULT_FIRST))
            )
            if first is None or first < 0 or (lk in limits and limits[lk] is None):
                limits[lk] = None
            else:
                limits[lk] = max(first, limits.get(lk) or 0)
        read_lists(ctx, limits)
        nxt: list[tuple[str, list[Any]]] = []
        for node, rf, f in wants:
            edges = ctx.prefetched.get((node.id, rf.rel.name, rf.direction), [])
            stats = rf.rel.name == ABOUT and rf.direction == "in"
            first = None if stats else f.arguments.get("first", REL_DEFAULT_FIRST)
            shown = page(edges, node.id, rf.direction, f.arguments.get("after"), first)
            if id(f) not in below:
                below[id(f)] = (f, sub_selections(f.selections, ("node",)))
            sub = below[id(f)][1]
            nxt.extend((other_end(e, node.id, rf.direction), sub) for e in shown)
        cache_nodes(ctx, {i for i, _ in nxt})
        frontier = [(ctx.node_cache[i], sels) for i, sels in nxt if i in ctx.node_cache]


def read_lists(ctx: Context, limits: dict[EdgeKey, int | None]) -> None:
    """Relationships for the keys not read yet, the first ``limit`` of each (all for None): one
    store call per direction and limit."""
    todo = {k: n for k, n in limits.items() if ctx.read_ahead(k, n, None) is None}
    if not todo:
        return
    calls: dict[tuple[Direction, int | None], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for (eid, rtype, direction), n in todo.items():
        ids, types = calls[(direction, n)]
        ids.add(eid)
        types.add(rtype)
    found: dict[EdgeKey, list[Edge]] = {k: [] for k in todo}
    for (direction, n), (ids, types) in calls.items():
        if n is None:
            got = ctx.store.edges(sorted(ids), sorted(types), direction)
        else:
            got = ctx.store.first_edges(sorted(ids), sorted(types), direction, n)
        for e in got:
            for k in _keys(e, direction):
                if k in found and todo[k] == n:
                    found[k].append(e)
    ctx.prefetched.update(found)
    for k, n in todo.items():
        if n is None:
            ctx.prefetched_first.pop(k, None)
        else:
            ctx.prefetched_first[k] = n


def _keys(e: Edge, direction: Direction) -> tuple[EdgeKey, ...]:
    """The lists an edge read in ``direction`` belongs to."""
    if direction == "out":
        return ((e.source, e.type, "out"),)
    if direction == "in":
        return ((e.target, e.type, "in"),)
    return (
        ((e.source, e.type, "both"), (e.target, e.type, "both"))
        if e.source != e.target
        else ((e.source, e.type, "both"),)
    )


def cache_nodes(ctx: Context, ids: set[str]) -> None:
    """Read the entities among ``ids`` not in the request's cache yet: one ``get_many``."""
    missing = sorted(ids - ctx.node_cache.keys())
    if missing:
        ctx.node_cache.update(ctx.store.get_many(missing))
