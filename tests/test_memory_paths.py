"""The memory store's shortest paths (kb.store.memory_paths) against a brute-force reference.

The reference lists every simple path of at most ``max_hops`` hops by depth-first search,
keeps the shortest, sorts them by their node ids and cuts at ``limit``: what the bidirectional
search must answer exactly, on random graphs with hubs (the hub threshold is lowered so that
small graphs have some) and with and without relation-type filters.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.model import Edge, Entity, Evidence, Facts, Relation
from kb.store import memory_paths
from kb.store.memory import MemoryStore

TYPES = ("MEMBER_OF", "HOLDS_POST")
ROLES = ("", "chair", "member")


def _brute(
    edges: list[tuple[str, str, str]], a: str, b: str, max_hops: int, wanted: set[str] | None, limit: int
) -> list[list[tuple[str, str, str]]]:
    """All shortest paths as (source, target, key) hops, by enumerating every simple path."""
    nodes = {x for u, v, _ in edges for x in (u, v)}
    if a not in nodes or b not in nodes or max_hops < 1 or limit < 1:
        return []
    if a == b:
        return [[]]
    keys: dict[tuple[str, str], list[str]] = {}
    for u, v, k in edges:
        if wanted is None or k.partition("|")[0] in wanted:
            keys.setdefault((u, v), []).append(k)
    near: dict[str, set[str]] = {}
    for u, v in keys:
        near.setdefault(u, set()).add(v)
        near.setdefault(v, set()).add(u)
    found: list[list[str]] = []

    def dfs(path: list[str]) -> Iterator[list[str]]:
        if path[-1] == b:
            yield list(path)
            return
        if len(path) > max_hops:
            return
        for m in near.get(path[-1], ()):
            if m not in path:
                path.append(m)
                yield from dfs(path)
                path.pop()

    found = list(dfs([a]))
    if not found:
        return []
    shortest = min(len(p) for p in found)
    seqs = sorted(p for p in found if len(p) == shortest)[:limit]

    def hop(x: str, y: str) -> tuple[str, str, str]:
        for u, v in ((x, y), (y, x)):
            if (u, v) in keys:
                return u, v, min(keys[(u, v)])
        raise AssertionError("no hop")  # pragma: no cover

    return [[hop(x, y) for x, y in itertools.pairwise(p)] for p in seqs]


# Random multigraphs: node i is "n{i}"; a few nodes get many relations (hubs).
_edge = st.tuples(st.integers(0, 14), st.integers(0, 14), st.sampled_from(TYPES), st.sampled_from(ROLES))


@st.composite
def graphs(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    raw = draw(st.lists(_edge, min_size=1, max_size=45))
    hubs = draw(st.lists(st.integers(0, 14), max_size=2))
    for h in hubs:
        for j in draw(st.lists(st.integers(0, 14), min_size=3, max_size=12, unique=True)):
            raw.append((h, j, draw(st.sampled_from(TYPES)), ""))
    out: dict[tuple[str, str, str], None] = {}
    for u, v, t, role in raw:
        if u != v:
            out[(f"n{u}", f"n{v}", f"{t}|{role}" if role else t)] = None
    return list(out)


def _adjacency(
    edges: list[tuple[str, str, str]],
) -> tuple[memory_paths.Adj, memory_paths.Adj]:
    succ: memory_paths.Adj = {}
    pred: memory_paths.Adj = {}
    for u, v, _ in edges:
        for x in (u, v):
            succ.setdefault(x, {})
            pred.setdefault(x, {})
    for u, v, k in edges:
        keyed = succ[u].setdefault(v, {})
        pred[v][u] = keyed
        keyed[k] = {"src": None}
    return succ, pred


def _typed_of(succ: memory_paths.Adj, pred: memory_paths.Adj) -> memory_paths.Typed:
    def typed(n: str, outgoing: bool) -> dict[str, list[tuple[str, str]]]:
        index: dict[str, list[tuple[str, str]]] = {}
        for m, keyed in (succ if outgoing else pred)[n].items():
            for k in keyed:
                index.setdefault(k.partition("|")[0], []).append((m, k))
        return index

    return typed


queries = st.tuples(
    st.integers(0, 15),  # 15: a node not in the graph
    st.integers(0, 15),
    st.integers(0, 5),
    st.sampled_from([None, ("MEMBER_OF",), ("HOLDS_POST",), TYPES, ("NOPE",)]),
    st.sampled_from([1, 2, 3, 50]),
)


@pytest.mark.parametrize("hub", [3, 256])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=graphs(), qs=st.lists(queries, min_size=1, max_size=6))
def test_paths_equal_brute_force(monkeypatch: pytest.MonkeyPatch, hub: int, edges, qs) -> None:
    monkeypatch.setattr(memory_paths, "HUB", hub)
    succ, pred = _adjacency(edges)
    typed = _typed_of(succ, pred)
    for a, b, hops, types, limit in qs:
        wanted = set(types) if types else None
        want = _brute(edges, f"n{a}", f"n{b}", hops, wanted, limit)
        seqs = memory_paths.shortest_paths(succ, pred, f"n{a}", f"n{b}", hops, wanted, limit, typed)
        got = [[memory_paths.hop_key(succ, x, y, wanted) for x, y in itertools.pairwise(seq)] for seq in seqs]
        assert got == want, (a, b, hops, types, limit)


def _store(edges: list[tuple[str, str, str]]) -> MemoryStore:
    """The random graph as facts: organisations (MEMBER_OF one another) and people (HOLDS_POST)."""
    ids = {x for u, v, _ in edges for x in (u, v)}

    def eid(x: str) -> str:
        return f"org/{x}"

    src = Entity("source/s1", "Source", "s1", props={"sha256": "ab" * 32, "sourceKind": "article"})
    ev = [Evidence(src.id, quote="q", method="rule")]
    ents = [Entity(eid(x), "Organisation", x, evidence=ev) for x in sorted(ids)]
    rels = []
    for u, v, k in edges:
        role = k.partition("|")[2]
        rels.append(Relation("MEMBER_OF", eid(u), eid(v), {"role": role} if role else {}, ev))
    store = MemoryStore(None)
    store.upsert(Facts(src, ents, rels))
    return store


@pytest.mark.parametrize("hub", [3, 256])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=graphs(), qs=st.lists(queries, min_size=1, max_size=4))
def test_store_paths_equal_brute_force(monkeypatch: pytest.MonkeyPatch, hub: int, edges, qs) -> None:
    """Through MemoryStore.paths, as Edge objects (every relation is MEMBER_OF here)."""
    monkeypatch.setattr(memory_paths, "HUB", hub)
    edges = [(u, v, "MEMBER_OF" + k[len(k.partition("|")[0]) :]) for u, v, k in edges]
    edges = list(dict.fromkeys(edges))
    store = _store(edges)
    for a, b, hops, types, limit in qs:
        wanted = {"MEMBER_OF"} if types and "MEMBER_OF" in types else (None if not types else {"NOPE"})
        want = [[f"org/{u}|{k}|org/{v}" for u, v, k in p] for p in _brute(edges, f"n{a}", f"n{b}", hops, wanted, limit)]
        got: list[list[Edge]] = store.paths(f"org/n{a}", f"org/n{b}", hops, sorted(wanted) if wanted else None, limit)
        assert [[e.id for e in p] for p in got] == want


@pytest.mark.parametrize("hub", [3, 256])
def test_many_shortest_paths_through_shared_nodes(monkeypatch: pytest.MonkeyPatch, hub: int) -> None:
    """A 4x4 grid: 20 shortest paths corner to corner, nodes with two parents on each side."""
    monkeypatch.setattr(memory_paths, "HUB", hub)
    edges = []
    for r in range(4):
        for c in range(4):
            if c < 3:
                edges.append((f"g{r}{c}", f"g{r}{c + 1}", "MEMBER_OF"))
            if r < 3:
                edges.append((f"g{r + 1}{c}", f"g{r}{c}", "HOLDS_POST"))  # against the walk's way
    succ, pred = _adjacency(edges)
    typed = _typed_of(succ, pred)
    for limit in (1, 7, 20, 100):
        seqs = memory_paths.shortest_paths(succ, pred, "g00", "g33", 6, None, limit, typed)
        assert [[memory_paths.hop_key(succ, x, y, None) for x, y in itertools.pairwise(q)] for q in seqs] == _brute(
            edges, "g00", "g33", 6, None, limit
        )
        assert len(seqs) == min(limit, 20)
    assert memory_paths.shortest_paths(succ, pred, "g00", "g33", 5, None, 10, typed) == []


def test_paths_meet_at_a_hub_without_listing_it() -> None:
    """Two leaves of one big hub: the answer comes from the leaves' side, never the hub's
    neighbour list (a neighbour iterator that fails on the hub proves it)."""
    succ, pred = _adjacency([(f"leaf{i}", "hub", "MEMBER_OF") for i in range(5000)])
    typed = _typed_of(succ, pred)

    class Guarded(dict[str, dict[str, dict[str, object]]]):
        def __iter__(self) -> Iterator[str]:
            raise AssertionError("the hub's relations were listed")

        def items(self):
            raise AssertionError("the hub's relations were listed")

    pred["hub"] = Guarded(pred["hub"])
    seqs = memory_paths.shortest_paths(succ, pred, "leaf1", "leaf2", 4, None, 3, typed)
    assert seqs == [["leaf1", "hub", "leaf2"]]
