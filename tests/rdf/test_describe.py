"""Entity descriptions for IRI dereferencing: the entity, its relations and their evidence."""

from __future__ import annotations

import json

import pytest
from rdflib import RDF, Graph, Literal, Namespace
from rdflib.namespace import PROV

from kb.ontology import ontology
from kb.rdf.describe import describe
from kb.store.memory import MemoryStore
from tests.rdf.facts import A, B

BASE = ontology().base
ID = Namespace(BASE + "/id/")
PKB = Namespace(ontology().namespace)
SCHEMA = Namespace("https://schema.org/")


@pytest.mark.parametrize(("fmt", "rdflib_fmt"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")])
def test_description_has_entity_relations_evidence_and_labels(
    rich_store: MemoryStore, fmt: str, rdflib_fmt: str
) -> None:
    g = Graph().parse(data=describe(rich_store, "person/alex-example", fmt, None), format=rdflib_fmt)
    me = ID["person/alex-example"]
    assert (me, RDF.type, PKB.Officer) in g
    assert (me, SCHEMA.name, Literal("Alex Example")) in g
    assert {s for s in g.objects(me, PKB.mentionedIn)} == {ID[A], ID[B]}
    # outgoing and incoming relations
    assert (me, PKB.servesIn, ID["force/thames-valley"]) in g
    assert (ID["incident/testbury-arrest-2023"], PKB.involves, me) in g
    assert (ID["allegation/excessive-force-testbury"], PKB.against, me) in g
    # the relation's evidence
    st = next(s for s in g.subjects(RDF.predicate, PKB.servesIn) if (s, RDF.subject, me) in g)
    sources = {g.value(e, PROV.wasDerivedFrom) for e in g.objects(st, PKB.evidence)}
    assert sources == {ID[A], ID[B]}
    # linked entities and sources are labelled
    assert (ID["force/thames-valley"], SCHEMA.name, Literal("Thames Valley Police")) in g
    assert (ID[A], RDF.type, PKB.Source) in g
    # but not described in full
    assert (ID["force/thames-valley"], PKB.policeUkId, None) not in g


def test_description_with_another_base(rich_store: MemoryStore) -> None:
    data = describe(rich_store, "force/thames-valley", "nt", "https://example.org/kb")
    assert b"<https://example.org/kb/id/force/thames-valley> " in data


def test_source_description_lists_what_it_mentions(rich_store: MemoryStore) -> None:
    g = Graph().parse(data=describe(rich_store, B, "ttl", None), format="turtle")
    assert (ID["statistic/s2"], PKB.mentionedIn, ID[B]) in g
    assert (ID["statistic/s2"], SCHEMA.name, None) in g
    graph_iri = f"{BASE}/graph/rdf-test-table"
    assert (None, PROV.wasDerivedFrom, ID[B]) in g
    assert any(str(s) == graph_iri for s in g.subjects(PROV.wasDerivedFrom, ID[B]))


def test_jsonld_description_reads_naturally(rich_store: MemoryStore) -> None:
    doc = json.loads(describe(rich_store, "force/thames-valley", "jsonld", None))
    own = next(n for n in doc["@graph"] if n["id"].endswith("/id/force/thames-valley") and "type" in n)
    assert own["type"] == "PoliceForce" and own["policeUkId"] == "thames-valley"


def test_unknown_entity_and_format(rich_store: MemoryStore) -> None:
    with pytest.raises(KeyError):
        describe(rich_store, "force/atlantis", "ttl", None)
    with pytest.raises(ValueError, match="unknown description format"):
        describe(rich_store, "force/kent", "rdfxml", None)
