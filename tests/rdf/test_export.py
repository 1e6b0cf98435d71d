"""RDF export: five formats, one meaning; named graphs with provenance; standard vocabularies."""

from __future__ import annotations

import io
import json

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS, XSD

from kb.model import Entity, Evidence, Facts
from kb.ontology import ontology
from kb.rdf.context import context_dict
from kb.rdf.export import FORMATS, export
from kb.rdf.ntriples import escape
from kb.store.memory import MemoryStore
from tests.rdf.facts import HOSTILE, A, B

BASE = ontology().base
ID = Namespace(BASE + "/id/")
PKB = Namespace(ontology().namespace)
ORG = Namespace("http://www.w3.org/ns/org#")
QB = Namespace("http://purl.org/linked-data/cube#")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("https://schema.org/")
RDFLIB_FORMAT = {"nt": "nt", "ttl": "turtle", "jsonld": "json-ld", "trig": "trig", "nq": "nquads"}


def dump(store: MemoryStore, fmt: str, base: str | None = None) -> tuple[bytes, int]:
    buf = io.BytesIO()
    n = export(store, fmt, buf, base=base)
    return buf.getvalue(), n


def parse_graph(data: bytes, fmt: str) -> Graph:
    return Graph().parse(data=data, format=RDFLIB_FORMAT[fmt])


def parse_dataset(data: bytes, fmt: str) -> Dataset:
    ds = Dataset()
    ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
    return ds


@pytest.fixture(scope="module")
def merged(rich_store: MemoryStore) -> Graph:
    return parse_graph(dump(rich_store, "nt")[0], "nt")


@pytest.fixture(scope="module")
def quads(rich_store: MemoryStore) -> Dataset:
    return parse_dataset(dump(rich_store, "nq")[0], "nq")


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_merged_formats_say_the_same_as_ntriples(rich_store: MemoryStore, merged: Graph, fmt: str) -> None:
    data, n = dump(rich_store, fmt)
    g = parse_graph(data, fmt)
    assert set(g) == set(merged)
    # two relations that differ only in their qualifier (a role) share the plain triple
    assert len(g) <= n <= len(g) + 5


def test_ntriples_count_is_lines(rich_store: MemoryStore, merged: Graph) -> None:
    data, n = dump(rich_store, "nt")
    lines = data.split(b"\n")[:-1]
    assert n == len(lines)
    assert len(set(lines)) == len(merged)


def test_trig_and_nquads_say_the_same(rich_store: MemoryStore, quads: Dataset) -> None:
    data, n = dump(rich_store, "trig")
    ds = parse_dataset(data, "trig")
    assert set(ds.quads()) == set(quads.quads())
    assert n == len(set(quads.quads()))


def test_union_of_named_graphs_is_the_merged_graph(quads: Dataset, merged: Graph) -> None:
    union = {(s, p, o) for s, p, o, _g in quads.quads()}
    assert union == set(merged)


def test_each_source_has_a_named_graph_described_with_prov(quads: Dataset, merged: Graph) -> None:
    graphs = {str(g.identifier) for g in quads.graphs()}
    for sid in (A, B, "source/reference-data"):
        key = sid.split("/", 1)[1]
        g = URIRef(f"{BASE}/graph/{key}")
        assert str(g) in graphs
        assert (g, RDF.type, PROV.Entity) in merged
        assert (g, PROV.wasDerivedFrom, ID[sid]) in merged
        activity = merged.value(g, PROV.wasGeneratedBy)
        assert (activity, RDF.type, PROV.Activity) in merged
        tool = merged.value(activity, PROV.wasAssociatedWith)
        assert merged.value(tool, SCHEMA.softwareVersion) is not None
        assert merged.value(g, DCTERMS.title) is not None
    g = URIRef(f"{BASE}/graph/rdf-test-article")
    assert merged.value(g, DCTERMS.publisher) == Literal("Example News")
    assert merged.value(g, DCTERMS.issued) == Literal("2024-03-05", datatype=XSD.date)
    assert str(merged.value(g, SCHEMA.url)).startswith("https://example.org/")
    act = merged.value(g, PROV.wasGeneratedBy)
    assert merged.value(act, PROV.endedAtTime) == Literal("2024-03-06T10:00:00+00:00", datatype=XSD.dateTime)


