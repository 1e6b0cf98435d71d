"""``make bench``: run every benchmark and print its figures.

python -m bench            # full sizes (takes a while)
python -m bench --quick    # small sizes, a smoke run
python -m bench --only memory rdf
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

BENCHES = ("memory", "extract", "tables", "rdf", "api", "neo4j")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--only", nargs="*", choices=BENCHES, default=None, help="benchmarks to run")
    args = p.parse_args(argv)
    failed = []
    for name in args.only or BENCHES:
        print(f"\n=== bench {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"bench.bench_{name}")
            mod.main(quick=args.quick)
        except Exception as exc:  # one broken bench must not hide the others' figures
            failed.append(name)
            print(f"bench {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"=== {name}: {time.perf_counter() - t0:.1f}s ===", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
