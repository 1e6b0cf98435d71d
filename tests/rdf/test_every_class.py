"""One instance of every registry class (and one relation of every type), exported and
validated with SHACL: a class added to the registry is exported and validated with no edit
anywhere but the registry."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, URIRef

from kb.model import Edge, Node, Relation
from kb.ontology import Ontology, load_ontology, ontology
from kb.paths import ontology_dir
from kb.rdf.export import export
from kb.rdf.mapping import Mapper
from kb.rdf.ntriples import NTriplesWriter
from kb.rdf.owl import render_ontology, render_shapes
from kb.rdf.terms import Iris
from kb.rdf.validate import validate_store
from kb.rdf.vocab import export_header_blocks
from kb.store.memory import MemoryStore
from tests.rdf.instances import SOURCE_ID, every_class_facts


def test_every_class_and_relation_exports_and_conforms() -> None:
    onto = ontology()
    store = MemoryStore(None)
    store.upsert(every_class_facts(onto))
    conforms, report = validate_store(store)
    assert conforms, report
    buf = io.BytesIO()
    export(store, "nt", buf, workers=1)
    g = Graph().parse(data=buf.getvalue(), format="nt")
    types = set(g.objects(None, RDF.type))
    for c in onto.classes.values():
        assert URIRef(onto.namespace + c.name) in types, c.name
    predicates = set(g.predicates())
    for r in onto.relations.values():
        assert URIRef(onto.expand(r.iri)) in predicates, r.name
    assert store.stats().total_relations == len(onto.relations) - 1  # all but MENTIONED_IN


def _blocks_graph(onto: Ontology) -> Graph:
    """The export of every_class_facts(onto), mapped with that registry (no store: a store
    only accepts the project's registry)."""
    facts = every_class_facts(onto)
    mapper = Mapper(Iris(None, onto), quads=False)
    buf = io.BytesIO()
    w = NTriplesWriter(buf)
    w.write(export_header_blocks(mapper.iris))
    for e in (facts.source, *facts.entities):
        w.write(mapper.node(Node(e.id, e.type, e.name, tuple(e.aliases), e.props, tuple(e.evidence))))
    for r in facts.relations:
        key = Relation(r.type, r.source, r.target, r.props).key
        w.write(mapper.edge(Edge(r.type, r.source, r.target, key, r.props, tuple(r.evidence))))
    w.close()
    return Graph().parse(data=buf.getvalue(), format="nt")


def _conforms(onto: Ontology) -> tuple[bool, str]:
    conforms, _, text = validate(
        _blocks_graph(onto),
        shacl_graph=Graph().parse(data=render_shapes(onto), format="turtle"),
        ont_graph=Graph().parse(data=render_ontology(onto), format="turtle"),
        inference="none",
        allow_warnings=True,
    )
    return bool(conforms), str(text)


NEW_CLASSES = """
[classes.Court]
slug = "court"
label = "Court"
description = "A court."
aligned = ["schema:GovernmentOrganization"]
properties = ["name", "aliases", "kind", "jurisdiction"]
required = ["name", "kind"]

[classes.Detective]
parent = "Officer"
label = "Detective"
description = "An officer of the criminal investigation department."
properties = ["foiReference"]

[relations.HEARD_BY]
iri = "pkb:heardBy"
domain = ["Investigation"]
range = ["Court"]
props = ["date"]
forward = "courts"
inverse = "hearings"
description = "The hearing was held by the court."
"""


def test_a_class_added_to_the_registry_is_exported_and_validated(tmp_path: Path) -> None:
    d = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), d)
    reg = d / "registry.toml"
    reg.write_text(reg.read_text(encoding="utf-8") + NEW_CLASSES, encoding="utf-8")
    onto = load_ontology(d)
    assert "Court" in onto.relations["MENTIONED_IN"].domain
    assert "Detective" in onto.relations["MENTIONED_IN"].domain
    assert onto.classes["Detective"].properties[-3:] == ("rank", "rankNormalised", "foiReference")
    conforms, text = _conforms(onto)
    assert conforms, text
    g = _blocks_graph(onto)
    court = URIRef(Iris(None, onto).entity("court/every-court"))
    assert (court, RDF.type, URIRef(onto.namespace + "Court")) in g
    mentioned = URIRef(onto.expand(onto.relations["MENTIONED_IN"].iri))
    assert (court, mentioned, URIRef(Iris(None, onto).entity(SOURCE_ID))) in g


def test_validation_catches_what_the_generated_instances_would_hide(tmp_path: Path) -> None:
    """The check above can fail: the same new class with MENTIONED_IN's domain written out by
    hand (the registry before it said "*") does not conform."""
    d = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), d)
    reg = d / "registry.toml"
    hand = ", ".join(f'"{c}"' for c in ontology().relations["MENTIONED_IN"].domain)
    old = 'domain = "*"\nrange = ["Source"]'
    text = reg.read_text(encoding="utf-8").replace(old, f'domain = [{hand}]\nrange = ["Source"]')
    assert text != reg.read_text(encoding="utf-8")
    reg.write_text(text + NEW_CLASSES, encoding="utf-8")
    conforms, report = _conforms(load_ontology(d))
    assert not conforms
    assert "every-court" in report
