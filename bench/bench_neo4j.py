"""Benchmark of the Neo4j store: load the synthetic KB into a real Neo4j server.

Starts the same throw-away Neo4j Community server the tests use (kb.store.neo4j_server, with
the full JIT and a larger heap and page cache), then:

* batched: ``Neo4jStore.upsert_many`` over batches of sources (each batch one write
  transaction of ``UNWIND $rows`` statements), for the whole synthetic KB;
* one transaction per row: the naive loader, one ``execute_write`` per node, per mention
  and per relationship, on a smaller sample (its rate is extrapolated);
* the rows-per-statement setting (``chunk``) on a mid-sized sample, to justify the default.

Prints nodes/s and relationships/s and the speed-up, each with the load average (the machine
is shared: compare figures taken in one run), and where the time goes: the CPU seconds of this
process (the client: building rows, encoding and decoding Bolt) and of the server's JVM.
Targets: batched >= 20,000 nodes/s and >= 10x one-per-row. Run by hand with
``python -m bench.bench_neo4j [--quick] [--size N]`` (``--size 1000000`` for a 10^6 load).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import GraphDatabase, ManagedTransaction

from bench.synthetic import generate
from kb.config import Neo4jSettings
from kb.model import Facts
from kb.store.neo4j import DEFAULT_CHUNK, Neo4jStore
from kb.store.neo4j_model import label_expr, labels_for
from kb.store.neo4j_server import Neo4jTestServer

FULL = 100_000
QUICK = 10_000
# ~10,000 entities per write transaction: five times fewer commits and statements than 20 sources
# per transaction. At 2 x 10^4 entities it used less server CPU (7.6 -> 4.6 s, noisy); at 10^5
# the two cost the same (32.9 s with 20, 33.7 s with 100, one after the other at load 4).
SOURCES_PER_TX = 100
TARGET_SPEEDUP = 10.0
TARGET_NODES_PER_S = 20_000.0


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


@dataclass
class Timed:
    wall: float
    client_cpu: float
    server_cpu: float

    def where(self) -> str:
        busy = self.client_cpu + self.server_cpu
        return (
            f"CPU: client {self.client_cpu:.1f} s, server {self.server_cpu:.1f} s of {self.wall:.1f} s wall "
            f"(server {100 * self.server_cpu / busy if busy else 0:.0f}% of the CPU used)"
        )


def timed(server: Neo4jTestServer, fn: Callable[[], Any]) -> Timed:
    s0, c0, t0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    fn()
    return Timed(time.perf_counter() - t0, time.process_time() - c0, server.cpu_seconds() - s0)


def load_batched(store: Neo4jStore, facts: Sequence[Facts], per_tx: int = SOURCES_PER_TX) -> None:
    for i in range(0, len(facts), per_tx):
        store.upsert_many(facts[i : i + per_tx])


def load_one_per_row(settings: Neo4jSettings, facts: Sequence[Facts]) -> tuple[int, int]:
    """The naive loader: every node, mention and relationship in its own transaction."""
    nodes = rels = 0
    auth = (settings.user, settings.password)
    with (
        GraphDatabase.driver(settings.uri, auth=auth, notifications_min_severity="OFF") as driver,
        driver.session(database=settings.database) as s,
    ):
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
    return nodes, rels


def main(quick: bool = False, size: int | None = None, per_tx: int = SOURCES_PER_TX) -> None:
    n = size or (QUICK if quick else FULL)
    big = n >= 500_000
    server = Neo4jTestServer(heap="3g" if big else "2g", pagecache="2g" if big else "1g")
    t0 = time.perf_counter()
    server.start()
    print(
        f"Neo4j store load: synthetic KB of {n:,} entities into a throw-away Neo4j Community server "
        f"(heap {server.heap}, page cache {server.pagecache}; started in {time.perf_counter() - t0:.1f} s) {_load()}"
    )
    print(f"  server settings of the throw-away server: {', '.join(f'{k}={v}' for k, v in server.conf.items())}")
    facts = generate(n, seed=0)
    n_nodes, n_rels = _counts(facts)
    store = Neo4jStore(Neo4jSettings(server.uri, server.user, server.password, server.database))
    try:
        # rows per statement: measured on a sample, after warming the server's JIT and caches on it
        sample = facts[: max(20, min(len(facts) // 25, 200))]
        for _ in range(2):
            load_batched(store, sample, per_tx)
            store.clear()
        s_nodes, _ = _counts(sample)
        print(f"  rows per UNWIND statement ({s_nodes:,} entities):")
        for chunk in (250, 1000, DEFAULT_CHUNK, 5000):
            store.chunk = chunk
            t = timed(server, lambda: load_batched(store, sample, per_tx))
            store.clear()
            print(f"    {chunk:>5} rows: {s_nodes / t.wall:8,.0f} nodes/s; {t.where()} {_load()}")
        store.chunk = DEFAULT_CHUNK

        t = timed(server, lambda: load_batched(store, facts, per_tx))
        stats = store.stats()
        assert stats.total_entities + stats.sources == n_nodes, (stats, n_nodes)
        nps, rps = n_nodes / t.wall, n_rels / t.wall
        print(
            f"  batched ({per_tx} sources per transaction): {n_nodes:,} nodes and {n_rels:,} "
            f"relationships in {t.wall:.1f} s -> {nps:,.0f} nodes/s, {rps:,.0f} relationships/s {_load()}"
        )
        print(f"    {t.where()}")
        store.clear()

        small = facts[: max(3, min(len(facts) // 200, 50))]
        counted: list[tuple[int, int]] = []
        t1 = timed(server, lambda: counted.append(load_one_per_row(store.settings, small)))
        n1, r1 = counted[0]
        nps1, rps1 = n1 / t1.wall, r1 / t1.wall
        print(
            f"  one transaction per row ({n1:,} nodes, {r1:,} relationships, extrapolated rate): "
            f"{nps1:,.0f} nodes/s, {rps1:,.0f} relationships/s {_load()}"
        )
        print(f"    {t1.where()}")
        speedup = nps / nps1
        print(
            f"  speed-up batched / per-row: {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x: "
            f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}); batched nodes/s target "
            f">= {TARGET_NODES_PER_S:,.0f}: {'met' if nps >= TARGET_NODES_PER_S else 'NOT met'}"
        )
    finally:
        store.clear()
        store.close()
        server.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK:,} entities instead of {FULL:,}")
    ap.add_argument("--size", type=int, default=None, help="entities to load (e.g. 1000000)")
    ap.add_argument("--per-tx", type=int, default=SOURCES_PER_TX, help="sources per write transaction")
    args = ap.parse_args()
    main(args.quick, args.size, args.per_tx)
