"""The ``policekb`` command line, end to end on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.app.cli import build_parser, main
from kb.paths import project_root, sample_dir

SUBCOMMANDS = (
    "load",
    "extract",
    "serve",
    "stats",
    "export",
    "validate",
    "ontology",
    "remove",
    "merge",
    "split",
    "duplicates",
)


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


# -- paths, folders and one-line errors ------------------------------------------------------
def _story(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {path.stem}\npublished: 2024-01-10\n---\n\n{text}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [["stats"], ["export", "--format", "nt"], ["validate"], ["duplicates"], ["remove", "source/x"], ["serve"]],
)
def test_a_missing_snapshot_is_an_error_but_for_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    snap = tmp_path / "typo.snapshot"
    assert main([*command, "--data", str(snap)]) == 3
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"no KB at {snap}" in err and "policekb load" in err
    assert not snap.exists()


def test_kb_data_naming_a_folder_uses_kb_snapshot_inside(tmp_path: Path) -> None:
    folder = tmp_path / "kbdir"
    folder.mkdir()
    forces = str(project_root() / "data" / "reference" / "forces.csv")
    res = _policekb("load", forces, "-q", env={"KB_DATA": str(folder)})
    assert res.returncode == 0, res.stderr
    assert (folder / "kb.snapshot").is_file()
    res = _policekb("stats", "--json", env={"KB_DATA": str(folder)})
    assert res.returncode == 0 and json.loads(res.stdout)["entities"]["PoliceForce"] >= 48
    assert main(["stats", "--data", str(folder)]) == 0  # --data takes a folder too


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_serve_refuses_a_port_that_is_not_one(tmp_path: Path, port: str) -> None:
    res = _policekb("serve", "--port", port, "--data", str(tmp_path / "kb.snapshot"))
    assert res.returncode == 2
    assert "--port" in res.stderr and "Traceback" not in res.stderr


def test_unwritable_paths_are_one_line_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    forces = str(project_root() / "data" / "reference" / "forces.csv")
    for args in (
        ["load", forces, "-q", "--data", str(blocker / "kb.snapshot")],
        ["load", forces, "-q", "--data", "/proc/no-kb-here/kb.snapshot"],
    ):
        res = _policekb(*args)
        assert res.returncode != 0
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stderr.startswith("error: ")
    snap = tmp_path / "kb.snapshot"
    assert _policekb("load", forces, "-q", "--data", str(snap)).returncode == 0
    res = _policekb("export", "--format", "nt", "-o", str(blocker / "out.nt"), "--data", str(snap))
    assert res.returncode == 2 and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


# -- one writer at a time --------------------------------------------------------------------
def test_a_second_writer_waits_for_the_first_and_loses_nothing(tmp_path: Path) -> None:
    from kb.store.lock import SnapshotLock

    snap = tmp_path / "kb.snapshot"
    first = _story(tmp_path / "a" / "first.md", "PC Kit Moss of Kent Police gave evidence at the inquest.")
    assert main(["load", str(first), "--data", str(snap), "-q"]) == 0
    held = SnapshotLock(snap).acquire()  # another writer (this test process) holds the snapshot
    try:
        second = _story(tmp_path / "b" / "second.md", "PC Lee Dunn of Essex Police was suspended.")
        exe = Path(sys.executable).parent / "policekb"
        proc = subprocess.Popen(
            [str(exe), "load", str(second), "--data", str(snap), "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.startswith("waiting: ") and str(snap) in line and f"pid {os.getpid()}" in line
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting
        no_wait = _policekb("load", str(second), "--data", str(snap), "-q", "--no-wait")
        assert no_wait.returncode == 3 and "being written by another process" in no_wait.stderr
    finally:
        held.release()
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    stats = json.loads(_policekb("stats", "--json", "--data", str(snap)).stdout)
    assert stats["sources"] == 3  # reference data, first, second


def test_two_concurrent_loads_both_keep_their_facts(tmp_path: Path) -> None:
    snap = tmp_path / "kb.snapshot"
    for i in range(12):
        _story(tmp_path / "a" / f"s{i:02}.md", f"PC Ann Vale{i} of Kent Police gave evidence in case {i}.")
    _story(tmp_path / "b" / "late.md", "PC Lee Dunn of Essex Police was suspended.")
    exe = Path(sys.executable).parent / "policekb"
    first = subprocess.Popen(
        [str(exe), "load", str(tmp_path / "a"), "--data", str(snap)], stderr=subprocess.PIPE, text=True
    )
    assert first.stderr is not None
    assert first.stderr.readline().startswith("read ")  # it holds the lock and is reading
    second = subprocess.run(
        [str(exe), "load", str(tmp_path / "b"), "--data", str(snap), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    first.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    stats = json.loads(_policekb("stats", "--json", "--data", str(snap)).stdout)
    assert stats["sources"] == 14  # 12 + 1 + the reference data: neither load lost the other's


# -- remove, merge, split, duplicates from the command line -----------------------------------
def test_remove_merge_split_and_duplicates_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tmp_path / "kb.snapshot"
    folder = tmp_path / "in"
    _story(folder / "kent.md", "PC James Walker of Kent Police was dismissed after a misconduct hearing.")
    _story(folder / "cumbria.md", "PC James Walker of Cumbria Constabulary was commended for bravery.")
    _story(folder / "other.md", "PC Lee Dunn of Essex Police was suspended.")
    assert main(["load", str(folder), "--data", str(snap), "-q", "--root", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["duplicates", "--data", str(snap), "--json"]) == 0
    (pair,) = json.loads(capsys.readouterr().out)
    assert any("Kent Police" in x and "Cumbria Constabulary" in x for x in pair["against"])
    assert main(["merge", pair["a"], pair["b"], "--data", str(snap), "--note", "one man"]) == 0
    judgements = tmp_path / "kb.judgements.txt"
    assert f"merge {pair['a']} {pair['b']}" in judgements.read_text(encoding="utf-8")
    assert main(["duplicates", "--data", str(snap)]) == 0
    assert "no possible duplicates" in capsys.readouterr().out
    assert main(["remove", "source/in-other-md", "--data", str(snap)]) == 0
    assert "removed source/in-other-md" in capsys.readouterr().out
    assert main(["remove", "source/in-other-md", "--data", str(snap)]) == 3
    assert main(["split", pair["a"], "--source", "source/in-kent-md", "--data", str(snap)]) == 0
    assert "split " in judgements.read_text(encoding="utf-8").splitlines()[-1]
    capsys.readouterr()
    assert main(["merge", pair["a"], "person/nobody", "--data", str(snap)]) == 3
    assert "no entity person/nobody" in capsys.readouterr().err
    judgements.write_text("merge person/a\n", encoding="utf-8")
    assert main(["load", str(folder), "--data", str(snap), "-q"]) == 2
    assert "kb.judgements.txt:1" in capsys.readouterr().err
