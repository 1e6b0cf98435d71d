"""The synthetic benchmark KB: valid against the ontology, deterministic, of the promised shape."""

from __future__ import annotations

from bench.synthetic import ENTITIES_PER_SOURCE, generate, iter_generate
from kb.model import Facts
from kb.ontology import ontology
from kb.reference import REFERENCE_SOURCE_ID, reference
from kb.store.memory import MemoryStore


def _fingerprint(batch: list[Facts]) -> list[tuple[str, int, int, str]]:
    return [(f.source_id, len(f.entities), len(f.relations), repr(f.entities[-1])) for f in batch]


def test_loads_into_memory_store_with_plausible_stats() -> None:
    batch = generate(2000)
    store = MemoryStore(None)
    results = store.upsert_many(batch)
    assert not any(r.unchanged for r in results)
    stats = store.stats()
    # ~2000 synthetic entities plus the reference layer (48 forces and the bodies)
    assert 1900 <= stats.total_entities <= 2200
    assert stats.entities["PoliceForce"] == len(reference().forces) >= 48
    assert stats.sources == len(batch)
    for cls in ("Officer", "Person", "Place", "Incident", "Allegation", "Investigation", "Outcome", "Statistic"):
        assert stats.entities[cls] > 0, cls
    for rel in ("SERVES_IN", "HOLDS_POST", "COVERS", "OCCURRED_IN", "HANDLED_BY", "INVOLVES", "AGAINST"):
        assert stats.relations[rel] > 0, rel
    for rel in ("CONCERNS", "INVESTIGATED_BY", "RESULTED_IN", "ABOUT", "SAID"):
        assert stats.relations[rel] > 0, rel
    # Officers reappear in later articles of their force, so some carry several sources.
    officers = list(store.iter_nodes("Officer"))
    assert any(len(o.sources) > 1 for o in officers)
    assert all(o.props["rankNormalised"] and o.props["rank"] for o in officers)
    # Re-loading the same facts changes nothing.
    assert all(r.unchanged for r in store.upsert_many(batch))


def test_shape_of_each_source() -> None:
    onto = ontology()
    allegation_keys = set(onto.schemes["allegation-category"].concepts)
    outcome_keys = set(onto.schemes["outcome-category"].concepts)
    batch = generate(1000, seed=3)
    assert batch[0].source_id == REFERENCE_SOURCE_ID
    for facts in batch[1:]:
        src = facts.source
        assert src.type == "Source" and src.props["sourceKind"] == "article"
        assert {"title", "url", "publisher", "published", "sha256"} <= set(src.props)
        new = [e for e in facts.entities if e.type not in ("PoliceForce", "OversightBody")]
        assert ENTITIES_PER_SOURCE - 1 <= len(new) <= ENTITIES_PER_SOURCE + 5
        for e in facts.entities:
            assert e.evidence and all(ev.source_id == src.id and ev.quote for ev in e.evidence)
            if e.type == "Allegation":
                assert e.props["category"] in allegation_keys
            if e.type == "Outcome":
                assert e.props["category"] in outcome_keys
            if e.type == "Statistic":
                assert e.props["status"] == "reported" and str(e.props["periodStart"]) < str(e.props["periodEnd"])
        assert all(r.evidence and r.evidence[0].method in ("rule", "table") for r in facts.relations)
        # every relation end is an entity of this source, so each source validates alone
        ids = {e.id for e in facts.entities}
        assert all(r.source in ids and r.target in ids for r in facts.relations)


def test_deterministic_for_a_seed_and_varies_with_it() -> None:
    assert _fingerprint(generate(800, seed=1)) == _fingerprint(generate(800, seed=1))
    assert _fingerprint(generate(800, seed=1)) != _fingerprint(generate(800, seed=2))
    streamed = list(iter_generate(800, seed=1, with_reference=False))
    assert _fingerprint(streamed) == _fingerprint(generate(800, seed=1)[1:])


def test_entity_total_scales_with_n() -> None:
    for n in (0, 150, 5000):
        total = sum(len(f.entities) + 1 for f in iter_generate(n, with_reference=False))
        assert n <= total <= n + ENTITIES_PER_SOURCE + n // 10 + 5


def test_memory_bench_measures_a_small_kb() -> None:
    from bench.bench_memory import measure, report

    r = measure(1500)
    assert r["entities"] >= 1500 and r["relations"] > r["entities"]
    assert r["snapshot_bytes"] > 0 and r["peak_rss"] >= r["rss_before"] > 0
    assert 0 <= r["force_p50_ms"] <= r["force_p99_ms"] and r["force_reach"] > 0
    assert "2-hop force -> officers -> allegations" in report(r)
