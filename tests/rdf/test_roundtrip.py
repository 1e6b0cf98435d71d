"""Export -> parse -> the same entities, relations, statistics and evidence, on both stores."""

from __future__ import annotations

import io

import pytest
from rdflib import Dataset, Graph

from kb.app.pipeline import read_paths
from kb.model import Facts
from kb.paths import sample_dir
from kb.rdf.export import FORMATS, export
from kb.rdf.readback import normalise_edges, normalise_nodes, read_graph
from kb.reference import reference_facts
from kb.store.base import Store
from tests.rdf.facts import all_facts, restated_facts
from tests.rdf.test_duplicates import statements

RDFLIB_FORMAT = {"nt": "nt", "ttl": "turtle", "jsonld": "json-ld", "trig": "trig", "nq": "nquads"}


def parse_merged(data: bytes, fmt: str) -> Graph:
    if fmt in ("trig", "nq"):
        ds = Dataset()
        ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
        g = Graph()
        for s, p, o, _g in ds.quads():
            g.add((s, p, o))
        return g
    return Graph().parse(data=data, format=RDFLIB_FORMAT[fmt])


def assert_round_trip(store: Store, fmt: str, **export_options: int) -> None:
    buf = io.BytesIO()
    written = export(store, fmt, buf, **export_options)  # type: ignore[arg-type]
    counted = statements(buf.getvalue(), fmt)
    assert max(counted.values()) == 1, f"{fmt}: statements written twice"
    assert sum(counted.values()) == written
    back = read_graph(parse_merged(buf.getvalue(), fmt))
    nodes = normalise_nodes(store.iter_nodes())
    edges = normalise_edges(store.iter_edges())
    assert set(back.nodes) == set(nodes)
    for k, n in nodes.items():
        assert back.nodes[k] == n, k
    assert set(back.edges) == set(edges)
    for k, e in edges.items():
        assert back.edges[k] == e, k
    stats = [n for n in nodes.values() if n.type == "Statistic"]
    assert stats, "the KB has statistics"
    assert all(n.evidence for n in nodes.values() if n.type != "Source")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_rich_kb_round_trips(any_store: Store, fmt: str) -> None:
    for f in [*all_facts(), restated_facts()]:
        any_store.upsert(f)
    assert_round_trip(any_store, fmt)


@pytest.fixture(scope="module")
def sample_facts() -> list[Facts]:
    """The sample KB's facts, parsed once (reference data first, one Facts per source)."""
    staged, _ = read_paths([sample_dir()])
    by_source = {f.source_id: f for f in [reference_facts(), *staged]}
    return list(by_source.values())


def test_sample_kb_round_trips(any_store: Store, sample_facts: list[Facts]) -> None:
    any_store.upsert_many(sample_facts)
    assert any_store.stats().total_entities > 50
    assert_round_trip(any_store, "nq")


def test_values_keep_their_types(any_store: Store) -> None:
    for f in all_facts():
        any_store.upsert(f)
    buf = io.BytesIO()
    export(any_store, "ttl", buf)
    back = read_graph(parse_merged(buf.getvalue(), "ttl"))
    s1, s3 = back.nodes["statistic/s1"], back.nodes["statistic/s3"]
    assert s1.props["value"] == 1234 and isinstance(s1.props["value"], int)
    assert s3.props["value"] == 0.125 and isinstance(s3.props["value"], float)
    assert back.nodes["person/officer-z"].props["anonymised"] is True
