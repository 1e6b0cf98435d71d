"""A KB loaded from hundreds of files reopens: the snapshot's header (which carries a hash per loaded
file) outgrows the few KB the reader first looks at."""

from __future__ import annotations

from pathlib import Path

from kb.app.pipeline import load_paths
from kb.store.base import FILES
from kb.store.memory import MemoryStore


def test_a_kb_of_400_articles_reopens(tmp_path: Path) -> None:
    arts = tmp_path / "articles"
    arts.mkdir()
    for k in range(400):
        (arts / f"report-{k:03d}.txt").write_text(
            f"PC Idris Number{k:03d} of Kent Police was dismissed without notice after a gross misconduct "
            "hearing in June 2023.\nThe IOPC investigated the case.\n",
            encoding="utf-8",
        )
    snap = tmp_path / "kb.snapshot"
    store = MemoryStore(snap)
    load_paths(store, [arts])
    store.flush()
    assert len(snap.read_bytes().split(b"\n", 1)[0]) > 4096  # the case this test is about
    again = MemoryStore(snap)
    assert sum(1 for _ in again.iter_nodes("Source")) == sum(1 for _ in store.iter_nodes("Source")) >= 400
    files = again.meta(FILES)
    assert isinstance(files, dict) and len(files) == 400 and files == store.meta(FILES)
