"""No export format states a triple (or a quad) twice, whatever the number of worker
processes and wherever the chunk boundaries fall."""

from __future__ import annotations

import io
from collections import Counter

import pyoxigraph as ox
import pytest

from kb.rdf.export import FORMATS, export
from kb.store.base import Store
from kb.store.memory import MemoryStore
from tests.rdf.facts import all_facts, restated_facts

OX_FORMAT = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def statements(data: bytes, fmt: str) -> Counter[str]:
    """Every statement the document makes, as N-Quads text, counted (a parser yields a
    triple as often as the document states it)."""
    return Counter(str(q) for q in ox.parse(data, OX_FORMAT[fmt]))


def assert_no_duplicates(store: Store, fmt: str, **options: int) -> int:
    buf = io.BytesIO()
    n = export(store, fmt, buf, **options)  # type: ignore[arg-type]
    counted = statements(buf.getvalue(), fmt)
    twice = [s for s, k in counted.items() if k > 1]
    assert not twice, f"{fmt}: {len(twice)} statements written more than once, e.g. {twice[:3]}"
    assert sum(counted.values()) == n, f"{fmt}: the exporter counted {n}, the document holds {sum(counted.values())}"
    return n


@pytest.fixture(scope="module")
def restated_store() -> MemoryStore:
    store = MemoryStore(None)
    for f in [*all_facts(), restated_facts()]:
        store.upsert(f)
    return store


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_format_states_a_triple_twice(restated_store: MemoryStore, fmt: str) -> None:
    one = assert_no_duplicates(restated_store, fmt, workers=1)
    # a chunk of one record: two edges that share a plain triple sit in different chunks,
    # serialised by different processes
    assert assert_no_duplicates(restated_store, fmt, workers=3, chunk_records=1) == one


def test_relations_sharing_a_plain_triple_keep_their_own_assertions(restated_store: MemoryStore) -> None:
    buf = io.BytesIO()
    export(restated_store, "nt", buf, workers=1)
    text = buf.getvalue().decode()
    officer = "<https://w3id.org/policing-kb/id/person/alex-example>"
    serves = "<https://w3id.org/policing-kb/ontology#servesIn>"
    force = "<https://w3id.org/policing-kb/id/force/thames-valley>"
    assert text.count(f"{officer} {serves} {force} .\n") == 1
    roles = {line.split(" ", 2)[2] for line in text.splitlines() if "#rel-" in line and "ontology#role>" in line}
    assert {'"tutor constable" .', '"response officer" .'} <= roles
    # the source node's name is written once although its props repeat it
    source = "<https://w3id.org/policing-kb/id/source/rdf-test-restated> <https://schema.org/name>"
    assert text.count(source) == 1


def test_in_named_graphs_each_source_states_the_plain_triple_once(restated_store: MemoryStore) -> None:
    buf = io.BytesIO()
    export(restated_store, "nq", buf, workers=1)
    lines = [q for q in statements(buf.getvalue(), "nq") if "#servesIn>" in q and "alex-example>" in q.split(" ")[0]]
    graphs = sorted(q.rsplit(" ", 1)[-1] for q in lines)
    # the article, the table and the restating source each assert the membership
    assert graphs == sorted(
        f"<https://w3id.org/policing-kb/graph/{k}>" for k in ("rdf-test-article", "rdf-test-restated", "rdf-test-table")
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_sample_kb_states_no_triple_twice(sample_store: MemoryStore, fmt: str) -> None:
    one = assert_no_duplicates(sample_store, fmt, workers=1)
    assert assert_no_duplicates(sample_store, fmt, workers=2, chunk_records=7) == one


def test_every_source_of_the_sample_kb_has_one_name(sample_store: MemoryStore) -> None:
    buf = io.BytesIO()
    export(sample_store, "nt", buf, workers=1)
    names = Counter(
        line.split(" ", 1)[0]
        for line in buf.getvalue().decode().splitlines()
        if "/id/source/" in line.split(" ", 1)[0] and " <https://schema.org/name> " in line
    )
    assert len(names) == sample_store.stats().sources
    assert set(names.values()) == {1}
