"""Entity pages in headless Chromium: the neighbourhood graph draws, its colours follow the
Neo4j Browser style, a click on a relationship shows its evidence, a double-click expands."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from kb.api.web import graph_style
from kb.ontology import ontology
from tests.browser.conftest import Server, screenshot, wait_until

FOCUS_WITH_CASES = """{ officers(where: { allegations: { some: {} } }, first: 50) { nodes { id name
  ... on Officer { forces { node { id name } evidence { quote source { title } } } } } } }"""


@pytest.fixture(scope="module")
def officer(server: Server) -> dict[str, Any]:
    """An officer of the sample KB facing an allegation, with the force they serve in."""
    nodes = server.graphql(FOCUS_WITH_CASES)["data"]["officers"]["nodes"]
    found: dict[str, Any] = next(o for o in nodes if o["forces"] and o["forces"][0]["evidence"])
    return found


def _open(page: Page, server: Server, entity_id: str) -> None:
    page.goto(f"{server.url}/id/{entity_id}")
    wait_until(page, "window.kbGraph && window.kbGraph.nodes().length > 0")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


# Reads back from the canvases what cytoscape painted at a point of the graph (in CSS pixels).
PIXEL = """([x, y]) => {
  for (const c of document.querySelectorAll('#graph canvas')) {
    const k = c.width / c.clientWidth;
    const d = c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data;
    if (d[3] > 0) return [d[0], d[1], d[2]];
  }
  return null;
}"""


def test_the_graph_draws_the_neighbourhood_in_the_registry_colours(page: Page, server: Server, officer: Any) -> None:
    _open(page, server, officer["id"])
    graph = page.evaluate(
        """() => ({nodes: kbGraph.nodes().map(n => ({id: n.id(), type: n.data('type'), visible: n.visible(),
                   pos: n.renderedPosition(), r: n.renderedWidth() / 2})),
                   edges: kbGraph.edges().length})"""
    )
    # The entity and every neighbour the page lists under Relationships, one node each.
    listed = set(page.eval_on_selector_all("main h3 + ul > li > a", "els => els.map(a => a.pathname.slice(4))"))
    assert {n["id"] for n in graph["nodes"]} == listed | {officer["id"]}
    assert graph["edges"] >= len(listed) >= 2
    style = graph_style()
    # What the canvas shows at each node's centre is its class's colour (captions hidden first:
    # white text over the fill would blend in).
    page.evaluate("kbGraph.style().selector('node').style('text-opacity', 0).update()")
    wait_until(page, "new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))")
    for n in graph["nodes"]:
        assert n["visible"]
        x, y = n["pos"]["x"], n["pos"]["y"]
        colour = page.evaluate(PIXEL, [x, y])
        want = _rgb(style["types"][n["type"]]["color"])
        assert colour is not None and max(abs(a - b) for a, b in zip(colour, want, strict=True)) <= 8, (n, colour)
    # The legend names each class shown, with its count.
    classes = ontology().classes
    counts = Counter(n["type"] for n in graph["nodes"])
    legend = page.locator("#graph-legend li").all_inner_texts()
    assert sorted(t.strip() for t in legend) == sorted(f"{classes[t].label} ({k})" for t, k in counts.items())


def test_clicking_a_relationship_shows_its_evidence(page: Page, server: Server, officer: Any, shots: Path) -> None:
    _open(page, server, officer["id"])
    force = officer["forces"][0]
    edge_id = page.evaluate(
        "([o, f]) => kbGraph.edges().filter(e => e.data('source') === o && e.data('target') === f"
        " && e.data('type') === 'SERVES_IN')[0].id()",
        [officer["id"], force["node"]["id"]],
    )
    mid = page.evaluate(f"kbGraph.getElementById({edge_id!r}).renderedMidpoint()")
    box = page.locator("#graph").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + mid["x"], box["y"] + mid["y"])
    panel = page.locator("#graph-panel")
    expect(panel.locator("h3").first).to_contain_text("SERVES_IN")
    expect(panel.locator("h3").first).to_contain_text(force["node"]["name"])
    # The quote and the source the API gives for the same relationship.
    evidence = force["evidence"][0]
    expect(panel.locator("blockquote").first).to_have_text(evidence["quote"])
    expect(panel).to_contain_text(evidence["source"]["title"])
    assert page.evaluate(f"kbGraph.getElementById({edge_id!r}).selected()")
    section = page.locator("section.graph").bounding_box()
    assert section is not None
    screenshot(page, shots / "screenshots" / "entity-graph.png", clip=section)


def test_double_clicking_an_entity_brings_in_its_neighbours(page: Page, server: Server, officer: Any) -> None:
    _open(page, server, officer["id"])
    force = officer["forces"][0]["node"]
    before = set(page.evaluate("kbGraph.nodes().map(n => n.id())"))
    pos = page.evaluate(f"kbGraph.getElementById({force['id']!r}).renderedPosition()")
    box = page.locator("#graph").bounding_box()
    assert box is not None
    with page.expect_response(lambda r: r.url.endswith("/graphql") and r.request.method == "POST"):
        page.mouse.dblclick(box["x"] + pos["x"], box["y"] + pos["y"])
    expect(page.locator("#graph-panel")).to_contain_text("Added")
    after = set(page.evaluate("kbGraph.nodes().map(n => n.id())"))
    around = server.graphql(
        "query($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 60) { nodes { id } } }", {"id": force["id"]}
    )["data"]["neighbourhood"]["nodes"]
    assert after - before and after - before <= {n["id"] for n in around}
    assert before <= after
    # Relationships already drawn are not drawn twice.
    ends = page.evaluate("kbGraph.edges().map(e => [e.data('source'), e.data('type'), e.data('target')].join(' '))")
    assert len(ends) == len(set(ends))


def test_a_busy_graph_starts_with_its_statistics_hidden(page: Page, server: Server, shots: Path) -> None:
    _open(page, server, "force/metropolitan")
    counts = page.evaluate(
        """() => ({all: kbGraph.nodes().length, stats: kbGraph.nodes('[type = "Statistic"]').length,
                   shown: kbGraph.nodes(':visible').length})"""
    )
    assert counts["stats"] > 0 and counts["shown"] == counts["all"] - counts["stats"]
    section = page.locator("section.graph").bounding_box()
    assert section is not None
    screenshot(page, shots / "screenshots" / "force-graph.png", clip=section)
    page.locator("#graph-legend label", has_text="Statistic").click()
    assert page.evaluate("kbGraph.nodes(':visible').length") == counts["all"]


def test_pages_forbid_loading_anything_from_elsewhere(context: BrowserContext, server: Server) -> None:
    page = context.new_page()  # not the `page` fixture: this page is meant to show a CSP error
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(f"{server.url}/id/force/metropolitan")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    # A script from elsewhere, were a page to ask for one, is refused by the browser itself.
    blocked = page.evaluate(
        """() => new Promise(ok => { const s = document.createElement('script');
             s.src = 'https://cdn.example.invalid/x.js'; s.onerror = () => ok(true); s.onload = () => ok(false);
             document.body.append(s); })"""
    )
    assert blocked is True
    assert any("cdn.example.invalid" in v for v in violations)
    page.close()
