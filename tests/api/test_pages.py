"""Entity IRIs dereference to HTML, Turtle or JSON-LD; /health answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import rdflib

from kb.accept import negotiate
from kb.api.app import create_app
from kb.api.pages import ACCEPT
from kb.api.playground import examples_dir, welcome_query
from kb.model import Entity, Evidence, Facts
from kb.paths import ontology_dir
from kb.store.memory import MemoryStore
from tests.api.conftest import TestClient
from tests.api.kbdata import load_test_kb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
BASE = "https://w3id.org/policing-kb"


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_root_redirects_to_the_playground(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/graphql"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("", "html"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "html"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("text/html;q=0.5, text/turtle", "ttl"),
        ("application/ld+json;q=0.9, text/turtle;q=0.4", "jsonld"),
        ("*/*", "html"),
        ("image/png", None),
    ],
)
def test_negotiation(accept: str, fmt: str | None) -> None:
    assert negotiate(accept, ACCEPT) == fmt


def test_html_page_shows_entity_relationships_and_sources(client: TestClient) -> None:
    r = client.get("/id/person/alex-example", headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "accept" in r.headers["vary"].lower()
    html = r.text
    assert "<h1>PC Alex Example</h1>" in html
    assert f"{BASE}/id/person/alex-example" in html
    assert "Police Constable" in html  # a property
    assert "href='/id/force/thames-valley'" in html and "Thames Valley Police" in html  # relationship link
    assert "href='/id/allegation/a1'" in html  # incoming relationship
    assert "PC Alex Example of Thames Valley Police" in html  # relationship evidence quote
    assert "Officer dismissed after inquiry (test article)" in html  # source title
    assert "Sheet2!A2" in html  # table locator


def test_html_escapes_what_the_sources_say() -> None:
    store = load_test_kb(MemoryStore(None))
    src = Entity("source/x", "Source", "x", props={"sha256": "3" * 64, "sourceKind": "article", "title": "<b>t</b>"})
    bad = Entity(
        "place/x", "Place", "<script>alert(1)</script>", evidence=[Evidence("source/x", quote="<img src=x onerror=1>")]
    )
    store.upsert(Facts(src, [bad]))
    with TestClient(create_app(store)) as c:
        html = c.get("/id/place/x").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "<b>t</b>" not in html


def test_turtle_by_accept_header(client: TestClient) -> None:
    r = client.get("/id/force/thames-valley", headers={"accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    me = rdflib.URIRef(f"{BASE}/id/force/thames-valley")
    assert (me, rdflib.URIRef("https://schema.org/name"), rdflib.Literal("Thames Valley Police")) in g
    assert (rdflib.URIRef(f"{BASE}/id/person/alex-example"), None, me) in g  # the officer serving in it


def test_json_ld_by_accept_header_and_format_parameter(client: TestClient) -> None:
    for r in (
        client.get("/id/force/kent", headers={"accept": "application/ld+json"}),
        client.get("/id/force/kent?format=jsonld", headers={"accept": "text/html"}),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
        doc = json.loads(r.text)
        g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
        assert (
            rdflib.URIRef(f"{BASE}/id/force/kent"),
            rdflib.URIRef("https://schema.org/name"),
            rdflib.Literal("Kent Police"),
        ) in g


def test_unknown_entity_and_unacceptable_type(client: TestClient) -> None:
    r = client.get("/id/force/atlantis")
    assert r.status_code == 404 and "force/atlantis" in r.text
    assert client.get("/id/force/atlantis", headers={"accept": "text/turtle"}).status_code == 404
    r = client.get("/id/force/kent", headers={"accept": "image/png"})
    assert r.status_code == 406


def _graph_data(html: str) -> Any:
    m = re.search(r"<script type=\"application/json\" id=\"graph-data\">(.*?)</script>", html, re.S)
    assert m, "the page embeds no graph data"
    return json.loads(m.group(1))


def _grass_colours() -> dict[str, str]:
    """Class colours as the Neo4j Browser style file on disk says."""
    text = (ontology_dir() / "neo4j-browser.grass").read_text()
    return dict(re.findall(r"node\.(\w+) \{[^}]*?color: (#[0-9a-f]{6});", text))


def test_html_page_embeds_its_neighbourhood_graph_in_the_neo4j_browser_colours(client: TestClient) -> None:
    html = client.get("/id/person/alex-example").text
    graph = _graph_data(html)
    assert graph["focus"] == "person/alex-example"
    ids = {n["id"] for n in graph["nodes"]}
    assert {"person/alex-example", "force/thames-valley", "allegation/a1"} <= ids
    serves = next(e for e in graph["edges"] if e["type"] == "SERVES_IN")
    assert (serves["source"], serves["target"]) == ("person/alex-example", "force/thames-valley")
    assert serves["evidence"][0]["quote"] == "PC Alex Example of Thames Valley Police"
    assert serves["evidence"][0]["title"] == "Officer dismissed after inquiry (test article)"
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
    colours = _grass_colours()
    assert {t: s["color"] for t, s in graph["style"]["types"].items()} == colours
    assert graph["classes"]["PoliceForce"] == "Police force"
    assert "/static/vendor/cytoscape/cytoscape.min.js" in html and "/static/entity-graph.js" in html


def test_html_pages_say_where_scripts_may_come_from(client: TestClient) -> None:
    for r in (client.get("/id/force/kent"), client.get("/id/force/atlantis"), client.get("/graphql", headers=HTML)):
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp


HTML = {"accept": "text/html"}


def test_the_playground_is_served_from_the_package(client: TestClient) -> None:
    r = client.get("/graphql", headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    scripts = re.findall(r"<(?:script|link)[^>]*(?:src|href)=\"([^\"]+)\"", r.text)
    assert "/static/vendor/graphiql/graphiql.min.js" in scripts and "/static/playground.js" in scripts
    assert all(s.startswith("/static/") for s in scripts), scripts
    for path in scripts:
        asset = client.get(path)
        assert asset.status_code == 200 and len(asset.content) > 100, path
    m = re.search(r"id=\"kb-playground\">(.*?)</script>", r.text, re.S)
    assert m
    config = json.loads(m.group(1))
    assert config["url"] == "/graphql" and config["welcome"] == welcome_query()
    assert [e["name"] for e in config["examples"]] == sorted(p.stem for p in examples_dir().glob("*.graphql"))


def test_the_welcome_query_answers_on_the_sample_kb(sample_store: MemoryStore) -> None:
    """The playground's first query shows a force, its officers, a case and its evidence."""
    with TestClient(create_app(sample_store)) as c:
        doc = c.post("/graphql", json={"query": welcome_query()}).json()
    assert "errors" not in doc
    officers = doc["data"]["force"]["officers"]
    assert len(officers) >= 3 and all(o["evidence"] for o in officers)
    allegations = [a for o in officers for a in o["node"].get("allegations", [])]
    assert allegations and all(a["evidence"][0]["quote"] for a in allegations)
    assert any(a["node"]["outcomes"] or a["node"]["concernedBy"] for a in allegations)


def test_the_playground_page_is_mounted_under_a_root_path(memory_kb: MemoryStore) -> None:
    with TestClient(create_app(memory_kb), root_path="/kb") as c:
        html = c.get("/kb/graphql", headers=HTML).text
        page = c.get("/kb/id/force/kent").text
    assert "/kb/static/vendor/graphiql/graphiql.min.js" in html and '"url": "/kb/graphql"' in html
    assert "href='/kb/graphql'" in page and 'href="/kb/static/kb.css"' in page
    assert "/kb/static/entity-graph.js" in page
