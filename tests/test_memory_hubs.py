"""Entities named by many sources (forces, bodies) keep their merged view between writes: the
view is the one merge gives, and a write is seen at once."""

from __future__ import annotations

from kb.model import Entity, Evidence, Facts
from kb.reference import reference_facts
from kb.store.memory import _MANY_PARTS, MemoryStore
from kb.store.merge import merged_node


def _mention(i: int) -> Facts:
    src = Entity(f"source/s{i}", "Source", f"s{i}", props={"sha256": f"{i:064x}", "sourceKind": "article"})
    ev = [Evidence(src.id, quote=f"Kent Police said {i}")]
    return Facts(src, [Entity("force/kent", "PoliceForce", "Kent Police", aliases=[f"Kent {i}"], evidence=ev)])


def test_a_hub_reads_as_merged_and_a_write_is_seen_at_once() -> None:
    store = MemoryStore(None)
    store.upsert(reference_facts())
    store.upsert_many([_mention(i) for i in range(_MANY_PARTS + 5)])
    parts = store.g.nodes["force/kent"]
    assert len(parts) >= _MANY_PARTS
    first = store.get("force/kent")
    assert first == merged_node("force/kent", parts)
    assert store.get_many(["force/kent"])["force/kent"] is first  # kept, not merged again
    store.upsert(_mention(999))
    again = store.get("force/kent")
    assert again is not None and again is not first
    assert "Kent 999" in again.aliases and again == merged_node("force/kent", store.g.nodes["force/kent"])
    store.delete_source("source/s999")
    assert "Kent 999" not in store.get_many(["force/kent"])["force/kent"].aliases
