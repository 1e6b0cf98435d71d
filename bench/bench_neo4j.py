"""Benchmark of the Neo4j store: load the synthetic KB into a Bolt server.

Starts the same throw-away ArcadeDB Bolt server the tests use (kb.store.neo4j_server), then:

* batched: ``Neo4jStore.upsert_many`` over batches of sources (each batch one write
  transaction of ``UNWIND $rows`` statements), for the whole synthetic KB;
* one transaction per row: the naive loader, one ``execute_write`` per node, per mention
  and per relationship, on a smaller sample (its rate is extrapolated);
* the rows-per-statement setting (``chunk``) on a mid-sized sample, to justify the default.

Prints nodes/s and relationships/s and the speed-up, each with the load average (the
machine is shared: compare figures taken at a similar load). Targets: batched >= 10x
one-per-row and >= 5,000 nodes/s. Run by hand with ``python -m bench.bench_neo4j [--quick]``.

The server is warmed first: ArcadeDB's JIT needs a few thousand entities before it runs at
speed (a cold first load of 10^4 entities is 2-3x slower than the next).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from typing import Any

from neo4j import GraphDatabase, ManagedTransaction

from bench.synthetic import generate
from kb.config import Neo4jSettings
from kb.model import Facts
from kb.store.neo4j import DEFAULT_CHUNK, Neo4jStore
from kb.store.neo4j_model import label_expr, labels_for
from kb.store.neo4j_server import ArcadeBoltServer

FULL = 100_000
QUICK = 10_000
SOURCES_PER_TX = 20  # ~2,000 entities per write transaction
TARGET_SPEEDUP = 10.0
TARGET_NODES_PER_S = 5_000.0


def _load() -> str:
    return f"(load average {os.getloadavg()[0]:.1f})"


def _counts(facts: Sequence[Facts]) -> tuple[int, int]:
    """(entities incl. sources, relations) the facts write, counting each id once."""
    ids: set[str] = set()
    rels: set[tuple[str, str, str]] = set()
    for f in facts:
        ids.add(f.source_id)
        ids.update(e.id for e in f.entities)
        rels.update((r.source, r.target, r.key) for r in f.relations)
    return len(ids), len(rels)


def load_batched(store: Neo4jStore, facts: Sequence[Facts], per_tx: int = SOURCES_PER_TX) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(facts), per_tx):
        store.upsert_many(facts[i : i + per_tx])
    return time.perf_counter() - t0


def load_one_per_row(settings: Neo4jSettings, facts: Sequence[Facts]) -> tuple[float, int, int]:
    """The naive loader: every node, mention and relationship in its own transaction."""
    nodes = rels = 0
    auth = (settings.user, settings.password)
    with GraphDatabase.driver(settings.uri, auth=auth) as driver, driver.session(database=settings.database) as s:
        t0 = time.perf_counter()
        for f in facts:
            for e in [f.source, *f.entities]:
                q = f"MERGE (n{label_expr(labels_for(e.type))} {{id: $id}}) SET n.name = $name, n += $props"

                def node(tx: ManagedTransaction, q: str = q, e: Any = e) -> None:
                    tx.run(q, id=e.id, name=e.name, props=e.props).consume()

                s.execute_write(node)
                nodes += 1
                if e.id != f.source_id:

                    def mention(tx: ManagedTransaction, e: Any = e, sid: str = f.source_id) -> None:
                        tx.run(
                            "MATCH (n:Entity {id: $id}) MATCH (s:Entity {id: $sid}) "
                            "MERGE (n)-[m:MENTIONED_IN]->(s) SET m.quote = $quote",
                            id=e.id,
                            sid=sid,
                            quote=e.evidence[0].quote if e.evidence else None,
                        ).consume()

                    s.execute_write(mention)
            for r in f.relations:
                q = (
                    "MATCH (a:Entity {id: $u}) MATCH (b:Entity {id: $v}) "
                    f"MERGE (a)-[e:`{r.type}` {{key: $key}}]->(b) SET e += $props"
                )

                def rel(tx: ManagedTransaction, q: str = q, r: Any = r) -> None:
                    tx.run(q, u=r.source, v=r.target, key=r.key, props=r.props).consume()

                s.execute_write(rel)
                rels += 1
        return time.perf_counter() - t0, nodes, rels


def main(quick: bool = False) -> None:
    n = QUICK if quick else FULL
    print(f"Neo4j store load: synthetic KB of {n:,} entities into a throw-away ArcadeDB Bolt server")
    facts = generate(n, seed=0)
    n_nodes, n_rels = _counts(facts)
    with ArcadeBoltServer(heap="3g") as server:
        settings = Neo4jSettings(server.uri, server.user, server.password, server.database)
        store = Neo4jStore(settings)
        try:
            # rows per statement: measured on a sample, after warming the server's JIT and caches on it
            sample = facts[: max(20, len(facts) // 25)]
            for _ in range(2):
                load_batched(store, sample)
                store.clear()
            s_nodes, _ = _counts(sample)
            print(f"  rows per UNWIND statement ({s_nodes:,} entities):")
            for chunk in (250, 1000, DEFAULT_CHUNK, 5000):
                store.chunk = chunk
                dt = load_batched(store, sample)
                store.clear()
                print(f"    {chunk:>5} rows: {s_nodes / dt:8,.0f} nodes/s {_load()}")
            store.chunk = DEFAULT_CHUNK

            cpu0 = time.process_time()
            dt = load_batched(store, facts)
            cpu = time.process_time() - cpu0
            stats = store.stats()
            assert stats.total_entities + stats.sources == n_nodes, (stats, n_nodes)
            nps, rps = n_nodes / dt, n_rels / dt
            print(
                f"  batched ({SOURCES_PER_TX} sources per transaction): {n_nodes:,} nodes and {n_rels:,} "
                f"relationships in {dt:.1f} s -> {nps:,.0f} nodes/s, {rps:,.0f} relationships/s {_load()}"
            )
            # the client's share: on a shared machine, wall time also depends on the neighbours
            print(f"    client CPU {cpu:.1f} s of {dt:.1f} s wall (client and server overlap)")
            store.clear()

            small = facts[: max(3, len(facts) // 200)]
            dt1, n1, r1 = load_one_per_row(settings, small)
            nps1, rps1 = n1 / dt1, r1 / dt1
            print(
                f"  one transaction per row ({n1:,} nodes, {r1:,} relationships, extrapolated rate): "
                f"{nps1:,.0f} nodes/s, {rps1:,.0f} relationships/s {_load()}"
            )
            speedup = nps / nps1
            print(
                f"  speed-up batched / per-row: {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x: "
                f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}); batched nodes/s target "
                f">= {TARGET_NODES_PER_S:,.0f}: {'met' if nps >= TARGET_NODES_PER_S else 'NOT met'}"
            )
        finally:
            store.clear()
            store.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK:,} entities instead of {FULL:,}")
    main(ap.parse_args().quick)
