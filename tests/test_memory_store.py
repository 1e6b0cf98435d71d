"""MemoryStore specifics: the snapshot file, atomic writes, per-source replacement."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.model import Entity, Evidence, Facts, Relation
from kb.reference import reference, reference_facts
from kb.store.base import StoreError
from kb.store.memory import MemoryStore
from kb.store.validate import InvalidFacts


def _article(sid: str, officer: str, quote: str) -> Facts:
    src = Entity(f"source/{sid}", "Source", sid, props={"sha256": sid * 4, "sourceKind": "article"})
    ev = [Evidence(src.id, quote=quote, method="rule", confidence=0.9)]
    person = Entity(f"person/{officer}", "Officer", officer.replace("-", " ").title(), evidence=ev)
    rel = Relation("SERVES_IN", person.id, "force/kent", evidence=ev)
    return Facts(src, [person], [rel])


def test_snapshot_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "kb.snapshot"
    s = MemoryStore(path)
    s.upsert(reference_facts())
    s.upsert(_article("a1", "jane-roe", "PC Jane Roe of Kent Police"))
    s.flush()
    again = MemoryStore(path)
    assert again.stats() == s.stats()
    node = again.get("person/jane-roe")
    assert node is not None and node.type == "Officer"
    assert again.edges(["person/jane-roe"], ["SERVES_IN"], "out")[0].target == "force/kent"


def test_failed_flush_leaves_previous_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kb.snapshot"
    s = MemoryStore(path)
    s.upsert(reference_facts())
    s.flush()
    before = path.read_bytes()
    s.upsert(_article("a1", "jane-roe", "q"))

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        s.flush()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["kb.snapshot"]  # no temp file left behind


def test_corrupt_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.snapshot"
    path.write_bytes(b"not a snapshot\n")
    with pytest.raises(StoreError, match=r"kb\.snapshot"):
        MemoryStore(path)


def test_replacing_a_source_removes_exactly_its_facts() -> None:
    s = MemoryStore(None)
    s.upsert(reference_facts())
    s.upsert(_article("a1", "jane-roe", "first"))
    s.upsert(_article("a2", "jane-roe", "second"))
    s.upsert(_article("a3", "john-doe", "third"))
    # a1 now says something else: its old officer keeps a2's evidence, the new one appears
    s.upsert(_article("a1", "ann-other", "changed"))
    jane = s.get("person/jane-roe")
    assert jane is not None and [e.quote for e in jane.evidence] == ["second"]
    assert s.get("person/ann-other") is not None
    # deleting a3 removes John Doe entirely, with his SERVES_IN edge
    res = s.delete_source("source/a3")
    assert res.entities_removed == 2  # the source node and the officer
    assert s.get("person/john-doe") is None
    assert all(e.source != "person/john-doe" for e in s.edges(["force/kent"]))
    # the force itself is vouched for by the reference data and stays
    assert s.get("force/kent") is not None


def test_invalid_facts_change_nothing() -> None:
    s = MemoryStore(None)
    s.upsert(reference_facts())
    before = s.stats()
    bad = _article("a1", "jane-roe", "q")
    bad.relations.append(Relation("COVERS", "person/jane-roe", "force/kent"))  # wrong domain
    with pytest.raises(InvalidFacts, match="COVERS"):
        s.upsert(bad)
    assert s.stats() == before


def test_keyset_pagination_visits_every_entity_once() -> None:
    s = MemoryStore(None)
    s.upsert(reference_facts())
    seen: list[str] = []
    cursor = None
    while True:
        page = s.list("PoliceForce", limit=7, after=cursor)
        seen.extend(n.id for n in page.nodes)
        if not page.has_next:
            break
        cursor = page.end_cursor
    assert len(seen) == len(set(seen)) == page.total == len(reference().forces)
    assert seen == sorted(seen)


def test_bad_cursor_is_a_store_error() -> None:
    s = MemoryStore(None)
    with pytest.raises(StoreError):
        s.list("PoliceForce", after="%%%not-a-cursor")


def test_hub_relations_by_type_match_a_full_scan() -> None:
    # a force with hundreds of relations gets a per-type index; it must answer exactly as a scan
    s = MemoryStore(None)
    s.upsert(reference_facts())
    src = Entity("source/hub", "Source", "hub", props={"sha256": "h" * 8, "sourceKind": "article"})
    ev = [Evidence(src.id, quote="q")]
    ents, rels = [], []
    for i in range(300):
        officer = Entity(f"person/officer-{i}", "Officer", f"Officer {i}", evidence=ev)
        ents.append(officer)
        rels.append(Relation("SERVES_IN", officer.id, "force/kent", evidence=ev))
        if i % 3 == 0:
            incident = Entity(f"incident/case-{i}", "Incident", f"Case {i}", evidence=ev)
            ents.append(incident)
            rels.append(Relation("HANDLED_BY", incident.id, "force/kent", evidence=ev))
    s.upsert(Facts(src, ents, rels))
    everything = s.edges(["force/kent"], None, "in")
    for rtype in ("SERVES_IN", "HANDLED_BY", "AGAINST"):
        got = sorted(s.edges(["force/kent"], [rtype], "in"), key=lambda e: e.id)
        assert got == sorted((e for e in everything if e.type == rtype), key=lambda e: e.id)

    def first_page(n: int) -> list[str]:
        return [e.source for e in s.first_edges(["force/kent"], ["SERVES_IN"], "in", n)]

    serving = sorted(e.source for e in everything if e.type == "SERVES_IN")
    assert first_page(20) == serving[:20]
    assert sorted(first_page(1000)) == serving
    both = s.first_edges(["force/kent"], ["HANDLED_BY", "SERVES_IN"], "both", 5)
    assert sorted(e.source for e in both) == sorted(
        [i for i in serving[:5]] + sorted(e.source for e in everything if e.type == "HANDLED_BY")[:5]
    )
    # the index is dropped on write: a new officer shows up, in order
    s.upsert(_article("late", "a-late-comer", "q"))
    assert any(e.source == "person/a-late-comer" for e in s.edges(["force/kent"], ["SERVES_IN"], "in"))
    assert first_page(2) == ["person/a-late-comer", serving[0]]


def test_revision_changes_with_content_only() -> None:
    s = MemoryStore(None)
    s.upsert(reference_facts())
    r0 = s.revision
    facts = _article("rev", "rev-officer", "q")
    s.upsert(facts)
    r1 = s.revision
    assert r1 != r0
    assert s.upsert(facts).unchanged and s.revision == r1  # re-loading the same source changes nothing
    s.delete_source(facts.source_id)
    assert s.revision != r1
