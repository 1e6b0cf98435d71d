"""Neo4j Browser, for real: served by the throw-away Neo4j 5 server's HTTP connector, opened in
headless Chromium, connected over Bolt to the sample KB, styled with the ontology's .grass, and
running the ready queries of ontology/browser-queries.cypher.

Neo4j Browser itself asks public hosts for web fonts, a usage-analytics script, a feedback widget
and error reporting; here every request off loopback is refused, and the Browser works without
them (the test checks that nothing else was asked for)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from kb.paths import ontology_dir, sample_dir
from kb.store.memory import MemoryStore
from kb.store.neo4j import Neo4jStore
from tests.browser.conftest import Network, screenshot, wait_until
from tests.fixtures.bolt import BoltServer
from tests.test_neo4j_sample import _params_from_sample, _run, browser_queries

pytestmark = pytest.mark.neo4j

# What Neo4j Browser 5 fetches from outside by itself (fonts, Segment analytics, Canny feedback).
# Sentry (its error reports) too, under a per-project host name.
BROWSER_OWN_HOSTS = (
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "cdn.segment.com",
    "api.segment.io",
    "canny.io",
    ".sentry.io",
)
GRASS = ontology_dir() / "neo4j-browser.grass"
# The picture for the README: a force, its officers and the allegations against them.
PICTURE = """MATCH p = (f:PoliceForce {id: $force})<-[:SERVES_IN]-(o:Officer)
OPTIONAL MATCH q = (o)<-[:AGAINST]-(a:Allegation)
RETURN p, q"""


@pytest.fixture(scope="module")
def sample_neo4j(_shared_neo4j_store: Neo4jStore) -> Iterator[Neo4jStore]:
    from kb.app.pipeline import load_paths

    store = _shared_neo4j_store
    store.clear()
    load_paths(store, [sample_dir()])
    yield store
    store.clear()


@pytest.fixture()
def neo4j_page(context: BrowserContext, network: Network, bolt_server: BoltServer) -> Iterator[Page]:
    if bolt_server.browser_url is None:
        if bolt_server.kind == "external":
            pytest.skip("NEO4J_URI names a server whose Neo4j Browser address is not known here")
        pytest.fail("the throw-away Neo4j server does not serve Neo4j Browser")
    page = context.new_page()
    before = len(network.refused)
    yield page
    page.close()
    hosts = {urlsplit(u).hostname or u for u in network.refused[before:]}
    unexpected = {
        h for h in hosts if not any(h == k or (k.startswith(".") and h.endswith(k)) for k in BROWSER_OWN_HOSTS)
    }
    assert not unexpected, f"Neo4j Browser asked for unexpected hosts: {unexpected}"


def _type_and_run(page: Page, command: str) -> None:
    page.click("#monaco-main-editor")
    page.keyboard.insert_text(command)  # as pasted: Monaco adds no closing brackets or indent
    page.click('[data-testid="editor-Run"]')


def _run_command(page: Page, command: str) -> Locator:
    """Type a command into the Browser's editor, run it, and return its (newest) result frame."""
    frames = page.locator('[data-testid="frame"]')
    before = frames.count()
    _type_and_run(page, command)
    expect(frames).to_have_count(before + 1, timeout=30_000)
    frame = frames.first
    expect(frame.locator('[data-testid="frameCommand"]')).to_contain_text(command.split("\n")[0][:30])
    return frame


def _connect(page: Page, bolt: BoltServer) -> None:
    assert bolt.browser_url is not None
    page.goto(bolt.browser_url)
    page.select_option('[data-testid="bolt-scheme-select"]', "bolt://")
    page.fill('[data-testid="boltaddress"]', bolt.uri.split("://", 1)[1])
    page.fill('[data-testid="username"]', bolt.user)
    page.fill('[data-testid="password"]', bolt.password)
    page.click('[data-testid="connect"]')
    expect(page.get_by_text("You are connected as user")).to_be_visible(timeout=30_000)


def _sample_params(sample_store: MemoryStore) -> dict[str, dict[str, str]]:
    params = _params_from_sample(sample_store)
    # The body most often named as investigator or referral target (an OversightBody node).
    bodies = [
        e.target
        for e in sample_store.iter_edges()
        if e.type in ("INVESTIGATED_BY", "REFERRED_TO") and e.target.startswith("body/")
    ]
    params["Everything an oversight body investigated"] = {"body": max(set(bodies), key=lambda b: (bodies.count(b), b))}
    return params


