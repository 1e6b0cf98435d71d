"""GraphQL answers on the test KB, through HTTP, on every store kind."""

from __future__ import annotations

import pytest

from kb.api.app import create_app
from kb.model import Entity, Evidence, Facts, PropValue, Relation
from kb.store.memory import MemoryStore
from tests.api.conftest import GQL, TestClient
from tests.api.kbdata import ALEX, ARTICLE, FOI, JAMIE, KENT, TVP, load_test_kb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_force_by_short_id_full_id_and_iri(gql: GQL) -> None:
    for ident in ("thames-valley", TVP, f"https://w3id.org/policing-kb/id/{TVP}"):
        d = gql("query($id: ID!) { force(id: $id) { id name aliases iri } }", {"id": ident})
        assert d["force"]["id"] == TVP
        assert d["force"]["name"] == "Thames Valley Police"
        assert "TVP" in d["force"]["aliases"]
        assert d["force"]["iri"] == f"https://w3id.org/policing-kb/id/{TVP}"


def test_typed_lookup_returns_null_for_other_types(gql: GQL) -> None:
    d = gql(
        '{ force(id: "person/alex-example") { id } officer(id: "person/alex-example") { name rank } '
        'entity(id: "nope/x") { id } }'
    )
    assert d["force"] is None
    assert d["officer"] == {"name": "PC Alex Example", "rank": "PC"}
    assert d["entity"] is None


def test_entity_interface_and_class_fields(gql: GQL) -> None:
    d = gql('{ entity(id: "outcome/o1") { __typename id type name ... on Outcome { category categoryLabel date } } }')
    e = d["entity"]
    assert e["__typename"] == "Outcome" and e["type"] == "Outcome"
    assert e["category"] == "dismissed-without-notice"
    assert e["date"] == "2021-04-10"


def test_relationships_both_directions_with_props_and_evidence(gql: GQL) -> None:
    d = gql(
        """{
          force(id: "thames-valley") {
            officers {
              role from source target node { id name rank }
              evidence { quote method confidence source { title url publisher published } }
            }
          }
          officer(id: "person/alex-example") { forces { node { id name } } allegations { node { category } } }
        }"""
    )
    officers = d["force"]["officers"]
    assert [o["node"]["id"] for o in officers] == [ALEX]
    rel = officers[0]
    assert rel["role"] == "response officer" and rel["from"] == "2018"
    assert rel["source"] == ALEX and rel["target"] == TVP
    # one relationship, stated by two sources: the article (with its quote) and the FOI table
    methods = sorted(e["method"] for e in rel["evidence"])
    assert methods == ["rule", "table"]
    art = next(e for e in rel["evidence"] if e["method"] == "rule")
    assert art["quote"] == "PC Alex Example of Thames Valley Police"
    assert art["source"] == {
        "title": "Officer dismissed after inquiry (test article)",
        "url": "https://example.org/news/test-article",
        "publisher": "Example News",
        "published": "2021-06-01",
    }
    assert d["officer"]["forces"][0]["node"] == {"id": TVP, "name": "Thames Valley Police"}
    assert d["officer"]["allegations"][0]["node"]["category"] == "excessive-force"


def test_case_chain_allegation_investigation_outcome(gql: GQL) -> None:
    d = gql(
        """{ allegation(id: "allegation/a1") {
              against { node { id } }
              concernedBy { node { ... on Investigation {
                name investigatedBy { node { id name } } outcomes { date node { category } } } } }
        } }"""
    )
    a = d["allegation"]
    assert a["against"][0]["node"]["id"] == ALEX
    inv = a["concernedBy"][0]["node"]
    assert inv["investigatedBy"][0]["node"]["id"] == "body/iopc"
    assert inv["outcomes"][0] == {"date": "2021-04-10", "node": {"category": "dismissed-without-notice"}}


