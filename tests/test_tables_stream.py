"""CSV tables are read as a stream: an error near the top of a big file comes before the rest
is read, in little memory; what is stored does not depend on how the file was read."""

from __future__ import annotations

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
