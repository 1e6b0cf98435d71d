"""Shortest paths in the memory store's adjacency maps: a bidirectional breadth-first search.

Paths ignore direction, optionally keep to some relation types, and have at most ``max_hops``
hops. The answer is every shortest path (as a node sequence), in lexicographic order of the
node ids along it, cut at ``limit``; a hop between two nodes is their first relation in key
order, outgoing from the earlier node first (see :func:`hop_key`).

The search grows both ends one whole level at a time, always the end whose next level costs
less (the sum of its frontier's degrees), so a path through a force with tens of thousands of
officers meets *at* the force instead of listing its officers. Two more things keep hubs from
being expanded:

* before a node of high degree is expanded, its relations to the other end's frontier are
  looked up directly (a dict lookup per frontier node, when that frontier is smaller than
  the node's degree): if the two ends meet on this level, that is all the search needs;
* with relation types given, a hub's relations of those types come from the store's
  relation-type index (``typed``) instead of a scan of all of them.

When the ends meet, the meeting nodes and the parents recorded on both sides hold every
shortest path; paths are then listed depth-first in id order and the listing stops at
``limit``, so it costs nothing like the number of shortest paths there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

# node -> other end -> {relation key: data}
Adj = dict[str, dict[str, dict[str, Any]]]
# (node, outgoing) -> {relation type: [(other end, key), ...]} for a node of high degree
Typed = Callable[[str, bool], dict[str, list[tuple[str, str]]]]

# A node with at least this many neighbours on one side counts as a hub (see module doc).
HUB = 256


def rtype(key: str) -> str:
    """The relation type of an edge key ("HOLDS_POST|chief constable" -> "HOLDS_POST")."""
    return key.partition("|")[0]


def hop_key(succ: Adj, a: str, b: str, wanted: set[str] | None) -> tuple[str, str, str] | None:
    """The relation a path uses between ``a`` and ``b``: (source, target, key), or None."""
    for u, v in ((a, b), (b, a)):
        keyed = succ[u].get(v)
        if keyed:
            for key in sorted(keyed):
                if wanted is None or rtype(key) in wanted:
                    return u, v, key
    return None


class _Graph:
    """Undirected neighbour access to the adjacency maps, restricted to wanted types."""

    def __init__(self, succ: Adj, pred: Adj, wanted: set[str] | None, typed: Typed) -> None:
        self.succ, self.pred, self.wanted, self.typed = succ, pred, wanted, typed

    def _ok(self, keyed: dict[str, Any]) -> bool:
        wanted = self.wanted
        return wanted is None or any(rtype(k) in wanted for k in keyed)

    def degree(self, n: str) -> int:
        """An upper bound of the neighbours ``neighbours(n)`` yields (exact for hubs with types)."""
        total = 0
        for adj, outgoing in ((self.succ[n], True), (self.pred[n], False)):
            if self.wanted is not None and len(adj) >= HUB:
                index = self.typed(n, outgoing)
                total += sum(len(index.get(t, ())) for t in self.wanted)
            else:
                total += len(adj)
        return total

    def neighbours(self, n: str) -> Iterator[str]:
        """The other ends of n's relations (a node may come more than once)."""
        wanted = self.wanted
        for adj, outgoing in ((self.succ[n], True), (self.pred[n], False)):
            if wanted is None:
                yield from adj
            elif len(adj) >= HUB:
                index = self.typed(n, outgoing)
                for t in wanted:
                    for m, _ in index.get(t, ()):
                        yield m
            else:
                for m, keyed in adj.items():
                    if any(rtype(k) in wanted for k in keyed):
                        yield m

    def adjacent(self, a: str, b: str) -> bool:
        keyed = self.succ[a].get(b)
        if keyed and self._ok(keyed):
            return True
        keyed = self.pred[a].get(b)
        if keyed:
            return self._ok(keyed)
        return False


class _Side:
    """One end of the search: depth of every node reached, parents (towards this end's start)
    of every node, and the current frontier."""

    def __init__(self, start: str) -> None:
        self.depth: dict[str, int] = {start: 0}
        self.parents: dict[str, list[str]] = {start: []}
        self.frontier: list[str] = [start]
        self.level = 0


