"""Entity IRIs dereference: GET /id/{slug}/{key} answers HTML, Turtle or JSON-LD (by Accept)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from kb.accept import preferences
from kb.api.objects import as_string, sorted_evidence
from kb.model import Edge, Evidence, Node
from kb.ontology import ontology
from kb.store.base import Store

MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "html": "text/html"}
_ACCEPT = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
_FORMAT_PARAM = {"ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld", "html": "html"}
MAX_EDGES_SHOWN = 200


def negotiate(accept: str) -> str | None:
    """The best of html / ttl / jsonld for an Accept header (html when it says nothing useful)."""
    if not accept.strip():
        return "html"
    for media in preferences(accept):
        fmt = _ACCEPT.get(media) or ("html" if media in ("*/*", "text/*") else None)
        if fmt is not None:
            return fmt
    return None


def _describe(store: Store, entity_id: str, fmt: str, base: str) -> bytes:
    from kb.rdf.describe import describe

    data: bytes = describe(store, entity_id, fmt, base)
    return data


async def iri_endpoint(request: Request, store: Store, base: str) -> Response:
    entity_id = f"{request.path_params['slug']}/{request.path_params['key']}"
    param = request.query_params.get("format")
    fmt = _FORMAT_PARAM.get(param.lower()) if param else negotiate(request.headers.get("accept", ""))
    if fmt is None:
        return PlainTextResponse(
            "Not acceptable: this resource is available as text/html, text/turtle and application/ld+json.\n",
            status_code=406,
            headers={"Vary": "Accept"},
        )
    node = store.get(entity_id)
    if node is None:
        if fmt == "html":
            return HTMLResponse(_page("Not found", f"<p>No entity with id <code>{escape(entity_id)}</code>.</p>"), 404)
        return PlainTextResponse(f"no entity with id {entity_id}\n", status_code=404)
    headers = {"Vary": "Accept", "Link": _alternates(entity_id)}
    if fmt == "html":
        return HTMLResponse(render_entity(store, node, base), headers=headers)
    body = await asyncio.to_thread(_describe, store, entity_id, fmt, base)
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def _alternates(entity_id: str) -> str:
    path = f"/id/{entity_id}"
    return ", ".join(f'<{path}?format={f}>; rel="alternate"; type="{MEDIA[f]}"' for f in ("ttl", "jsonld"))


# ---- HTML ----------------------------------------------------------------------------------
_CSS = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} .type{color:#666} table{border-collapse:collapse;margin:1rem 0}
td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
blockquote{margin:.2rem 0 .2rem 1rem;color:#444;font-style:italic} code{font-size:.9em}
.ev{font-size:.9em;color:#555} nav a{margin-right:1rem}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)} · policing-kb</title><style>{_CSS}</style></head><body>{body}"
        "<footer><p><a href='/graphql'>GraphQL playground</a></p></footer></body></html>"
    )


def _link(node_id: str, label: str | None = None) -> str:
    return f"<a href='/id/{escape(node_id, quote=True)}'>{escape(label or node_id)}</a>"


def _evidence_html(evs: list[Evidence], sources: dict[str, Node]) -> str:
    items = []
    for e in sorted_evidence(evs):
        src = sources.get(e.source_id)
        title = as_string(src.props.get("title")) if src else None
        where = f" ({escape(e.locator)})" if e.locator else ""
        quote = f"<blockquote>{escape(e.quote)}</blockquote>" if e.quote else ""
        items.append(
            f"<li class='ev'>{_link(e.source_id, title or (src.name if src else e.source_id))}{where}"
            f" — {escape(e.method)}, confidence {e.confidence:.2f}{quote}</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""


def render_entity(store: Store, node: Node, base: str) -> str:
    """A small readable page: the entity, its properties, relationships (linked) and sources."""
    onto = ontology()
    cls = onto.classes.get(node.type)
    # The first relations of each type, not a hub's every one (a force has thousands).
    edges = sorted(store.first_edges([node.id], None, "both", MAX_EDGES_SHOWN), key=lambda e: (e.type, e.id))
    edges = edges[:MAX_EDGES_SHOWN]
    others = store.get_many(sorted({e.target if e.source == node.id else e.source for e in edges}))
    src_ids = {e.source_id for e in node.evidence} | {ev.source_id for e in edges for ev in e.evidence}
    sources = store.get_many(sorted(src_ids))
    iri = f"{base}/id/{node.id}"
    parts = [
        f"<h1>{escape(node.name)}</h1>",
        f"<p class='type'>{escape(cls.label if cls else node.type)} · <code>{escape(iri)}</code></p>",
        "<nav><a href='?format=ttl'>Turtle</a><a href='?format=jsonld'>JSON-LD</a></nav>",
    ]
    if cls and cls.description:
        parts.append(f"<p>{escape(cls.description)}</p>")
    rows = []
    if node.aliases:
        rows.append(("Also known as", escape(", ".join(node.aliases))))
    for k, v in sorted(node.props.items()):
        pdef = onto.properties.get(k)
        text = as_string(v) or ""
        value = (
            f"<a href='{escape(text, quote=True)}'>{escape(text)}</a>"
            if k == "url" and text.startswith("http")
            else escape(text)
        )
        rows.append((f"<span title='{escape(pdef.description if pdef else k, quote=True)}'>{escape(k)}</span>", value))
    if rows:
        parts.append(
            "<h2>Properties</h2><table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
        )
    if edges:
        parts.append("<h2>Relationships</h2>")
        parts.append(_relationships_html(node, edges, others, sources))
    if node.evidence:
        parts.append("<h2>Sources</h2>")
        parts.append(_evidence_html(list(node.evidence), sources))
    return _page(node.name, "".join(parts))


def _relationships_html(node: Node, edges: list[Edge], others: dict[str, Node], sources: dict[str, Node]) -> str:
    onto = ontology()
    groups: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        rel = onto.relations.get(e.type)
        outgoing = e.source == node.id
        label = (rel.forward if outgoing else rel.inverse) if rel else e.type
        other_id = e.target if outgoing else e.source
        other = others.get(other_id)
        props = ", ".join(f"{escape(k)}: {escape(as_string(v) or '')}" for k, v in sorted(e.props.items()))
        extra = f" <span class='ev'>({props})</span>" if props else ""
        link = _link(other_id, other.name if other else other_id)
        groups[f"{label} <span class='type'>({escape(e.type)})</span>"].append(
            f"<li>{link}{extra}{_evidence_html(list(e.evidence), sources)}</li>"
        )
    return "".join(f"<h3>{k}</h3><ul>{''.join(v)}</ul>" for k, v in groups.items())


__all__: list[Any] = ["iri_endpoint", "negotiate", "render_entity"]
