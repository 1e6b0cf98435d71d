"""Sources are documents: edited files replace what they said, deleted ones can be removed or
synced away, all in one change, on both stores. Real files, the load pipeline, the store."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from kb.app.decisions import remove
from kb.app.pipeline import load_paths
from kb.paths import project_root
from kb.rdf.export import export
from kb.store.base import FILES, Store, StoreError
from loaders.base import LoadError

pytestmark = pytest.mark.neo4j

TABLES = project_root() / "tests" / "data" / "tables"


def _write(path: Path, text: str, url: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    front = f"url: {url}\n" if url else ""
    path.write_text(f"---\ntitle: {path.stem}\n{front}published: 2024-02-01\n---\n\n{text}\n", encoding="utf-8")
    return path


def _people(store: Store) -> set[str]:
    return set(store.ids_with_prefix(["person/"])["person/"])


@pytest.mark.parametrize("root_is_cwd", [False, True])
def test_an_edited_file_replaces_what_it_said(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_is_cwd: bool
) -> None:
    folder = tmp_path / "stories"
    story = _write(folder / "hearing.md", "Sergeant Ann Price of Essex Police was dismissed after a hearing.")
    if root_is_cwd:
        monkeypatch.chdir(tmp_path)
        load_paths(any_store, [Path("stories")])
    else:
        load_paths(any_store, [folder])  # outside the current folder: the folder's own name is kept
    sid = "source/stories-hearing-md"
    first = any_store.get(sid)
    assert first is not None and first.props["file"] == "stories/hearing.md"
    assert "person/ann-price" in _people(any_store)
    loaded_at, sha = first.props["loadedAt"], first.props["sha256"]
    # the same file again: nothing changes, the revision stays
    again = load_paths(any_store, [Path("stories") if root_is_cwd else folder])
    assert again.changed == 0 and any_store.get(sid).props["loadedAt"] == loaded_at  # type: ignore[union-attr]
    # corrected: another officer; the old one goes, one source, a new revision
    _write(story, "Sergeant Ann Rice of Essex Police was dismissed after a hearing.")
    load_paths(any_store, [folder])
    assert "person/ann-price" not in _people(any_store) and "person/ann-rice" in _people(any_store)
    now = any_store.get(sid)
    assert now is not None and now.props["sha256"] != sha
    assert str(now.props["loadedAt"]) >= str(loaded_at)
    assert len(list(any_store.iter_nodes("Source"))) == 2  # the story and the reference data
    # the RDF export shows the revision: the content hash and when it was loaded
    out = io.BytesIO()
    export(any_store, "nq", out)
    rdf = out.getvalue().decode()
    assert f'"{now.props["sha256"]}"' in rdf and f'"{now.props["loadedAt"]}' in rdf and str(sha) not in rdf


def test_a_url_is_the_identity_wherever_the_file_is(any_store: Store, tmp_path: Path) -> None:
    url = "https://news.example.org/2024/essex-hearing"
    _write(tmp_path / "a" / "story.md", "Sergeant Ann Price of Essex Police was dismissed.", url)
    load_paths(any_store, [tmp_path / "a"])
    sources = [n.id for n in any_store.iter_nodes("Source") if n.id != "source/reference-data"]
    assert sources == ["source/https-news-example-org-2024-essex-hearing"]
    (tmp_path / "b").mkdir()
    shutil.move(tmp_path / "a" / "story.md", tmp_path / "b" / "renamed.md")
    load_paths(any_store, [tmp_path / "b"], sync=True)
    after = [n for n in any_store.iter_nodes("Source") if n.id != "source/reference-data"]
    assert [n.id for n in after] == sources and after[0].props["file"] == "b/renamed.md"


def test_sync_removes_the_sources_whose_files_are_gone(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    keep = _write(folder / "keep.md", "PC Tom Hale of Kent Police gave evidence.")
    gone = _write(folder / "gone.md", "PC Rob Lyle of Kent Police was suspended.")
    other = _write(tmp_path / "elsewhere" / "other.md", "PC Dan Ives of Kent Police retired.")
    load_paths(any_store, [folder, other.parent])
    assert {"person/tom-hale", "person/rob-lyle", "person/dan-ives"} <= _people(any_store)
    gone.unlink()
    plain = load_paths(any_store, [folder])  # without --sync nothing is removed
    assert plain.removed == [] and "person/rob-lyle" in _people(any_store)
    synced = load_paths(any_store, [folder], sync=True)
    assert synced.removed == ["source/in-gone-md"]
    people = _people(any_store)
    assert "person/rob-lyle" not in people and {"person/tom-hale", "person/dan-ives"} <= people  # other folders stay
    files = any_store.meta(FILES)
    assert isinstance(files, dict) and "source/in-gone-md" not in files and str(keep.resolve()) in files.values()


def test_remove_by_id_or_by_file(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    a = _write(folder / "a.md", "PC Tom Hale of Kent Police gave evidence.")
    _write(folder / "b.md", "PC Rob Lyle of Kent Police was suspended.")
    load_paths(any_store, [folder])
    res = remove(any_store, ["source/in-b-md"])
    assert [r.source_id for r in res] == ["source/in-b-md"] and res[0].entities_removed >= 2  # with its officer
    assert "person/rob-lyle" not in _people(any_store)
    remove(any_store, [str(a)])
    assert not _people(any_store) & {"person/tom-hale"}
    assert any_store.get("force/kent") is not None  # the reference data still vouches for it
    with pytest.raises(StoreError, match="no source"):
        remove(any_store, ["source/in-b-md"])
    with pytest.raises(StoreError, match="no source in the KB was loaded from"):
        remove(any_store, [str(tmp_path / "never")])


def test_a_bad_file_in_a_synced_folder_changes_nothing(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write(folder / "a.md", "PC Tom Hale of Kent Police gave evidence.")
    gone = _write(folder / "b.md", "PC Rob Lyle of Kent Police was suspended.")
    load_paths(any_store, [folder])
    before = any_store.stats()
    gone.unlink()
    shutil.copy(TABLES / "bad_unknown_force.csv", folder / "c.csv")
    with pytest.raises(LoadError):
        load_paths(any_store, [folder], sync=True, strict=True)
    assert any_store.stats() == before and "person/rob-lyle" in _people(any_store)


def test_a_workbook_gives_a_source_per_sheet_named_by_path_and_sheet(any_store: Store, tmp_path: Path) -> None:
    book = next(p for p in sorted(TABLES.glob("*.xlsx")) if not p.name.startswith("bad_"))
    folder = tmp_path / "foi"
    folder.mkdir()
    shutil.copy(book, folder / book.name)
    report = load_paths(any_store, [folder])
    sids = sorted(s for s in report.sources)
    assert sids and all(s.startswith("source/") for s in sids)
    nodes = any_store.get_many(sids)
    assert {n.props["file"] for n in nodes.values()} == {f"foi/{book.name}"}
    assert load_paths(any_store, [folder]).changed == 0


def test_unsupported_files_are_skipped_with_one_warning_and_an_empty_folder_warns(
    any_store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    _write(folder / "a.md", "PC Tom Hale of Kent Police gave evidence.")
    (folder / "scan.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    (folder / "letter.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 32)
    (tmp_path / "empty").mkdir()
    report = load_paths(any_store, [folder, tmp_path / "empty"])
    skipped = [w for w in report.warnings if w.startswith("skipped")]
    assert len(skipped) == 1
    assert "letter.docx" in skipped[0] and "scan.jpg" in skipped[0] and ".md" in skipped[0] and ".xlsx" in skipped[0]
    assert any("empty" in w and "no files to load" in w for w in report.warnings)
    assert "person/tom-hale" in _people(any_store)
    # a file of an unsupported type named on its own is still an error
    with pytest.raises(LoadError, match="no loader"):
        load_paths(any_store, [folder / "scan.jpg"])