def shortest_paths(
    succ: Adj,
    pred: Adj,
    start: str,
    end: str,
    max_hops: int,
    wanted: set[str] | None,
    limit: int,
    typed: Typed,
) -> list[list[str]]:
    """Node sequences of the shortest paths from ``start`` to ``end`` (see module doc)."""
    if start not in succ or end not in succ or max_hops < 1 or limit < 1:
        return []
    if start == end:
        return [[start]]
    g = _Graph(succ, pred, wanted, typed)
    fwd, bwd = _Side(start), _Side(end)
    meeting: list[str] = []
    while fwd.level + bwd.level < max_hops and fwd.frontier and bwd.frontier:
        last = fwd.level + bwd.level + 1 == max_hops
        cost_f = sum(g.degree(n) for n in fwd.frontier)
        cost_b = sum(g.degree(n) for n in bwd.frontier)
        side, other = (fwd, bwd) if cost_f <= cost_b else (bwd, fwd)
        meeting = _grow(g, side, other, last)
        if meeting:
            break
    if not meeting:
        return []
    return _listing(start, fwd, bwd, meeting, limit)


def _grow(g: _Graph, side: _Side, other: _Side, last: bool) -> list[str]:
    """Grow ``side`` by one level; the new nodes that are on ``other``'s frontier (the
    meeting nodes, whose parents on ``side`` are then complete).

    A node whose degree exceeds the other frontier's size is first only tested against that
    frontier; it is expanded whole only if the ends do not meet on this level and it is not
    the last level allowed.
    """
    target = set(other.frontier)
    nxt = side.level + 1
    depth, parents = side.depth, side.parents
    frontier: list[str] = []
    meeting: dict[str, None] = {}

    def reach(m: str, n: str) -> None:
        d = depth.get(m)
        if d is None:
            depth[m] = nxt
            parents[m] = [n]
            frontier.append(m)
        elif d == nxt and parents[m][-1] != n:
            parents[m].append(n)
        else:
            return
        if m in target:
            meeting[m] = None

    deferred: list[str] = []
    for n in side.frontier:
        if g.degree(n) > len(target):
            deferred.append(n)
            for m in other.frontier:
                if g.adjacent(n, m):
                    reach(m, n)
        else:
            for m in g.neighbours(n):
                reach(m, n)
    if not meeting and not last:
        for n in deferred:
            for m in g.neighbours(n):
                reach(m, n)
    side.frontier = frontier
    side.level = nxt
    return list(meeting)


def _listing(start: str, fwd: _Side, bwd: _Side, meeting: Sequence[str], limit: int) -> list[list[str]]:
    """The first ``limit`` shortest paths in lexicographic order of their node ids.

    Forward from the start, the nodes that lead to a meeting node (found by walking the
    forward parents back from the meeting nodes); from a meeting node on, the backward parents,
    which all lead to the end. Every step therefore continues a shortest path.
    """
    meet = set(meeting)
    # children on the forward side, kept to the nodes that reach a meeting node
    children: dict[str, list[str]] = {}
    useful = set(meet)
    stack = list(meet)
    while stack:
        m = stack.pop()
        for p in fwd.parents.get(m, ()):
            children.setdefault(p, []).append(m)
            if p not in useful:
                useful.add(p)
                stack.append(p)
    for kids in children.values():
        kids.sort()
    towards_end = bwd.parents
    end_level = fwd.level + bwd.level  # the path length
    out: list[list[str]] = []
    path = [start]

    def nexts(n: str, i: int) -> list[str]:
        # i: position of n on the path
        if i < fwd.level:
            return children.get(n, [])
        return sorted(towards_end[n])

    def walk(n: str, i: int) -> None:
        if i == end_level:
            out.append(list(path))
            return
        for m in nexts(n, i):
            path.append(m)
            walk(m, i + 1)
            path.pop()
            if len(out) >= limit:
                return

    walk(start, 0)
    return out
