"""The shared bench helpers measure what they say (bench/common.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.common import ROOT, env, peak_rss_bytes, percentiles, rss_bytes


def test_a_child_reports_its_own_peak_not_its_parents() -> None:
    ballast = bytearray(400 * 2**20)  # resident: written below
    ballast[::4096] = b"x" * len(ballast[::4096])
    parent_peak = peak_rss_bytes()
    assert parent_peak >= rss_bytes() >= len(ballast)
    code = "import json; from bench.common import peak_rss_bytes as p, rss_bytes as r; print(json.dumps([p(), r()]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env())
    child_peak, child_rss = json.loads(out.stdout)
    # (getrusage's ru_maxrss would say the parent's peak here: it survives exec)
    assert 0 < child_rss <= child_peak < len(ballast) < parent_peak
    del ballast


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert percentiles(samples) == (50.5, 99.0)
    assert percentiles([3.0]) == (3.0, 3.0)
