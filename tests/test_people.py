"""Identity of people and human judgements, through the load pipeline, on both stores.

Articles are real files in a temporary folder, read by the article loader; the memory store
has a snapshot file, the Neo4j store is the test Bolt server.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kb.app.decisions import merge, split
from kb.app.duplicates import find_duplicates
from kb.app.judgements import JudgementError, Judgements, read_judgements
from kb.app.pipeline import load_paths
from kb.rdf.export import export
from kb.store.base import Store, StoreError

KENT = "PC James Walker of Kent Police was dismissed after a gross misconduct hearing found he had lied."
CUMBRIA = "PC James Walker of Cumbria Constabulary was commended for pulling a driver from a flooded road."
KENT_AGAIN = "PC James Walker, who served with Kent Police, has appealed against his dismissal."
NO_CONTEXT = "James Walker said the ruling would be challenged."


def _article(folder: Path, name: str, text: str, published: str = "2024-03-01") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(f"---\ntitle: {name}\npublished: {published}\n---\n\n{text}\n", encoding="utf-8")
    return p


def _load(store: Store, folder: Path, judgements: Judgements | None = None, sync: bool = False) -> int:
    report = load_paths(store, [folder], root=folder.parent, sync=sync, judgements=judgements)
    return report.changed


def _walkers(store: Store) -> dict[str, set[str]]:
    """Each James Walker in the KB -> the forces he serves in."""
    ids = store.ids_with_prefix(["person/james-walker"])["person/james-walker"]
    out = {}
    for i in ids:
        out[i] = {e.target for e in store.edges([i], ["SERVES_IN"], "out")}
    return out


def _src(name: str) -> str:
    return f"source/in-{name.replace('.', '-')}"


@pytest.mark.neo4j
def test_namesakes_of_two_forces_are_two_people(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _article(folder, "kent.md", KENT)
    _article(folder, "cumbria.md", CUMBRIA, "2024-04-02")
    _load(any_store, folder)
    walkers = _walkers(any_store)
    assert sorted(walkers.values(), key=sorted) == [{"force/cumbria"}, {"force/kent"}]
    found, judged = find_duplicates(any_store, Judgements())
    assert judged == 0 and len(found) == 1
    pair = found[0]
    assert {pair.a, pair.b} == set(walkers)
    assert any("Kent Police" in x and "Cumbria Constabulary" in x for x in pair.comparison.against)
    assert "same rank (Police Constable)" in pair.comparison.for_
    # a follow-up about the Kent officer is the Kent officer; loading the same files again changes nothing
    _article(folder, "kent-appeal.md", KENT_AGAIN, "2024-05-01")
    assert _load(any_store, folder) == 1
    walkers = _walkers(any_store)
    assert len(walkers) == 2
    kent = next(i for i, f in walkers.items() if f == {"force/kent"})
    assert {_src("kent.md"), _src("kent-appeal.md")} <= set(any_store.get(kent).sources)  # type: ignore[union-attr]
    assert _load(any_store, folder) == 0
    assert _walkers(any_store) == walkers


@pytest.mark.neo4j
def test_a_mention_several_namesakes_fit_is_a_new_person(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _article(folder, "a-kent.md", KENT)
    _article(folder, "b-cumbria.md", CUMBRIA)
    _article(folder, "c-quote.md", NO_CONTEXT)
    _load(any_store, folder)
    ids = any_store.ids_with_prefix(["person/james-walker"])["person/james-walker"]
    assert len(ids) == 3  # nothing says which of the two officers spoke: never a guess
    found, _ = find_duplicates(any_store, Judgements())
    assert len(found) == 3
    assert _load(any_store, folder) == 0


@pytest.mark.neo4j
def test_only_one_namesake_fits_so_the_mention_is_him(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _article(folder, "a-kent.md", KENT)
    _article(folder, "b-quote.md", NO_CONTEXT)
    _load(any_store, folder)
    ids = any_store.ids_with_prefix(["person/james-walker"])["person/james-walker"]
    assert ids == ["person/james-walker"]
    node = any_store.get("person/james-walker")
    assert node is not None and node.type == "Officer" and len(node.sources) == 2


@pytest.mark.neo4j
def test_merge_judgement_on_every_load(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _article(folder, "kent.md", KENT)
    _article(folder, "cumbria.md", CUMBRIA)
    _load(any_store, folder)
    a, b = sorted(_walkers(any_store))
    path = tmp_path / "kb.judgements.txt"
    decision = merge(any_store, path, a, b, note="same collar number in both reports")
    assert decision.new_id == a
    assert list(_walkers(any_store)) == [a]
    merged = any_store.get(b)
    assert merged is not None and merged.id == a  # the merged id answers for the entity
    assert _walkers(any_store)[a] == {"force/kent", "force/cumbria"}
    assert find_duplicates(any_store, read_judgements(path)) == ([], 0)
    text = path.read_text(encoding="utf-8")
    assert f"merge {a} {b}" in text and "same collar number" in text
    # every later load applies it: the file is read again, nothing comes apart
    assert _load(any_store, folder, read_judgements(path)) == 0
    _article(folder, "kent-appeal.md", KENT_AGAIN)
    _load(any_store, folder, read_judgements(path))
    assert list(_walkers(any_store)) == [a]
    # the RDF export says so
    out = io.BytesIO()
    export(any_store, "nt", out)
    iri = "https://w3id.org/policing-kb/id/"
    assert f"<{iri}{b}> <http://www.w3.org/2002/07/owl#sameAs> <{iri}{a}> ." in out.getvalue().decode()
    with pytest.raises(StoreError, match="one entity already"):
        merge(any_store, path, a, b)
    with pytest.raises(StoreError, match="no entity"):
        merge(any_store, path, a, "person/nobody-at-all")
    with pytest.raises(StoreError, match="different kinds"):
        merge(any_store, path, a, "force/kent")


@pytest.mark.neo4j
def test_split_judgement_on_every_load(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _article(folder, "a-kent.md", KENT)
    _article(folder, "b-quote.md", NO_CONTEXT)
    _load(any_store, folder)
    assert list(_walkers(any_store)) == ["person/james-walker"]  # the quote was put on the officer
    path = tmp_path / "kb.judgements.txt"
    d = split(any_store, path, "person/james-walker", _src("b-quote.md"))
    assert d.new_id == "person/james-walker--in-b-quote-md"
    assert sorted(_walkers(any_store)) == ["person/james-walker", d.new_id]
    assert any_store.get(d.new_id).sources == (_src("b-quote.md"),)  # type: ignore[union-attr]
    assert any_store.get("person/james-walker").sources == (_src("a-kent.md"),)  # type: ignore[union-attr]
    assert _load(any_store, folder, read_judgements(path)) == 0  # never resolved back
    assert find_duplicates(any_store, read_judgements(path)) == ([], 1)
    with pytest.raises(StoreError, match="says nothing about"):
        split(any_store, path, "person/james-walker", "source/in-nowhere-md")


def test_judgements_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "kb.judgements.txt"
    path.write_text("# decisions\nmerge person/a person/b\nmerge person/a\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r"kb\.judgements\.txt:3: expected"):
        read_judgements(path)
    path.write_text("merge person/a force/kent\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r":1: cannot merge"):
        read_judgements(path)
    path.write_text("split person/a person/b\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r":1: split takes"):
        read_judgements(path)
    assert not read_judgements(tmp_path / "missing.txt")


def test_merges_chain_and_splits_follow_them() -> None:
    from kb.app.judgements import Judgement

    j = Judgements([Judgement("merge", "person/a", "person/b"), Judgement("merge", "person/c", "person/a")])
    assert j.canonical("person/b") == "person/c"
    assert j.redirects() == {"person/a": "person/c", "person/b": "person/c"}
    j.add(Judgement("split", "person/c", "source/s"))
    assert j.split_of("person/c", "source/s") == "person/c--s"
