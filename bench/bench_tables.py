"""Table loader throughput: a long CSV (10^6 rows) and a wide XLSX (10^5 rows).

Tables are generated into a temporary folder: forces from the reference data, financial
years, a few measures, with footnote and suppression markers sprinkled in so the slow
paths of the cell parser are exercised too. Rows/s and cells/s count every cell of the
table (subject, period and measure cells as well as figures), from file to Facts.

``python -m bench.bench_tables --big 200``: peak memory of loading a 200 MB CSV (streamed).
"""

from __future__ import annotations

import csv
import importlib
import random
import tempfile
import time
from pathlib import Path

from kb.reference import reference
from loaders.tables import TableLoader

MEASURES = ("Complaint cases recorded", "Allegations recorded", "Officers dismissed", "Police officers (FTE)")
YEARS = tuple(f"{y}/{(y + 1) % 100:02d}" for y in range(2000, 2024))
# Spellings tables use for forces: full names and short names.
_MARKERS = ("*", "[c]", "..", "<5", "12 (r)", "1,234")


def _spellings() -> list[tuple[str, str]]:
    """Each force's full name and the short name tables often use instead."""
    return [(f.name, (f.short_names or (f.name,))[0]) for f in reference().forces]


def write_long_csv(path: Path, rows: int, seed: int = 0, note_chars: int = 0) -> int:
    """A long table: force, period, measure, value; one row per combination (unique keys).
    ``note_chars``: a "Notes" column of that many characters on every row (read, never kept)."""
    rng = random.Random(seed)
    forces = [f.name for f in reference().forces]
    # Unique (force, year, measure, series) keys: a "Series" dimension numbers the repeats.
    combos = len(forces) * len(YEARS) * len(MEASURES)
    with path.open("w", encoding="utf-8", newline="") as fh:
        notes = ",Notes" if note_chars else ""
        fh.write(f"Long table benchmark (synthetic figures)\n\nForce,Financial year,Measure,Series,Value{notes}\n")
        buf: list[str] = []
        for i in range(rows):
            k, series = divmod(i, combos)[1], i // combos
            f, rest = divmod(k, len(YEARS) * len(MEASURES))
            y, m = divmod(rest, len(MEASURES))
            value = _MARKERS[i % 6] if i % 50 == 0 else str(rng.randrange(0, 5000))
            if "," in value:
                value = f'"{value}"'
            note = f",{_note(rng, note_chars)}" if note_chars else ""
            buf.append(f"{forces[f]},{YEARS[y]},{MEASURES[m]},S{series},{value}{note}\n")
            if len(buf) >= 10000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
    return rows * 5


_WORDS = ("figure", "revised", "includes", "transfers", "from", "other", "forces", "see", "note", "estimate")


def _note(rng: random.Random, chars: int) -> str:
    """Free text of about ``chars`` characters, different on every row."""
    words: list[str] = []
    while sum(map(len, words)) + len(words) < chars:
        words.append(_WORDS[rng.randrange(len(_WORDS))])
    return " ".join(words)[:chars]