def _records(status: str) -> int | None:
    m = re.search(r"streaming (\d+) records?", status)
    return int(m.group(1)) if m else None


def test_neo4j_browser_runs_the_ready_queries_in_the_ontology_style(
    neo4j_page: Page,
    bolt_server: BoltServer,
    sample_neo4j: Neo4jStore,
    sample_store: MemoryStore,
    shots: Path,
) -> None:
    page = neo4j_page
    _connect(page, bolt_server)

    # The ontology's style, as a user applies it: `:style` followed by the file's contents.
    grass = GRASS.read_text(encoding="utf-8")
    style_frame = _run_command(page, ":style " + grass)
    expect(style_frame.locator('[data-testid="frameContents"]')).to_contain_text("PoliceForce")
    colours = dict(re.findall(r"node\.(\w+) \{[^}]*?color: (#[0-9a-f]{6});", grass))
    # The Browser saves its state to localStorage debounced (500 ms, at most 1 s after the last
    # action), so right after the frame appears 'neo4j.grass' may still hold the state before
    # :style ("null"): wait for the saved style to carry the ontology's colours.
    wanted = (colours["PoliceForce"].lower(), colours["Officer"].lower())
    stored = wait_until(
        page,
        "(() => { const g = (localStorage.getItem('neo4j.grass') || '').toLowerCase();"
        f" return {list(wanted)!r}.every(c => g.includes(c)) ? g : null; }})()",
        timeout=30,
    )
    assert all(c in stored for c in wanted), stored

    params = _sample_params(sample_store)
    for q in browser_queries():
        p = {**q.params, **params.get(q.title, {})}
        for key, value in p.items():
            frame = _run_command(page, f":param {key} => '{value}'")
            expect(frame).to_contain_text("Successfully set your parameter")
        frame = _run_command(page, q.text)
        # A table's status bar counts the records; a graph's overview counts what it drew.
        expect(frame).to_contain_text(re.compile(r"streaming \d+ records?|Displaying \d+ nodes"), timeout=30_000)
        expect(frame).not_to_contain_text("Neo.ClientError")
        rows = _run(bolt_server, q.text, p)
        assert rows, f"{q.title!r} found nothing in the sample KB with {p}"
        shown = _records(frame.inner_text())
        if shown is not None:  # a table: the Browser streamed what the server answers
            assert shown == len(rows), q.title
        else:  # a graph (the path query): every node of the path drawn
            assert frame.locator("svg g.node").count() == len(rows[0]["via"]), q.title

    # The README's picture: a force's officers and the allegations against them, styled.
    _type_and_run(page, ":clear")
    expect(page.locator('[data-testid="frame"]')).to_have_count(0)
    force = params["A force's officers and their cases"]["force"]
    _run_command(page, f":param force => '{force}'")
    frame = _run_command(page, PICTURE)
    expect(frame).to_contain_text(re.compile(r"Displaying \d+ nodes"), timeout=30_000)
    circles = frame.locator("svg g.node circle.b-outline")
    expect(circles).not_to_have_count(0, timeout=30_000)
    # The canvas draws in steps (nodes first, then their style): wait until every label's colour
    # is drawn, then check that no circle kept another (default grey) fill.
    want = sorted({colours["PoliceForce"].lower(), colours["Officer"].lower(), colours["Allegation"].lower()})
    fills_js = (
        "[...document.querySelectorAll('[data-testid=\"frame\"]')][0]"
        "?.querySelectorAll('svg g.node circle.b-outline') ?? []"
    )
    drawn = wait_until(
        page,
        f"(() => {{ const fs = [...new Set([...{fills_js}].map(c => (c.getAttribute('fill') || '').toLowerCase()))];"
        f" return {want!r}.every(c => fs.includes(c)) ? fs : null; }})()",
        timeout=30,
    )
    assert sorted(drawn) == want, drawn  # no default grey left
    page.wait_for_timeout(1500)  # the force layout settles
    screenshot(page, shots / "screenshots" / "neo4j-browser.png")