def test_evidence_lives_in_its_sources_graph(quads: Dataset) -> None:
    checked = 0
    for s, _p, src, g in quads.quads((None, PROV.wasDerivedFrom, None, None)):
        if "#ev-" not in str(s):
            continue
        key = str(src).rsplit("/source/", 1)[1]
        assert str(g.identifier if hasattr(g, "identifier") else g) == f"{BASE}/graph/{key}"  # type: ignore[union-attr]
        checked += 1
    assert checked > 50
    # the officer is asserted by both sources, each in its own graph, with its own evidence
    officer = ID["person/alex-example"]
    in_graphs = {str(g) for _s, _p, _o, g in quads.quads((officer, PKB.mentionedIn, None, None))}
    assert in_graphs == {f"{BASE}/graph/rdf-test-article", f"{BASE}/graph/rdf-test-table"}


def test_base_iri_from_argument_and_environment(rich_store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = dump(rich_store, "nt", base="https://example.org/kb/")
    assert b"<https://example.org/kb/id/force/thames-valley>" in data
    assert b"\n<https://w3id.org/policing-kb/id/force/" not in data
    monkeypatch.setenv("KB_BASE_IRI", "https://kb.example.net")
    data, _ = dump(rich_store, "nq")
    assert b"<https://kb.example.net/id/force/thames-valley>" in data
    assert b"<https://kb.example.net/graph/rdf-test-article> .\n" in data
    # vocabulary IRIs do not move with the data
    assert f"<{ontology().namespace}PoliceForce>".encode() in data


def test_entity_iris_and_external_ids(merged: Graph) -> None:
    tvp = ID["force/thames-valley"]
    assert (tvp, RDF.type, PKB.PoliceForce) in merged
    assert (tvp, PKB.policeUkId, Literal("thames-valley")) in merged
    # an id that is not a slug is percent-encoded, never left raw
    odd = [s for s in merged.subjects(RDF.type, PKB.Place) if "odd" in str(s)]
    assert odd == [URIRef(f"{BASE}/id/place/odd%20key%20%C3%A9%3C%3E")]
    person = ID["person/jordan-sample"]
    assert (person, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q4115189")) in merged


def test_forces_with_wikidata_ids_link_to_wikidata(rich_store: MemoryStore, merged: Graph) -> None:
    with_qid = [n for n in rich_store.iter_nodes("PoliceForce") if n.props.get("wikidataId")]
    for n in with_qid:
        qid = str(n.props["wikidataId"])
        assert (ID[n.id], OWL.sameAs, URIRef("http://www.wikidata.org/entity/" + qid)) in merged


def test_memberships_are_org_memberships_with_periods(merged: Graph) -> None:
    chief = ID["person/jordan-sample"]
    tvp = ID["force/thames-valley"]
    assert (chief, PKB.holdsPost, tvp) in merged
    ms = [m for m in merged.subjects(ORG.member, chief) if (m, ORG.organization, tvp) in merged]
    assert len(ms) == 1
    m = ms[0]
    assert (m, RDF.type, ORG.Membership) in merged
    during = merged.value(m, ORG.memberDuring)
    assert (during, RDF.type, TIME.Interval) in merged
    begin = merged.value(during, TIME.hasBeginning)
    end = merged.value(during, TIME.hasEnd)
    assert merged.value(begin, TIME.inXSDgYearMonth) == Literal("2019-04", datatype=XSD.gYearMonth)
    assert merged.value(end, TIME.inXSDDate) == Literal("2024-03-31", datatype=XSD.date)
    role = merged.value(m, ORG.role)
    assert merged.value(role, SKOS.prefLabel) == Literal("Chief Constable")
    posts = [p for p in merged.objects(chief, ORG.holds) if (p, ORG.postIn, tvp) in merged]
    assert len(posts) == 1 and (posts[0], RDF.type, ORG.Post) in merged
    assert (posts[0], ORG.role, role) in merged
    # a membership without known dates has no interval
    witness = ID["person/officer-z"]
    wm = next(merged.subjects(ORG.member, witness))
    assert merged.value(wm, ORG.memberDuring) is None


def test_statistics_are_data_cube_observations(merged: Graph) -> None:
    stat = ID["statistic/s1"]
    assert (stat, RDF.type, QB.Observation) in merged
    ds = merged.value(stat, QB.dataSet)
    assert (ds, RDF.type, QB.DataSet) in merged
    dsd = merged.value(ds, QB.structure)
    assert (dsd, RDF.type, QB.DataStructureDefinition) in merged
    dims = {merged.value(c, QB.dimension) for c in merged.objects(dsd, QB.component)} - {None}
    assert dims == {PKB.about, PKB.refPeriod, PKB.measureConcept}
    measures = {merged.value(c, QB.measure) for c in merged.objects(dsd, QB.component)} - {None}
    assert measures == {PKB.value}
    assert (stat, PKB.about, ID["force/thames-valley"]) in merged
    assert merged.value(stat, PKB.value) == Literal("1234", datatype=XSD.decimal)
    period = merged.value(stat, PKB.refPeriod)
    assert (period, RDF.type, TIME.Interval) in merged
    assert merged.value(merged.value(period, TIME.hasBeginning), TIME.inXSDDate) == Literal(
        "2022-04-01", datatype=XSD.date
    )
    measure = merged.value(stat, PKB.measureConcept)
    assert (measure, RDF.type, SKOS.Concept) in merged
    # suppressed: no value, but a status
    s2 = ID["statistic/s2"]
    assert merged.value(s2, PKB.value) is None
    assert merged.value(s2, PKB.status) == Literal("suppressed")


def test_categories_are_skos_concepts_with_definitions(merged: Graph) -> None:
    cat = merged.value(ID["allegation/excessive-force-testbury"], PKB.category)
    assert cat == URIRef(f"{BASE}/id/concept/allegation-category/excessive-force")
    assert (cat, RDF.type, SKOS.Concept) in merged
    assert merged.value(cat, SKOS.definition) is not None
    scheme = merged.value(cat, SKOS.inScheme)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in merged
    out = merged.value(ID["outcome/alex-example-dismissed"], PKB.category)
    assert str(out).endswith("/outcome-category/dismissal")


def test_relations_carry_reified_evidence(merged: Graph) -> None:
    officer = ID["person/alex-example"]
    tvp = ID["force/thames-valley"]
    assert (officer, PKB.servesIn, tvp) in merged
    stmts = [s for s in merged.subjects(RDF.subject, officer) if merged.value(s, RDF.predicate) == PKB.servesIn]
    assert len(stmts) == 1
    st_ = stmts[0]
    assert (st_, RDF.type, PKB.Assertion) in merged and (st_, RDF.object, tvp) in merged
    evs = list(merged.objects(st_, PKB.evidence))
    sources = {merged.value(e, PROV.wasDerivedFrom) for e in evs}
    assert sources == {ID[A], ID[B]}
    quotes = {str(merged.value(e, PKB.quote)) for e in evs if merged.value(e, PKB.quote) is not None}
    assert quotes == {"PC Alex Example of Thames Valley Police"}
    locators = {str(merged.value(e, PKB.locator)) for e in evs if merged.value(e, PKB.locator) is not None}
    assert locators == {"Table 1!A3"}
    assert merged.value(st_, PKB.role) == Literal("response officer")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_hostile_literals_survive_every_format(rich_store: MemoryStore, fmt: str) -> None:
    data, _ = dump(rich_store, fmt)
    if fmt in ("trig", "nq"):
        g: Graph = Graph()
        for s, p, o, _g in parse_dataset(data, fmt).quads():
            g.add((s, p, o))
    else:
        g = parse_graph(data, fmt)
    assert (ID["person/officer-z"], SCHEMA.description, Literal(HOSTILE)) in g
    assert (ID["quote/q1"], SCHEMA.text, Literal(HOSTILE)) in g
    assert (
        ID["place/odd key é<>".replace(" ", "%20").replace("é", "%C3%A9").replace("<", "%3C").replace(">", "%3E")],
        SCHEMA.name,
        Literal('Odd <Place> "quoted"'),
    ) in g


def test_lone_surrogates_are_replaced_not_fatal(tmp_path) -> None:
    store = MemoryStore(None)
    src = Entity("source/s", "Source", "bad \ud800 text", props={"sha256": "c" * 64, "sourceKind": "article"})
    place = Entity("place/p", "Place", "P\udfff", evidence=[Evidence("source/s", quote="q\ud83d")])
    store.upsert(Facts(src, [place]))
    for fmt in FORMATS:
        data, _ = dump(store, fmt)
        assert "\ufffd".encode() in data


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_ntriples_escaping_matches_rdflib(text: str) -> None:
    line = f'<http://x/s> <http://x/p> "{escape(text)}" .\n'
    g = Graph().parse(data=line, format="nt")
    assert list(g.objects()) == [Literal(text)]


def test_jsonld_uses_the_published_context(rich_store: MemoryStore) -> None:
    doc = json.loads(dump(rich_store, "jsonld")[0])
    assert doc["@context"] == context_dict()["@context"]
    # an entity's own node object is the one with its type (relations add more objects for the id)
    nodes = {n["id"]: n for n in doc["@graph"] if "type" in n}
    tvp = nodes[f"{BASE}/id/force/thames-valley"]
    assert tvp["type"] == "PoliceForce"
    assert tvp["name"] == "Thames Valley Police"
    assert tvp["policeUkId"] == "thames-valley"
    stat = nodes[f"{BASE}/id/statistic/s1"]
    assert stat["value"] == "1234" and stat["type"] == ["Statistic", "qb:Observation"]
    officer = f"{BASE}/id/person/alex-example"
    assert any(n.get("servesIn") == f"{BASE}/id/force/thames-valley" for n in doc["@graph"] if n["id"] == officer)
    assert nodes[officer]["aliases"] == ["PC Example", "PC A. Example"]


def test_streaming_writers_never_build_an_rdflib_graph(rich_store: MemoryStore, monkeypatch) -> None:
    def forbidden(*_a, **_k):
        raise AssertionError("the exporter built an rdflib graph")

    monkeypatch.setattr(rdflib.Graph, "__init__", forbidden)
    monkeypatch.setattr(rdflib.Dataset, "__init__", forbidden)
    for fmt in FORMATS:
        assert dump(rich_store, fmt)[1] > 1000


def test_output_is_written_in_chunks(rich_store: MemoryStore) -> None:
    class Recorder(io.BytesIO):
        writes = 0

        def write(self, b) -> int:
            Recorder.writes += 1
            return super().write(b)

    big = MemoryStore(None)
    from kb.reference import reference_facts

    big.upsert(reference_facts())
    for i in range(3000):
        src = Entity(f"source/s{i}", "Source", f"s{i}", props={"sha256": "d" * 64, "sourceKind": "article"})
        big.upsert(Facts(src, [Entity(f"place/p{i}", "Place", f"P{i}", evidence=[Evidence(src.id, quote="x")])]))
    rec = Recorder()
    export(big, "nt", rec)
    assert Recorder.writes > 3


def test_unknown_format_is_refused(rich_store: MemoryStore) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export(rich_store, "rdfxml", io.BytesIO())