def write_wide_xlsx(path: Path, rows: int, seed: int = 0) -> int:
    """A wide table: a force column and one column per financial year, many sheets' worth of rows."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    forces = _spellings()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Table 1")
    ws.append(["Wide table benchmark (synthetic figures)"])
    ws.append([])
    ws.append(["Force", "Measure", *YEARS[:10]])
    for i in range(rows):
        # Each (force, measure) pair appears once: measure names carry the row number.
        cells: list[object] = [rng.randrange(0, 5000) for _ in range(10)]
        if i % 40 == 0:
            cells[i % 10] = "[c]"
        cycle, k = divmod(i, len(forces))
        ws.append([forces[k][cycle % 2], f"Measure {cycle}", *cells])
    wb.save(path)
    return rows * 12


def _run(label: str, path: Path, rows: int, cells: int) -> float:
    loader = TableLoader()
    c0, t0 = time.process_time(), time.perf_counter()
    facts = loader.load(path)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_stats = sum(1 for fa in facts for e in fa.entities if e.type == "Statistic")
    size = path.stat().st_size / 1e6
    print(
        f"  {label:<10} {rows:>9,} rows {cells:>10,} cells {size:7.1f} MB  {dt:7.2f} s  "
        f"{rows / dt:>10,.0f} rows/s  {cells / dt:>10,.0f} cells/s  ({n_stats:,} statistics)"
    )
    # On a shared machine wall time includes waiting for a core; CPU time does not.
    print(f"  {'':<10} CPU {cpu:.2f} s: {rows / cpu:,.0f} rows/s, {cells / cpu:,.0f} cells/s of CPU time")
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {'':<10} peak memory of the process so far {peak:,.0f} MB")
    except ImportError:  # not on Windows
        pass
    return cpu


def _csv_cpu(path: Path) -> tuple[int, float]:
    """Rows and CPU seconds of reading ``path`` with the csv module alone (rows of strings)."""
    c0 = time.process_time()
    with path.open(encoding="utf-8", newline="") as fh:
        n = sum(1 for _ in csv.reader(fh))
    return n, time.process_time() - c0


def _reference(path: Path, cells: int, loader_cpu: float, before: float) -> None:
    """The same file read by the csv module alone, and by pandas.read_csv when pandas happens to
    be installed (it is not a dependency): what parsing costs, beside what the loader does with
    each figure. The csv module reads it before and after the loader: on a shared machine the
    ratio to their mean follows the load the loader met better than either alone."""
    n, after = _csv_cpu(path)
    cpu = (before + after) / 2
    print(
        f"  {'csv module':<10} {n:>9,} rows read, CPU {before:.2f} s before, {after:.2f} s after: "
        f"{cells / cpu:,.0f} cells/s (the loader takes {loader_cpu / cpu:.1f}x its time)"
    )
    try:
        pandas = importlib.import_module("pandas")
    except ImportError:
        print(f"  {'pandas':<10} not installed (not a dependency; the csv module is the reference)")
        return
    c0 = time.process_time()
    frame = pandas.read_csv(path, skiprows=2)
    cpu = time.process_time() - c0
    print(f"  {'pandas':<10} {len(frame):>9,} rows, CPU {cpu:.2f} s: {cells / cpu:,.0f} cells/s")


_CHILD = """
import resource, sys, time
from pathlib import Path
from loaders.tables import TableLoader
TableLoader().load(Path(sys.argv[1]).with_name("warm.csv"))  # imports and reference data
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
c0 = time.process_time()
facts = TableLoader().load(Path(sys.argv[1]))
cpu = time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(sum(len(f.entities) for f in facts), base, peak, cpu)
"""


def big(mb: int) -> None:
    """Peak memory of loading a long CSV of about ``mb`` MB, each in a process of its own, beside
    a file with the same figures and no Notes column: streaming means the two peaks are the same
    (what grows is the Facts themselves, about a kilobyte per statistic)."""
    import subprocess
    import sys

    # ~130 bytes a row with a 70-character note; the loader's limit is 2,000,000 figures a table.
    rows = min(mb * 1_000_000 // 130, 1_900_000)
    print(f"tables: peak memory of a {mb} MB CSV ({rows:,} rows), streamed")
    with tempfile.TemporaryDirectory(prefix="bench-tables-big-") as tmp:
        d = Path(tmp)
        write_long_csv(d / "warm.csv", 1000)
        for label, note in (("with notes", 70), ("no notes", 0)):
            path = d / f"long-{note}.csv"
            write_long_csv(path, rows, note_chars=note)
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
            ).stdout.split()
            n, base, peak, cpu = int(out[0]), int(out[1]) / 1024, int(out[2]) / 1024, float(out[3])
            size = path.stat().st_size / 1e6
            print(
                f"  {label:<10} {size:7.1f} MB {rows:>10,} rows  CPU {cpu:6.2f} s  peak RSS {peak:,.0f} MB "
                f"({base:,.0f} MB before the load; {(peak - base) * 1e6 / n:,.0f} bytes per statistic)"
            )
            path.unlink()


def main(quick: bool = False) -> None:
    long_rows = 50_000 if quick else 1_000_000
    wide_rows = 5_000 if quick else 100_000
    print(f"tables: load file -> Facts ({'quick' if quick else 'full'}; target >= 500,000 cells/s for CSV)")
    with tempfile.TemporaryDirectory(prefix="bench-tables-") as tmp:
        d = Path(tmp)
        csv_path = d / "long.csv"
        cells = write_long_csv(csv_path, long_rows)
        _, before = _csv_cpu(csv_path)
        cpu = _run("long CSV", csv_path, long_rows, cells)
        _reference(csv_path, cells, cpu, before)
        xlsx_path = d / "wide.xlsx"
        cells = write_wide_xlsx(xlsx_path, wide_rows)
        _run("wide XLSX", xlsx_path, wide_rows, cells)


if __name__ == "__main__":
    import sys

    if "--big" in sys.argv:  # python -m bench.bench_tables --big 200: peak memory of a 200 MB CSV
        big(int(sys.argv[sys.argv.index("--big") + 1]))
    else:
        main(quick="--quick" in sys.argv)
