"""SHACL validation of the export: the KB conforms; a broken graph is reported readably."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, XSD

from kb.ontology import ontology
from kb.rdf.validate import export_graph, validate_graph, validate_store
from kb.store.memory import MemoryStore

BASE = ontology().base
ID = Namespace(BASE + "/id/")
PKB = Namespace(ontology().namespace)
SCHEMA = Namespace("https://schema.org/")


def test_rich_kb_conforms(rich_store: MemoryStore) -> None:
    ok, text = validate_store(rich_store)
    assert ok, text
    assert text.startswith("conforms")


def test_sample_kb_conforms(sample_store: MemoryStore) -> None:
    ok, text = validate_store(sample_store)
    assert ok, text


@pytest.fixture()
def graph(rich_store: MemoryStore) -> Graph:
    return export_graph(rich_store)


def test_missing_required_property_is_reported(graph: Graph) -> None:
    graph.remove((ID["force/kent"], SCHEMA.name, None))
    ok, text = validate_graph(graph)
    assert not ok
    assert "force/kent schema:name" in text
    assert text.startswith("does not conform: 1 violation\n")


def test_relation_outside_its_domain_and_range_is_reported(graph: Graph) -> None:
    graph.add((ID["place/testbury"], PKB.servesIn, ID["place/testbury"]))
    ok, text = validate_graph(graph)
    assert not ok
    lines = [ln for ln in text.splitlines() if ln.startswith("Violation: place/testbury")]
    assert any("pkb:servesIn" in ln and "SERVES_IN-range" in ln for ln in lines), text
    assert any("pkbsh:SERVES_IN]" in ln for ln in lines), text


def test_bad_datatypes_counts_and_evidence_are_reported(graph: Graph) -> None:
    stat = ID["statistic/s1"]
    graph.remove((stat, PKB.value, None))
    graph.add((stat, PKB.value, Literal("lots", datatype=XSD.decimal)))
    graph.add((ID["force/kent"], SCHEMA.name, Literal("Kent Police again")))
    ev = next(graph.objects(ID["place/testbury"], PKB.evidence))
    graph.remove((ev, PKB.confidence, None))
    graph.add((ev, PKB.confidence, Literal("2.5", datatype=XSD.decimal)))
    graph.remove((ev, PROV.wasDerivedFrom, None))
    alleg = ID["allegation/excessive-force-testbury"]
    graph.remove((alleg, PKB.category, None))
    graph.add((alleg, PKB.category, URIRef(f"{BASE}/id/concept/outcome-category/dismissal")))
    ok, text = validate_graph(graph)
    assert not ok
    assert "statistic/s1 pkb:value" in text and "'lots'" in text
    assert "force/kent schema:name" in text and "More than 1 values" in text
    assert "pkb:confidence" in text and "2.5" in text
    assert "prov:wasDerivedFrom" in text
    assert "allegation/excessive-force-testbury pkb:category" in text
    assert text.count("\nViolation:") >= 5


def test_entity_without_evidence_is_reported(graph: Graph) -> None:
    place = ID["place/testbury"]
    graph.remove((place, PKB.evidence, None))
    graph.remove((place, PKB.mentionedIn, None))
    ok, text = validate_graph(graph)
    assert not ok
    assert "place/testbury pkb:evidence" in text and "place/testbury pkb:mentionedIn" in text


def test_untyped_subject_of_a_relation_is_reported(graph: Graph) -> None:
    ghost = URIRef(f"{BASE}/id/person/ghost")
    graph.add((ghost, PKB.servesIn, ID["force/kent"]))
    ok, text = validate_graph(graph)
    assert not ok and "person/ghost" in text
    assert (ghost, RDF.type, None) not in graph


def test_report_is_capped(graph: Graph) -> None:
    for s in list(graph.subjects(RDF.type, PKB.PoliceForce)):
        graph.remove((s, SCHEMA.name, None))
    for s in list(graph.subjects(RDF.type, PKB.OversightBody)):
        graph.remove((s, SCHEMA.name, None))
    ok, text = validate_graph(graph)
    assert not ok
    n = int(text.split(" violation")[0].rsplit(" ", 1)[1])
    assert n >= 50
    assert "by shape: pkbsh:PoliceForce-name x" in text


def test_object_outside_a_multi_class_range_is_reported(graph: Graph) -> None:
    # ABOUT admits forces, bodies, places, cases ... but not a person
    graph.add((ID["statistic/s1"], PKB.about, ID["person/alex-example"]))
    # HOLDS_POST's subject must be a person (an Officer is one); a place is not
    graph.add((ID["place/testbury"], PKB.holdsPost, ID["force/kent"]))
    ok, text = validate_graph(graph)
    assert not ok
    assert any(
        ln.startswith("Violation: statistic/s1 pkb:about") and "person/alex-example" in ln for ln in text.splitlines()
    ), text
    assert "place/testbury" in text
    # the officer holding a post with an organisation is fine: Officer is a Person
    assert "person/jordan-sample" not in text
