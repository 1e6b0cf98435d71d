"""Filters compiled to Cypher (kb.store.neo4j_filters): values only as parameters, relationship
types only from the registry; and the same answers as the memory store on the test KB."""

from __future__ import annotations

import pytest

from kb.store.base import Store
from kb.store.memory import MemoryStore
from kb.store.neo4j_filters import compile_filter
from kb.store.query import And, Cond, Filter, HasRelation, Not, Or
from tests.api.kbdata import load_test_kb

HOSTILE = "x' OR 1=1 //`) MATCH (n) DETACH DELETE n"


def test_values_and_property_names_are_parameters() -> None:
    flt = And(
        (
            Cond("name", "contains", HOSTILE),
            Cond("rank", "in", [HOSTILE, 3, True]),
            Or((Cond("date", "gte", HOSTILE), Not(Cond("value", "lt", 5)))),
            HasRelation("SERVES_IN", "out", Cond("id", "eq", HOSTILE), min_count=2),
        )
    )
    text, params = compile_filter(flt)
    assert HOSTILE not in text and "rank" not in text and "date" not in text
    assert HOSTILE.casefold() in {v for v in params.values() if isinstance(v, str)} | {
        x for v in params.values() if isinstance(v, list) for x in v if isinstance(x, str)
    }
    assert "`SERVES_IN`" in text and "COUNT {" in text


def test_names_outside_the_registry_never_reach_the_text() -> None:
    assert compile_filter(HasRelation(HOSTILE, "out")) == ("false", {})
    assert compile_filter(HasRelation("MENTIONED_IN", "out")) == ("false", {})  # not held between entities
    assert compile_filter(Cond(HOSTILE, "eq", "x")) == ("false", {})
    assert compile_filter(Cond(HOSTILE, "exists", False)) == ("true", {})


FILTERS: list[tuple[str | None, Filter]] = [
    ("Officer", HasRelation("AGAINST", "in", HasRelation("CONCERNS", "in", HasRelation("RESULTED_IN", "out")))),
    ("Incident", HasRelation("INVOLVES", "out", Cond("name", "contains", "WITNESS"), min_count=1)),
    ("Incident", HasRelation("INVOLVES", "both", None, min_count=2)),
    ("Person", HasRelation("INVOLVES", "in", Cond("date", "startsWith", "2020"))),
    ("PoliceForce", Not(HasRelation("SERVES_IN", "in"))),
    ("Statistic", Or((Cond("value", "gt", 10), Cond("valueText", "startsWith", "[")))),
    ("Allegation", And((Cond("category", "eq", "EXCESSIVE-FORCE"), Cond("date", "lt", "2021")))),
    (None, Cond("type", "in", ["officer", "Incident"])),
]


@pytest.mark.parametrize("entity_type,flt", FILTERS)
def test_the_same_answers_as_the_memory_store(any_store: Store, entity_type: str | None, flt: Filter) -> None:
    load_test_kb(any_store)
    reference = load_test_kb(MemoryStore(None))
    got = any_store.list(entity_type, where=flt, limit=100)
    want = reference.list(entity_type, where=flt, limit=100)
    assert [n.id for n in got.nodes] == [n.id for n in want.nodes] and got.total == want.total
    assert want.total > 0 or isinstance(flt, Not)