def test_node_sources_and_source_mentions(gql: GQL) -> None:
    d = gql(
        f"""{{ officer(id: "{ALEX}") {{ sources {{ id title }} evidence {{ sourceId locator quote }} }}
             source(id: "{FOI}") {{ title mentions {{ node {{ id }} evidence {{ locator method }} }} }} }}"""
    )
    assert [s["id"] for s in d["officer"]["sources"]] == [ARTICLE, FOI]
    assert {"sourceId": FOI, "locator": "Sheet2!A2", "quote": None} in d["officer"]["evidence"]
    mentions = {m["node"]["id"]: m["evidence"] for m in d["source"]["mentions"]}
    assert mentions[ALEX] == [{"locator": "Sheet2!A2", "method": "table"}]
    assert "statistic/tvp-dismissals-2021" in mentions


def test_search_is_tolerant_and_ranked(gql: GQL) -> None:
    d = gql(
        '{ a: search(text: "devon & cornwall") { node { id } } b: search(text: "THAMES valley!") { score node { id } } '
        'c: search(text: "tvp", types: [PoliceForce]) { node { id } } '
        'd: search(text: "alex", types: [Officer]) { node { id } } }'
    )
    assert d["a"][0]["node"]["id"] == "force/devon-and-cornwall"
    assert d["b"][0]["node"]["id"] == TVP
    assert d["c"][0]["node"]["id"] == TVP
    assert [h["node"]["id"] for h in d["d"]] == [ALEX]


def test_filters_and_or_not_on_names_and_aliases(gql: GQL) -> None:
    q = "query($w: PoliceForceWhere) { forces(where: $w, first: 100) { totalCount nodes { id } } }"

    def ids(w: dict[str, object]) -> list[str]:
        return [n["id"] for n in gql(q, {"w": w})["forces"]["nodes"]]

    assert ids({"name": {"eq": "tvp"}}) == [TVP]  # aliases match on name
    assert ids({"aliases": {"eq": "TVP"}}) == [TVP]
    assert ids({"name": {"startsWith": "kent"}}) == [KENT]
    assert ids({"name": {"in": ["Kent Police", "Thames Valley Police"]}}) == [KENT, TVP]
    assert ids({"AND": [{"name": {"contains": "valley"}}, {"country": {"eq": "England"}}]}) == [TVP]
    assert ids({"OR": [{"id": {"eq": KENT}}, {"id": {"eq": TVP}}]}) == [KENT, TVP]
    everything = gql(q, {"w": None})["forces"]["totalCount"]
    assert gql(q, {"w": {"NOT": {"id": {"eq": KENT}}}})["forces"]["totalCount"] == everything - 1


def test_range_filters_on_dates_and_numbers(gql: GQL) -> None:
    d = gql(
        """{ a: allegations(where: {date: {gte: "2021-01-01", lte: "2021-12-31"}}) { nodes { id } }
             s: statistics(where: {value: {gt: 10}}) { nodes { id } }
             n: statistics(where: {value: {exists: false}}) { nodes { id } } }"""
    )
    assert [n["id"] for n in d["a"]["nodes"]] == ["allegation/a2"]
    assert [n["id"] for n in d["s"]["nodes"]] == ["statistic/tvp-dismissals-2021"]
    assert [n["id"] for n in d["n"]["nodes"]] == ["statistic/tvp-complaints-2021"]


def test_relationship_filter_forces_with_a_dismissal_in_2021(gql: GQL) -> None:
    # "dismissal" includes its narrower concept "dismissed-without-notice"
    # (along the case chain: officer <- allegation <- investigation -> outcome)
    d = gql(
        """{ forces(where: {officers: {some: {allegations: {some: {concernedBy: {some: {outcomes: {some: {
               category: {eq: "dismissal"}, date: {startsWith: "2021"}}}}}}}}}}) { totalCount nodes { id } }
             none: forces(where: {officers: {some: {allegations: {some: {concernedBy: {some: {outcomes: {some: {
               category: {eq: "dismissal"}, date: {startsWith: "2019"}}}}}}}}}}) { totalCount } }"""
    )
    assert d["forces"]["totalCount"] == 1
    assert d["forces"]["nodes"] == [{"id": TVP}]
    assert d["none"]["totalCount"] == 0


