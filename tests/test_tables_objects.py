"""The figures' Evidence, Statistic and ABOUT objects, made without their dataclass __init__
(loaders.tables.objects), are the ones the model's constructors make: equal, hashable alike,
valid under the model's own checks, and kept apart by the store however much they share."""

from __future__ import annotations

from pathlib import Path

from kb.model import Entity, Evidence, Relation
from kb.reference import reference_facts
from kb.store.memory import MemoryStore
from loaders.tables import TableLoader
from loaders.tables.objects import about, statistic, table_evidence

DATA = Path(__file__).parent / "data" / "tables"


def test_made_evidence_equals_and_hashes_like_constructed() -> None:
    made = table_evidence("source/t")("12", "row 4, column 'Value'")
    built = Evidence("source/t", quote="12", method="table", locator="row 4, column 'Value'")
    assert made == built and hash(made) == hash(built)
    assert type(made) is Evidence  # the model's class: a subclass would compare unequal
    assert repr(made) == repr(built)


def test_made_entity_and_relation_equal_constructed() -> None:
    ev = table_evidence("source/t")("3", "row 5")
    assert statistic("statistic/x", "M: Kent", {"value": 3}, [ev], []) == Entity(
        "statistic/x", "Statistic", "M: Kent", [], {"value": 3}, [ev]
    )
    assert about("statistic/x", "force/kent", [ev], {}) == Relation("ABOUT", "statistic/x", "force/kent", {}, [ev])


def _rebuilt(e: Entity) -> Entity:
    """``e`` rebuilt with the model's constructors (Evidence checks its method and confidence)."""
    evs = [Evidence(x.source_id, x.quote, x.start, x.end, x.method, x.confidence, x.locator) for x in e.evidence]
    return Entity(e.id, e.type, e.name, list(e.aliases), dict(e.props), evs)


def test_every_loaded_statistic_equals_its_constructed_twin() -> None:
    for name in ("long_generated.csv", "wide_financial_years.csv", "workbook.xlsx"):
        facts = TableLoader().load(DATA / name)
        stats = [e for f in facts for e in f.entities if e.type == "Statistic"]
        assert stats, name
        for e in stats:
            assert e == _rebuilt(e)
        for f in facts:
            for r in f.relations:
                assert r == Relation(r.type, r.source, r.target, dict(r.props), list(r.evidence))


def test_shared_containers_do_not_leak_between_stored_nodes() -> None:
    # The statistics of a table share one empty alias list and their relations one props dict:
    # what the store hands out must still be each node's own.
    (facts,) = TableLoader().load(DATA / "long_generated.csv")
    stats = [e for e in facts.entities if e.type == "Statistic"]
    assert len(stats) > 2 and stats[0].aliases is stats[1].aliases  # shared, as documented
    store = MemoryStore(None)
    store.upsert(reference_facts())
    store.upsert(facts)
    first, second = store.get(stats[0].id), store.get(stats[1].id)
    assert first is not None and second is not None
    assert first.aliases == () and second.aliases == ()
    assert first.props is not second.props
    assert first.props["valueText"] == stats[0].props["valueText"]
