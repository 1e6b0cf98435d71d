"""The GraphQL playground at GET /graphql: GraphiQL from the package's vendored files, no CDN.

``static/playground.js`` opens it on ``templates/welcome.graphql`` with the Docs pane, a tab for
every example of ``graphql/examples`` (with its variables) and an "Examples" pane of their questions.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

from kb.api.web import PAGE_HEADERS, render
from kb.paths import examples_dir as examples_dir  # graphql/examples, shipped as package data (see kb/paths.py)


@dataclass(frozen=True, slots=True)
class Example:
    """One operation of graphql/examples, as the playground lists it."""

    name: str  # the file name without .graphql, e.g. "01-force-profile"
    question: str  # the first sentence of its "# Question:" comment
    query: str
    variables: str  # pretty-printed JSON, "" when the example has no variables file


def welcome_query() -> str:
    return (files("kb.api") / "templates" / "welcome.graphql").read_text(encoding="utf-8")


_QUESTION = re.compile(r"#\s*Question:\s*(.*?)(?:\n#\s*\n|\n[^#])", re.S)


def _question(text: str, name: str) -> str:
    m = _QUESTION.search(text)
    if not m:
        return name
    words = " ".join(line.lstrip("#").strip() for line in m.group(1).splitlines())
    first = re.match(r".+?[?.](?=\s|$)", words)
    return first.group() if first else words


@cache
def load_examples(folder: Path) -> tuple[Example, ...]:
    """The examples in ``folder`` (none when it does not exist), in file-name order."""
    out = []
    for path in sorted(folder.glob("*.graphql")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        var_path = path.with_suffix(".json")
        variables = json.dumps(json.loads(var_path.read_text(encoding="utf-8")), indent=2) if var_path.exists() else ""
        out.append(Example(path.stem, _question(text, path.stem), text, variables))
    return tuple(out)


def playground_response(request: Request) -> HTMLResponse:
    """The page, with what playground.js needs: the endpoint, the first tab and the examples."""
    root = request.scope.get("root_path", "")
    examples = [asdict(e) for e in load_examples(examples_dir())]
    config = {"url": f"{root}/graphql", "welcome": welcome_query(), "examples": examples}
    html = render("playground.html", root=root, title="GraphQL playground", config=config)
    return HTMLResponse(html, headers=PAGE_HEADERS)
