"""The OWL ontology, SHACL shapes and JSON-LD context are derived from the registry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SH, SKOS

from kb.ontology import load_ontology, ontology
from kb.paths import ontology_dir
from kb.rdf.owl import render_context, render_ontology, render_shapes
from kb.rdf.terms import version_iri

PKB = Namespace(ontology().namespace)


@pytest.fixture(scope="module")
def onto_graph() -> Graph:
    return Graph().parse(data=render_ontology(), format="turtle")


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(data=render_shapes(), format="turtle")


@pytest.mark.parametrize(
    ("name", "render"),
    [("policekb.ttl", render_ontology), ("shapes.ttl", render_shapes), ("context.jsonld", render_context)],
)
def test_checked_in_file_is_regenerated_text(name, render) -> None:
    path = ontology_dir() / name
    assert path.exists(), f"{path} missing: run `policekb ontology --write`"
    assert path.read_text(encoding="utf-8") == render(), f"{path} is out of date: run `policekb ontology --write`"


def test_rendering_is_deterministic() -> None:
    assert render_ontology() == render_ontology()
    assert render_shapes() == render_shapes()


def test_every_class_and_relation_is_declared(onto_graph: Graph) -> None:
    onto = ontology()
    for c in onto.classes.values():
        iri = PKB[c.name]
        assert (iri, RDF.type, OWL.Class) in onto_graph
        assert (iri, RDFS.label, Literal(c.label, lang="en")) in onto_graph
        for a in c.aligned:
            assert (iri, RDFS.subClassOf, URIRef(onto.expand(a))) in onto_graph
    assert (PKB.Officer, RDFS.subClassOf, PKB.Person) in onto_graph
    for r in onto.relations.values():
        iri = URIRef(onto.expand(r.iri))
        assert (iri, RDF.type, OWL.ObjectProperty) in onto_graph
        assert onto_graph.value(iri, RDFS.domain) is not None
        assert onto_graph.value(iri, RDFS.range) is not None
    # a single-class range is the class itself; several make an owl:unionOf
    assert (PKB.servesIn, RDFS.range, PKB.PoliceForce) in onto_graph
    union = onto_graph.value(PKB.holdsPost, RDFS.range)
    lst = onto_graph.value(union, OWL.unionOf)
    assert lst is not None
    members = set(onto_graph.items(lst))
    assert members == {PKB.PoliceForce, PKB.OversightBody, PKB.Organisation, PKB.Programme}


def test_alignments_are_sound(onto_graph: Graph) -> None:
    org = Namespace("http://www.w3.org/ns/org#")
    prov = Namespace("http://www.w3.org/ns/prov#")
    assert (PKB.servesIn, RDFS.subPropertyOf, org.memberOf) in onto_graph
    # a post holder does not hold the organisation itself: no sub-property claim for org:holds
    assert (PKB.holdsPost, RDFS.subPropertyOf, org.holds) not in onto_graph
    # the quote is attributed to the speaker: the inverse of pkb:said
    inv = onto_graph.value(predicate=OWL.inverseOf, object=PKB.said)
    assert inv is not None and (inv, RDFS.subPropertyOf, prov.wasAttributedTo) in onto_graph


def test_versioned_ontology_iri(onto_graph: Graph) -> None:
    onto = ontology()
    o = URIRef(onto.namespace.rstrip("#"))
    assert (o, RDF.type, OWL.Ontology) in onto_graph
    assert (o, OWL.versionIRI, URIRef(version_iri())) in onto_graph
    assert version_iri().endswith("/" + onto.version)


def test_concept_schemes_have_definitions(onto_graph: Graph) -> None:
    onto = ontology()
    for scheme in onto.schemes.values():
        schemes = [s for s in onto_graph.subjects(RDF.type, SKOS.ConceptScheme) if str(s).endswith("/" + scheme.key)]
        assert len(schemes) == 1
        concepts = set(onto_graph.subjects(SKOS.inScheme, schemes[0]))
        assert len(concepts) == len(scheme.concepts)
        for c in concepts:
            assert onto_graph.value(c, SKOS.definition) is not None
            assert onto_graph.value(c, SKOS.prefLabel) is not None


def test_shapes_cover_every_class(shapes_graph: Graph) -> None:
    onto = ontology()
    for c in onto.classes.values():
        shape = shapes_graph.value(predicate=SH.targetClass, object=PKB[c.name])
        assert shape is not None, c.name
        paths = {}
        for ps in shapes_graph.objects(shape, SH.property):
            paths[shapes_graph.value(ps, SH.path)] = ps
        for pname in c.properties:
            prop = onto.properties[pname]
            ps = paths[URIRef(onto.expand(prop.iri))]
            min_count = shapes_graph.value(ps, SH.minCount)
            assert (min_count is not None and int(str(min_count)) >= 1) == (pname in c.required), (c.name, pname)
            assert (shapes_graph.value(ps, SH.maxCount) is None) == prop.many
    for r in onto.relations.values():
        assert shapes_graph.value(predicate=SH.targetSubjectsOf, object=URIRef(onto.expand(r.iri))) is not None


def test_context_has_a_term_for_every_class_property_and_relation() -> None:
    ctx = json.loads(render_context())["@context"]
    onto = ontology()
    for c in onto.classes:
        assert ctx[c] == f"pkb:{c}"
    for p in onto.properties.values():
        assert ctx[p.name]["@id"] == p.iri
    assert ctx["aliases"]["@container"] == "@set"
    assert ctx["value"]["@type"] == "xsd:decimal"
    assert ctx["category"]["@type"] == "@id"
    for r in onto.relations.values():
        assert ctx[r.iri.partition(":")[2]] == {"@id": r.iri, "@type": "@id"}


def test_a_registry_change_shows_in_every_derived_file(tmp_path: Path) -> None:
    d = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), d)
    reg = d / "registry.toml"
    reg.write_text(
        reg.read_text(encoding="utf-8")
        + '\n[classes.Court]\nslug = "court"\nlabel = "Court"\ndescription = "A court."\n'
        'aligned = ["schema:GovernmentOrganization"]\nproperties = ["name", "kind"]\nrequired = ["name", "kind"]\n',
        encoding="utf-8",
    )
    onto = load_ontology(d)
    assert "pkb:Court\n    a owl:Class" in render_ontology(onto)
    shapes = Graph().parse(data=render_shapes(onto), format="turtle")
    shape = shapes.value(predicate=SH.targetClass, object=PKB.Court)
    assert shape is not None
    kinds = [ps for ps in shapes.objects(shape, SH.property) if shapes.value(ps, SH.path) == PKB.kind]
    assert int(str(shapes.value(kinds[0], SH.minCount))) == 1
    assert json.loads(render_context(onto))["@context"]["Court"] == "pkb:Court"
