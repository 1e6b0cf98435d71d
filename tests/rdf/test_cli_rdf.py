"""`policekb export` and `policekb validate` on a snapshot, through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from kb.app.cli import main
from kb.store.memory import MemoryStore
from tests.rdf.facts import all_facts


@pytest.fixture()
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "kb.snapshot"
    store = MemoryStore(path)
    for f in all_facts():
        store.upsert(f)
    store.close()
    return path


@pytest.mark.parametrize(("fmt", "rdflib_fmt"), [("ttl", "turtle"), ("nq", "nquads"), ("jsonld", "json-ld")])
def test_export_writes_a_parseable_file(
    snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, rdflib_fmt: str
) -> None:
    out = tmp_path / "out" / f"kb.{fmt}"
    assert main(["export", "--format", fmt, "-o", str(out), "--data", str(snapshot)]) == 0
    g: Graph = Dataset() if fmt == "nq" else Graph()
    g.parse(out, format=rdflib_fmt)
    n = int(capsys.readouterr().err.split("wrote ")[1].split()[0])
    size = len(list(g.quads())) if isinstance(g, Dataset) else len(g)
    assert size <= n <= size + 5
    assert not list(out.parent.glob(".*.part"))


def test_validate_prints_conformance(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(snapshot)]) == 0
    assert capsys.readouterr().out.startswith("conforms:")


def test_base_iri_from_environment(snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_BASE_IRI", "https://data.example.org/police")
    out = tmp_path / "kb.nt"
    assert main(["export", "--format", "nt", "-o", str(out), "--data", str(snapshot)]) == 0
    assert b"<https://data.example.org/police/id/force/kent> " in out.read_bytes()