def test_generic_related_filter(gql: GQL) -> None:
    d = gql(
        """{ officers(where: {related: [{relationType: RECRUITED_VIA, direction: OUT,
              where: {name: {contains: "graduate"}}}]}) { nodes { id } } }"""
    )
    assert d["officers"]["nodes"] == [{"id": ALEX}]


def test_sorting_by_allow_listed_keys(gql: GQL) -> None:
    d = gql(
        """{ asc: statistics(orderBy: {field: VALUE}) { nodes { id } }
             desc: statistics(orderBy: {field: VALUE, direction: DESC}) { nodes { id } } }"""
    )
    asc = [n["id"] for n in d["asc"]["nodes"]]
    assert asc[:2] == ["statistic/kent-dismissals-2020", "statistic/tvp-dismissals-2021"]
    assert asc[-1] == "statistic/tvp-complaints-2021"  # missing values sort last
    desc = [n["id"] for n in d["desc"]["nodes"] if n["id"] != "statistic/tvp-complaints-2021"]
    assert desc == ["statistic/tvp-dismissals-2021", "statistic/kent-dismissals-2020"]
    errs = gql.errors("{ forces(orderBy: {field: RANK}) { totalCount } }")
    assert "RANK" in errs[0]


def test_pagination_walks_every_force_once(gql: GQL) -> None:
    q = (
        "query($after: String) { forces(first: 7, after: $after, orderBy: {field: NAME}) { totalCount "
        "edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"
    )
    seen: list[str] = []
    names: list[str] = []
    after = None
    pages = 0
    while True:
        c = gql(q, {"after": after})["forces"]
        pages += 1
        seen += [e["node"]["id"] for e in c["edges"]]
        names += [e["node"]["name"] for e in c["edges"]]
        assert c["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not c["pageInfo"]["hasNextPage"]:
            break
        after = c["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == c["totalCount"] >= 48
    assert names == sorted(names, key=str.casefold)
    assert pages == -(-len(seen) // 7)


def test_every_edge_cursor_resumes_right_after_its_node(gql: GQL) -> None:
    q = "query($after: String) { forces(first: 5, after: $after) { edges { cursor node { id } } } }"
    first = gql(q, {"after": None})["forces"]["edges"]
    for i, e in enumerate(first[:-1]):
        nxt = gql(q, {"after": e["cursor"]})["forces"]["edges"]
        assert nxt[0]["node"]["id"] == first[i + 1]["node"]["id"]


def test_bad_cursor_and_page_caps(gql: GQL) -> None:
    assert "invalid cursor" in gql.errors('{ forces(after: "garbage!") { totalCount } }')[0]
    assert "maximum page size is 100" in gql.errors("{ forces(first: 101) { totalCount } }")[0]
    assert "maximum page size is 100" in gql.errors('{ force(id: "kent") { officers(first: 500) { role } } }')[0]


def test_neighbourhood_nodes_and_edges(gql: GQL) -> None:
    d = gql(
        """{ n1: neighbourhood(id: "incident/x1") { truncated nodes { id } edges { type source target role } }
             n2: neighbourhood(id: "incident/x1", depth: 2, relationTypes: [INVOLVES, SERVES_IN]) {
               nodes { id } edges { type } }
             out: neighbourhood(id: "incident/x1", direction: IN) { nodes { id } } }"""
    )
    n1 = d["n1"]
    assert n1["nodes"][0]["id"] == "incident/x1"
    assert {n["id"] for n in n1["nodes"]} == {
        "incident/x1",
        "allegation/a1",
        TVP,
        ALEX,
        "person/chris-witness",
        "place/reading",
    }
    assert {"type": "INVOLVES", "source": "incident/x1", "target": ALEX, "role": "arresting officer"} in n1["edges"]
    assert {n["id"] for n in d["n2"]["nodes"]} == {"incident/x1", ALEX, "person/chris-witness", TVP}
    assert {e["type"] for e in d["n2"]["edges"]} == {"INVOLVES", "SERVES_IN"}
    assert {n["id"] for n in d["out"]["nodes"]} == {"incident/x1", "allegation/a1"}
    assert "between 1 and 3" in gql.errors('{ neighbourhood(id: "incident/x1", depth: 4) { truncated } }')[0]


def test_paths_with_every_hops_evidence(gql: GQL) -> None:
    d = gql(
        f"""{{ paths(from: "{JAMIE}", to: "{ALEX}", maxHops: 4) {{ length nodes {{ id }}
               edges {{ type source target evidence {{ quote source {{ title }} }} }} }} }}"""
    )
    assert d["paths"], "a path exists through the programme"
    p = d["paths"][0]
    assert p["length"] == 3
    assert p["nodes"][0]["id"] == JAMIE and p["nodes"][-1]["id"] == ALEX
    assert all(h["evidence"] and h["evidence"][0]["source"]["title"] for h in p["edges"])
    none = gql(f'{{ paths(from: "{JAMIE}", to: "{ALEX}", maxHops: 2) {{ length }} }}')
    assert none["paths"] == []
    assert "between 1 and 6" in gql.errors(f'{{ paths(from: "{JAMIE}", to: "{ALEX}", maxHops: 7) {{ length }} }}')[0]


def test_outcome_and_allegation_counts(gql: GQL) -> None:
    d = gql(
        """{ all: outcomeCounts { forceId year category categoryLabel count force { name } }
             tvp: outcomeCounts(force: "thames-valley", from: "2021-01-01", to: "2021-12-31") { forceId category count }
             early: outcomeCounts(to: "2020-12-31") { count }
             allegations: allegationCounts { forceId year category count } }"""
    )
    assert {
        "forceId": TVP,
        "year": 2021,
        "category": "dismissed-without-notice",
        "categoryLabel": "dismissed without notice",
        "count": 1,
        "force": {"name": "Thames Valley Police"},
    } in d["all"]
    assert {(r["forceId"], r["category"]) for r in d["all"]} == {
        (TVP, "dismissed-without-notice"),
        (KENT, "final-written-warning"),
    }
    assert d["tvp"] == [{"forceId": TVP, "category": "dismissed-without-notice", "count": 1}]
    assert d["early"] == []
    assert sorted((r["forceId"], r["year"], r["category"]) for r in d["allegations"]) == [
        (KENT, 2021, "dishonesty"),
        (TVP, 2020, "excessive-force"),
    ]


def test_statistics_root_and_force_field(gql: GQL) -> None:
    d = gql(
        """{ statistics(subject: "force/thames-valley", measure: "dismissals") {
               totalCount nodes { id value unit period } }
             byPeriod: statistics(measure: "dismissals", from: "2021-01-01", to: "2021-03-31") { nodes { id } }
             force(id: "kent") { statistics { node { value periodStart periodEnd status } } } }"""
    )
    assert d["statistics"]["totalCount"] == 1
    assert d["statistics"]["nodes"][0] == {
        "id": "statistic/tvp-dismissals-2021",
        "value": 12.0,
        "unit": "count",
        "period": "2021-22",
    }
    assert [n["id"] for n in d["byPeriod"]["nodes"]] == ["statistic/kent-dismissals-2020"]
    assert d["force"]["statistics"] == [
        {"node": {"value": 7.0, "periodStart": "2020-04-01", "periodEnd": "2021-03-31", "status": "reported"}}
    ]


def test_concepts(gql: GQL) -> None:
    d = gql('{ concepts(scheme: "outcome-category") { key label broader } }')
    keys = {c["key"]: c for c in d["concepts"]}
    assert keys["dismissed-without-notice"]["broader"] == "dismissal"


def test_relationship_lists_page_with_after(gql: GQL) -> None:
    d = gql('{ incident(id: "incident/x1") { people(first: 1) { id node { id } } } }')
    first = d["incident"]["people"]
    assert [p["node"]["id"] for p in first] == [ALEX]
    d2 = gql(
        'query($a: String) { incident(id: "incident/x1") { people(first: 1, after: $a) { node { id } } } }',
        {"a": first[0]["id"]},
    )
    assert [p["node"]["id"] for p in d2["incident"]["people"]] == ["person/chris-witness"]
    assert (
        "not the id of one of these" in gql.errors('{ incident(id: "incident/x1") { people(after: "x") { role } } }')[0]
    )


def test_a_cursor_only_resumes_its_own_listing(gql: GQL) -> None:
    c = gql("{ forces(first: 2, orderBy: {field: NAME}) { pageInfo { endCursor } } }")["forces"]["pageInfo"][
        "endCursor"
    ]
    errs = gql.errors("query($c: String) { forces(first: 2, after: $c) { totalCount } }", {"c": c})
    assert "different listing" in errs[0]
    errs = gql.errors(
        "query($c: String) { officers(first: 2, after: $c, orderBy: {field: NAME}) { totalCount } }", {"c": c}
    )
    assert "different listing" in errs[0]


def _kent_statistics() -> GQL:
    """The test KB with more statistics about Kent: a broader and a narrower measure concept, a
    measure without a concept, and a period known only by its start."""
    store = load_test_kb(MemoryStore(None))
    src = Entity(FOI + "-2", "Source", "More figures", props={"sha256": "4" * 64, "sourceKind": "foi-table"})
    cell = [Evidence(FOI + "-2", locator="Sheet1!A1", method="table", confidence=1.0)]

    def stat(key: str, measure: str, concept: str | None, start: str, end: str | None) -> Entity:
        props: dict[str, PropValue] = {"measure": measure, "periodStart": start}
        props |= ({"periodEnd": end} if end else {}) | ({"measureConcept": concept} if concept else {})
        return Entity(f"statistic/{key}", "Statistic", key, props=props, evidence=cell)

    stats = [
        stat("k-all", "allegations recorded", "allegations", "2019-04-01", "2020-03-31"),
        stat("k-misc", "conduct cases recorded", "misconduct-allegations", "2022-04-01", "2023-03-31"),
        stat("k-words", "officers on restricted duties", None, "2021-01-01", "2021-12-31"),
        stat("k-open", "allegations recorded", "allegations", "2023-06-01", None),
    ]
    store.upsert(Facts(src, stats, [Relation("ABOUT", s.id, KENT, {}, cell) for s in stats]))
    return GQL(TestClient(create_app(store)))


@pytest.mark.parametrize(
    ("args", "want"),
    [
        ('measure: "allegations"', {"k-all", "k-misc", "k-open"}),  # with the narrower concept
        ('measure: "misconduct-allegations"', {"k-misc"}),
        ('measure: "restricted"', {"k-words"}),  # words of the measure
        ('from: "2021-06-01"', {"k-misc", "k-words"}),  # k-open: no known end
        ('to: "2020-12-31"', {"k-all", "kent-dismissals-2020"}),
        ('measure: "allegations", from: "2020-01-01", to: "2022-12-31"', {"k-all", "k-misc"}),
    ],
)
def test_statistics_arguments_mean_the_same_on_the_root_list_and_a_force(args: str, want: set[str]) -> None:
    gql = _kent_statistics()
    d = gql(
        f'{{ statistics(subject: "force/kent", {args}) {{ nodes {{ id }} }} '
        f'force(id: "kent") {{ statistics({args}) {{ node {{ id }} }} }} }}'
    )
    root = {n["id"].removeprefix("statistic/") for n in d["statistics"]["nodes"]}
    field = {s["node"]["id"].removeprefix("statistic/") for s in d["force"]["statistics"]}
    assert root == field == want
