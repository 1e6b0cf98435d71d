"""The SPARQL part of bench_rdf alone: the endpoint's store build and the README queries.

python -m bench.bench_sparql 100000        # one size (or several); default 10^5

At 10^5 entities (7.1M quads, load average about 4 on 2 cores), before and after the store was
compacted: build 78 s -> 81 s (9 s of it compacting), README query 1 3.8 s -> 1.3 s, query 2
0.42 s -> 0.11 s, query 3 19.7 s -> 3.8 s, the same answers.
"""

from __future__ import annotations

import os
import sys

from bench.bench_rdf import RDFLIB_SPARQL_MAX, _store, bench_sparql


def main(sizes: list[int]) -> None:
    print(f"{os.cpu_count()} CPUs; wall-clock figures with the 1-minute load average at each", flush=True)
    for n in sizes:
        store = _store(n)
        bench_sparql(store, n)
        del store
    if any(n <= RDFLIB_SPARQL_MAX for n in sizes):
        print("(rdflib's Dataset runs beside pyoxigraph at these sizes only)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000])
