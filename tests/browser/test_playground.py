"""The GraphQL playground in headless Chromium, served by `policekb serve`, with no CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kb.api.playground import examples_dir, load_examples, welcome_query
from tests.browser.conftest import Network, Server, screenshot, wait_until

RUN = ".graphiql-execute-button"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"


def _operation(query: str) -> str:
    m = re.search(r"^(?:query|mutation)\s+(\w+)", query, re.M)
    assert m, query
    return m.group(1)


def _settled(page: Page, query: str) -> None:
    """Wait until GraphiQL has read the operation in the editor: it does so 100 ms after a
    change (debounced), and a run before then would send the previous tab's operation name."""
    want = json.dumps(_operation(query))
    wait_until(page, f"document.querySelector({json.dumps(QUERY_EDITOR)}).CodeMirror.operationName === {want}")


def _editor(page: Page, selector: str) -> str:
    """The text of a GraphiQL editor (CodeMirror 5 keeps its instance on its element)."""
    value: str = page.evaluate(f"document.querySelector({json.dumps(selector)}).CodeMirror.getValue()")
    return value


def _result(page: Page) -> dict[str, Any]:
    """The answer the page shows, once it has one."""
    wait_until(page, "document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().length > 0")
    answer: dict[str, Any] = json.loads(_editor(page, ".result-window .CodeMirror"))
    return answer


def test_the_welcome_query_shows_a_force_with_officers_cases_and_evidence(
    page: Page, server: Server, network: Network, shots: Path
) -> None:
    first_request = len(network.requests)
    page.goto(f"{server.url}/graphql")
    page.wait_for_selector(RUN)
    # The first screen: the welcome query in the first tab, the Docs pane open, a tab per example.
    assert _editor(page, QUERY_EDITOR) == welcome_query()
    expect(page.locator(".graphiql-doc-explorer-title")).to_have_text("Docs")
    tabs = page.locator(".graphiql-tab").all_inner_texts()
    assert tabs[0] == "ForceOfficersAndCases" and len(tabs) == 1 + len(load_examples(examples_dir()))
    _settled(page, welcome_query())
    page.click(RUN)
    shown = _result(page)
    # Exactly what the API answers to the same query ...
    assert shown == server.graphql(welcome_query())
    force = shown["data"]["force"]
    assert force["name"] == "Metropolitan Police Service"
    # ... and it shows off the KB: officers, the allegations against them, and the quotes.
    accused = [o for o in force["officers"] if o["node"].get("allegations")]
    assert accused, "no officer of the force has an allegation in the sample KB"
    assert all(a["evidence"] and a["evidence"][0]["quote"] for o in accused for a in o["node"]["allegations"])
    assert all(o["evidence"][0]["source"]["title"] for o in force["officers"])
    page.locator(".graphiql-tab").first.hover()  # keep the cursor off the editors
    screenshot(page, shots / "screenshots" / "playground.png")
    # Everything came from the server itself: its page, its static files, its answers.
    mine = network.requests[first_request:]
    assert mine and all(u.startswith(server.url) for u in mine)
    assert any(u.endswith("/static/vendor/graphiql/graphiql.min.js") for u in mine)


def test_every_example_opens_from_the_examples_pane_with_its_variables(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/graphql")
    page.wait_for_selector(RUN)
    page.click(".graphiql-sidebar button[aria-label='Show Examples']")
    examples = load_examples(examples_dir())
    buttons = page.locator(".kb-examples button[data-example]")
    assert buttons.count() == len(examples) >= 10
    for ex in examples:
        page.click(f".kb-examples button[data-example='{ex.name}']")
        assert _editor(page, QUERY_EDITOR) == ex.query
        variables = _editor(page, ".graphiql-editor-tool .CodeMirror")
        assert json.loads(variables or "{}") == json.loads(ex.variables or "{}")
    # One example run end to end: a nickname finds the force.
    nickname = next(ex for ex in examples if ex.name.startswith("02-"))
    page.click(f".kb-examples button[data-example='{nickname.name}']")
    _settled(page, nickname.query)
    page.click(RUN)
    shown = _result(page)
    assert shown == server.graphql(nickname.query, json.loads(nickname.variables))
    assert shown["data"]["search"][0]["node"]["id"] == "force/metropolitan"


def test_a_closed_example_tab_opens_again(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/graphql")
    page.wait_for_selector(RUN)
    before = page.locator(".graphiql-tab").count()
    page.locator(".graphiql-tab").nth(1).hover()
    page.locator(".graphiql-tab").nth(1).locator(".graphiql-tab-close").click()
    expect(page.locator(".graphiql-tab")).to_have_count(before - 1)
    page.click(".graphiql-sidebar button[aria-label='Show Examples']")
    first = load_examples(examples_dir())[0]
    page.click(f".kb-examples button[data-example='{first.name}']")
    expect(page.locator(".graphiql-tab")).to_have_count(before)
    editor = f"document.querySelector({json.dumps(QUERY_EDITOR)}).CodeMirror"
    wait_until(page, f"{editor}.getValue() === {json.dumps(first.query)}")
    variables = _editor(page, ".graphiql-editor-tool .CodeMirror")
    assert json.loads(variables) == json.loads(first.variables)


def test_the_docs_pane_explains_a_type_and_its_fields(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/graphql")
    page.wait_for_selector(RUN)
    page.locator(".graphiql-doc-explorer-content a", has_text="PoliceForce").first.click()
    docs = page.locator(".graphiql-doc-explorer")
    expect(docs.locator(".graphiql-doc-explorer-title")).to_have_text("PoliceForce")
    expect(docs).to_contain_text("A UK territorial or special police force.")
    expect(docs).to_contain_text("officers")


def test_every_type_field_and_argument_has_a_description(server: Server) -> None:
    """What the Docs pane shows: nothing in the schema is left unexplained (enum values aside)."""
    q = """{ __schema { types { name kind description
        fields { name description args { name description } } inputFields { name description } } } }"""
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    missing = []
    for t in server.graphql(q)["data"]["__schema"]["types"]:
        if t["name"].startswith("__") or t["name"] in builtin:
            continue
        if not t["description"]:
            missing.append(t["name"])
        for f in (t["fields"] or []) + (t["inputFields"] or []):
            if not f["description"]:
                missing.append(f"{t['name']}.{f['name']}")
            missing += [f"{t['name']}.{f['name']}({a['name']})" for a in f.get("args") or [] if not a["description"]]
    assert missing == []
