"""What the table loader stores does not change when the loader gets faster.

``tests/data/tables/golden/stored.jsonl.gz`` holds every node and edge (with its evidence) that
loading the fixture tables and the sample tables puts in a MemoryStore, written by the loader
as it was before the speed-up of issue 19 (one statistic at a time, two passes over an
in-memory grid). The test loads the same files with today's loader and compares.

Regenerate only for a deliberate change of what is stored, and say so in the commit:
``.venv/bin/python -m tests.test_tables_golden --write``.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from kb.app.pipeline import load_paths
from kb.model import Evidence
from kb.paths import sample_dir
from kb.reference import REFERENCE_SOURCE_ID
from kb.store.memory import MemoryStore

DATA = Path(__file__).parent / "data" / "tables"
GOLDEN = DATA / "golden" / "stored.jsonl.gz"
FILES = [
    "long_generated.csv",
    "wide_financial_years.csv",
    "long_semicolon_cp1252.csv",
    "wide_months_bom.tsv",
    "two_digit_years.csv",
    "stacked_tables.csv",
    "long_blank_repeats.csv",
    "transposed_forces_across.csv",
    "wide_with_rank_breakdown.csv",
    "long_measure_and_breakdown.csv",
    "with_mapping.csv",
    "misconduct_hearings.csv",
    "workbook.xlsx",
    "workbook.ods",
]
_VOLATILE = {"loadedAt"}  # set by the store when a source is written


def _ev(e: Evidence) -> list[Any]:
    return [e.source_id, e.quote, e.start, e.end, e.method, e.confidence, e.locator]


def stored_lines() -> list[str]:
    """Every node and edge the tables put in a fresh store, one canonical JSON line each, sorted."""
    store = MemoryStore(None)
    paths = [DATA / f for f in FILES] + sorted(sample_dir().glob("*.csv"))
    load_paths(store, paths)
    lines = []
    for n in store.iter_nodes():
        if n.sources == (REFERENCE_SOURCE_ID,) or n.id == REFERENCE_SOURCE_ID:
            continue
        props = {k: v for k, v in n.props.items() if k not in _VOLATILE}
        doc = ["node", n.id, n.type, n.name, sorted(n.aliases), props, sorted(_ev(e) for e in n.evidence)]
        lines.append(json.dumps(doc, sort_keys=True, ensure_ascii=False))
    for e in store.iter_edges():
        if all(ev.source_id == REFERENCE_SOURCE_ID for ev in e.evidence):
            continue
        doc = ["edge", e.type, e.source, e.target, e.key, e.props, sorted(_ev(x) for x in e.evidence)]
        lines.append(json.dumps(doc, sort_keys=True, ensure_ascii=False))
    return sorted(lines)


def test_stored_facts_are_those_of_the_reference_loader() -> None:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        # the reference layer's own Source (its sha256 changes with every edit of data/reference)
        # is not the tables' output; older golden files still hold it
        expected = [x for x in fh.read().splitlines() if not x.startswith(f'["node", "{REFERENCE_SOURCE_ID}"')]
    got = stored_lines()
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    assert not missing and not extra, (
        f"{len(missing)} stored lines missing, {len(extra)} new; first missing: {missing[:2]}; first new: {extra[:2]}"
    )
    assert len(got) == len(expected) > 8000


if __name__ == "__main__":
    if "--write" in sys.argv:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        lines = stored_lines()
        with gzip.GzipFile(GOLDEN, "wb", mtime=0) as fh:
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
        print(f"wrote {len(lines)} lines to {GOLDEN}")
