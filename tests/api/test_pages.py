"""Entity IRIs dereference to HTML, Turtle or JSON-LD; /health answers."""

from __future__ import annotations

import json

import pytest
import rdflib

from kb.api.app import create_app
from kb.api.pages import negotiate
from kb.model import Entity, Evidence, Facts
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
    assert negotiate(accept) == fmt


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
