"""CSV tables are read as a stream: an error near the top of a big file comes before the rest
is read, in little memory; what is stored does not depend on how the file was read."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from loaders.base import LoadError
from loaders.tables import TableLoader

# -- CSV read as a stream: an error early in a big file comes early, in little memory ---------


def _big_csv(path: Path, bad_row: int | None, rows: int = 400_000) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Force,Financial year,Complaints\n")
        line = "Kent,2019/20,12\n"
        chunk = line * 10_000
        written = 0
        if bad_row is not None:
            fh.write(line * (bad_row - 2) + "Kent,2020/21,see note\n")
            written = bad_row - 1
        while written < rows:
            fh.write(chunk)
            written += 10_000


def test_error_near_the_top_of_a_big_csv_comes_before_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _big_csv(path, bad_row=50)
    assert path.stat().st_size > 6_000_000
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match="cannot read 'see note'") as info:
            TableLoader().load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.line == 50
    # The whole file as text and rows would take well over 100 MB; streaming holds a window.
    assert peak < 40_000_000, f"peak {peak:,} bytes"


# -- a long CSV that loads: memory follows its figures, not its bytes -------------------------


def _long_csv(path: Path, rows: int, note: str) -> None:
    """Unique (force, year, series) rows; ``note`` fills a Notes column (read, never kept)."""
    forces = ("Kent", "Essex", "Surrey", "Sussex", "Dorset", "Avon and Somerset", "Durham", "Cumbria")
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"Force,Financial year,Series,Complaints{',Notes' if note else ''}\n")
        for i in range(rows):
            series, k = divmod(i, len(forces) * 20)
            f, y = divmod(k, 20)
            tail = f",{note} {i}" if note else ""  # a different text on every row
            fh.write(f"{forces[f]},{2000 + y}/{(y + 1) % 100:02d},S{series},{i % 997}{tail}\n")


_CHILD = """
import resource, sys
from pathlib import Path
from loaders.tables import TableLoader
(facts,) = TableLoader().load(Path(sys.argv[1]))
n = sum(1 for e in facts.entities if e.type == "Statistic")
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _peak_of_load(path: Path) -> tuple[int, int]:
    """Peak resident memory (bytes) of a process loading ``path``, and its statistics."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, env=env, check=True)
    n, peak = out.stdout.split()
    return int(peak), int(n)


def test_memory_of_a_streamed_csv_follows_its_figures_not_its_size(tmp_path: Path) -> None:
    rows = 80_000
    plain, noted = tmp_path / "plain.csv", tmp_path / "noted.csv"
    _long_csv(plain, rows, "")
    _long_csv(noted, rows, "figure includes transfers from other forces; see the notes sheet " * 15)
    peak_plain, n_plain = _peak_of_load(plain)
    peak_noted, n_noted = _peak_of_load(noted)
    assert n_plain == n_noted == rows
    # The notes total about 80 MB; only the first rows (what layout detection looks at, a
    # quarter of this file) are held at once: about 24 MB more, where the whole file would be
    # about 95 MB more.
    notes = noted.stat().st_size - plain.stat().st_size
    assert notes > 70_000_000
    assert peak_noted - peak_plain < notes / 2, f"{peak_plain:,} -> {peak_noted:,} bytes (notes {notes:,})"
