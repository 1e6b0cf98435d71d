"""What the HTML pages share: jinja2 templates, security headers, the graph style.

Templates (``kb/api/templates/``) and static files (``kb/api/static/``) are package data. Every
script and style comes from ``/static`` (libraries vendored from npm by ``static/vendor.mjs``), so
the pages work offline, and the Content-Security-Policy lets the browser load nothing else.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from kb.ontology import ontology
from kb.store.neo4j_style import render_grass

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


_RULE = re.compile(r"(node|relationship)(?:\.(\w+))?\s*\{([^}]*)\}")
_DECL = re.compile(r"([\w-]+)\s*:\s*([^;]+);")


@cache
def graph_style() -> dict[str, Any]:
    """Node and relationship styles for the entity graph, exactly as Neo4j Browser applies
    ``ontology/neo4j-browser.grass`` (itself derived from the registry): a node gets the rules
    of every label it carries (Entity and its class with the class's ancestors) merged in file
    order, after the default ``node`` rule."""
    rules = [(kind, label, dict(_DECL.findall(body))) for kind, label, body in _RULE.findall(render_grass())]
    onto = ontology()

    def merged(kind: str, labels: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, label, decls in rules:
            if k == kind and (not label or label in labels):
                out.update({name: value.strip().strip('"') for name, value in decls.items()})
        return out

    types = {
        name: _node_style(merged("node", {k for k in onto.classes if onto.is_a(name, k)})) for name in onto.classes
    }
    relations = {name: _edge_style(merged("relationship", {name})) for name in [*onto.relations, "MENTIONED_IN"]}
    return {"node": _node_style(merged("node", set())), "types": types, "relations": relations}


def _px(value: str, default: float) -> float:
    m = re.match(r"[\d.]+", value)
    return float(m.group()) if m else default


def _node_style(d: dict[str, str]) -> dict[str, Any]:
    return {
        "color": d.get("color", "#a5abb6"),
        "border": d.get("border-color", "#9aa1ac"),
        "text": d.get("text-color-internal", "#ffffff"),
        "diameter": _px(d.get("diameter", "50px"), 50),
    }


def _edge_style(d: dict[str, str]) -> dict[str, Any]:
    return {"color": d.get("color", "#a5abb6"), "width": _px(d.get("shaft-width", "1px"), 1)}
