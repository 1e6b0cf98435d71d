"""The reference tables every load starts from."""

from __future__ import annotations

import csv

from kb.paths import project_root, reference_dir
from kb.reference import reference, reference_facts
from kb.store.memory import MemoryStore

SHARED = project_root().parent / "shared" / "reference" / "forces.csv"


def test_every_force_present_with_ids() -> None:
    ref = reference()
    assert len(ref.forces) >= 48
    ids = [f.id for f in ref.forces]
    assert len(ids) == len(set(ids))
    with_police_uk = [f for f in ref.forces if f.police_uk_id]
    assert len(with_police_uk) >= 44
    assert all(f.country for f in ref.forces)


def test_reference_covers_shared_force_list_when_present() -> None:
    # The shared table is the upstream of ours; when it is beside the repo, nothing may be missing.
    if not SHARED.exists():
        return
    with SHARED.open(encoding="utf-8") as fh:
        upstream = {r["name"] for r in csv.DictReader(fh)}
    ours = {f.name for f in reference().forces}
    assert upstream <= ours


def test_ranks_have_abbreviations() -> None:
    lookup = reference().rank_lookup()
    assert lookup["pc"] == "Police Constable"
    assert lookup["det sgt"] == "Detective Sergeant"
    assert lookup["acc"] == "Assistant Chief Constable"
    assert lookup["deputy assistant commissioner"] == "Deputy Assistant Commissioner"


def test_reference_facts_load_idempotently() -> None:
    store = MemoryStore(None)
    first = store.upsert(reference_facts())
    assert first.entities_added > 60
    again = store.upsert(reference_facts())
    assert again.unchanged
    met = store.get("force/metropolitan")
    assert met is not None
    assert met.name == "Metropolitan Police Service"
    assert "Scotland Yard" in met.aliases
    assert met.props["wikidataId"] == "Q1139213"
    assert met.evidence and met.evidence[0].method == "reference"


def test_reference_files_are_utf8_csv() -> None:
    for name in ("forces.csv", "bodies.csv", "ranks.csv"):
        text = (reference_dir() / name).read_text(encoding="utf-8")
        rows = list(csv.reader(text.splitlines()))
        width = len(rows[0])
        assert all(len(r) == width for r in rows[1:]), name
