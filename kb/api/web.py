"""What the HTML pages share: jinja2 templates, security headers, the graph style.

Templates (``kb/api/templates/``) and static files (``kb/api/static/``) are package data. Every
script and style comes from ``/static`` (libraries vendored from npm by ``static/vendor.mjs``), so
the pages work offline, and the Content-Security-Policy lets the browser load nothing else.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from kb.ontology import ontology
from kb.store.neo4j_style import EDGE_STYLE, MENTION_STYLE, NODE_STYLE, class_styles

# Inline style attributes are what React and cytoscape write; no inline or foreign scripts.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
_ENV = Environment(
    loader=PackageLoader("kb.api", "templates"),
    autoescape=True,  # every value is HTML-escaped unless a template says otherwise
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    """A template of kb/api/templates rendered with ``context``."""
    return _ENV.get_template(template).render(**context)


@cache
def graph_style() -> dict[str, Any]:
    """Node and relationship styles for the entity graph, as Neo4j Browser draws them with
    ``ontology/neo4j-browser.grass`` (both from kb.store.neo4j_style)."""
    relations = {name: EDGE_STYLE for name in ontology().relations} | {"MENTIONED_IN": MENTION_STYLE}
    return {"node": NODE_STYLE, "types": class_styles(), "relations": relations}
