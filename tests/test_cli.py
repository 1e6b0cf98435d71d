"""The ``policekb`` command line, end to end on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.app.cli import build_parser, main
from kb.paths import project_root, sample_dir

SUBCOMMANDS = ("load", "extract", "serve", "stats", "export", "validate", "ontology")


def _policekb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "policekb"
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, check=False
    )


def test_console_script_lists_subcommands() -> None:
    res = _policekb("--help")
    assert res.returncode == 0
    for name in SUBCOMMANDS:
        assert name in res.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([name, "--help"])
    assert exc.value.code == 0
    assert "usage: policekb " + name in capsys.readouterr().out


def test_load_sample_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tmp_path / "kb.snapshot"
    assert main(["load", str(sample_dir()), "--data", str(snap), "-q"]) == 0
    out = capsys.readouterr().out
    assert "PoliceForce" in out and "sources:" in out
    first = snap.read_bytes()
    assert main(["load", str(sample_dir()), "--data", str(snap), "-q"]) == 0
    out = capsys.readouterr().out
    assert " 0 changed" in out
    assert snap.read_bytes() == first


def test_stats_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tmp_path / "kb.snapshot"
    assert main(["load", str(sample_dir()), "--data", str(snap), "-q"]) == 0
    capsys.readouterr()
    assert main(["stats", "--json", "--data", str(snap)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entities"]["PoliceForce"] >= 48
    assert stats["sources"] >= 2


def test_kb_data_environment_variable_chooses_snapshot(tmp_path: Path) -> None:
    snap = tmp_path / "elsewhere.snapshot"
    res = _policekb("load", str(project_root() / "data" / "reference" / "forces.csv"), "-q", env={"KB_DATA": str(snap)})
    assert res.returncode == 0, res.stderr
    assert snap.exists()


def _bad_load(tmp_path: Path, bad: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Load the sample, then a bad file: the error is one line naming the file; nothing changes."""
    snap = tmp_path / "kb.snapshot"
    assert main(["load", str(sample_dir()), "--data", str(snap), "-q"]) == 0
    before = snap.read_bytes()
    capsys.readouterr()
    rc = main(["load", str(sample_dir()), str(bad), "--data", str(snap), "-q"])
    err = capsys.readouterr().err.strip()
    assert rc != 0
    assert snap.read_bytes() == before
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert str(bad) in lines[0]
    return lines[0]


def test_binary_file_as_article_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "story.txt"
    bad.write_bytes(bytes(range(256)) * 20)
    _bad_load(tmp_path, bad, capsys)


def test_missing_file_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _bad_load(tmp_path, tmp_path / "nope.md", capsys)


def test_unreadable_file_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A dangling symlink cannot be opened, whoever runs the tests (root ignores file modes).
    bad = tmp_path / "gone.txt"
    bad.symlink_to(tmp_path / "target-that-does-not-exist.txt")
    _bad_load(tmp_path, bad, capsys)


def test_csv_with_missing_columns_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # no column names a force, region or case, so no figure can be tied to a subject
    bad = tmp_path / "complaints.csv"
    bad.write_text("Notes,Comment\nsee annex,n/a\nsee annex,n/a\n", encoding="utf-8")
    _bad_load(tmp_path, bad, capsys)


def test_ragged_csv_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "complaints.csv"
    bad.write_text("Force,2019/20,2020/21\nKent Police,12,14\nEssex Police,7,9,4,4\n", encoding="utf-8")
    msg = _bad_load(tmp_path, bad, capsys)
    assert ":3" in msg or "row 3" in msg


def test_unknown_file_type_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    msg = _bad_load(tmp_path, bad, capsys)
    assert "no loader" in msg


def test_extract_prints_gold_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    art = tmp_path / "story.md"
    art.write_text(
        "---\ntitle: A test story\npublished: 2024-05-02\n---\n\n"
        "Sergeant Alan Pike of Kent Police was dismissed without notice after a misconduct hearing, "
        "the force said. The Independent Office for Police Conduct had investigated his conduct.\n",
        encoding="utf-8",
    )
    assert main(["extract", str(art), "--format", "gold-json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    types = {(e["type"], e["name"]) for e in doc["entities"]}
    assert ("PoliceForce", "Kent Police") in types
    assert any(t == "Officer" and "Pike" in n for t, n in types)
    assert doc["published"] == "2024-05-02"


def test_extract_touches_no_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    art = tmp_path / "story.txt"
    art.write_text("Kent Police said nothing.\n", encoding="utf-8")
    env_snap = tmp_path / "kb.snapshot"
    os.environ["KB_DATA"] = str(env_snap)
    try:
        assert main(["extract", str(art)]) == 0
    finally:
        del os.environ["KB_DATA"]
    assert not env_snap.exists()


def test_serve_with_workers_answers_over_http(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    snap = tmp_path / "kb.snapshot"
    assert main(["load", str(project_root() / "data" / "reference" / "forces.csv"), "--data", str(snap), "-q"]) == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).parent / "policekb"
    proc = subprocess.Popen(
        [str(exe), "serve", "--data", str(snap), "--workers", "2", "--port", str(port), "--no-ide"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": '{ force(id: "kent") { name } }'}, timeout=5
                )
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.3)
        assert r.json() == {"data": {"force": {"name": "Kent Police"}}}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
