"""Entity IRIs dereference: GET /id/{slug}/{key} answers HTML, Turtle or JSON-LD (by Accept).

The HTML page (``templates/entity.html``) shows the entity, its properties, relationships with
their evidence and sources, and the same neighbourhood as a graph (``static/entity-graph.js``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from kb.accept import negotiate
from kb.api.context import other_end
from kb.api.objects import as_string, sorted_evidence
from kb.api.web import PAGE_HEADERS, graph_style, render
from kb.model import Evidence, Node
from kb.ontology import ontology
from kb.rdf.describe import DESCRIBE_FORMATS, describe
from kb.store.base import Store

ACCEPT = {  # media type -> format (no Accept header counts as */*: the page)
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/*": "html",
    "*/*": "html",
}
_FORMAT_PARAM = {"ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld", "html": "html"}
MAX_EDGES_SHOWN = 200


async def iri_endpoint(request: Request) -> Response:
    """GET /id/{slug}/{key} over the application's store (``request.app.state``)."""
    store, base = request.app.state.store, request.app.state.base
    entity_id = f"{request.path_params['slug']}/{request.path_params['key']}"
    param = request.query_params.get("format")
    fmt = _FORMAT_PARAM.get(param.lower()) if param else negotiate(request.headers.get("accept", ""), ACCEPT)
    if fmt is None:
        return PlainTextResponse(
            "Not acceptable: this resource is available as text/html, text/turtle and application/ld+json.\n",
            status_code=406,
            headers={"Vary": "Accept"},
        )
    root = request.scope.get("root_path", "")
    # Store reads may go over the network (Neo4j): off the event loop.
    node = await asyncio.to_thread(store.get, entity_id)
    if node is None:
        if fmt == "html":
            html = render("not_found.html", root=root, title="Not found", entity_id=entity_id)
            return HTMLResponse(html, 404, headers=PAGE_HEADERS)
        return PlainTextResponse(f"no entity with id {entity_id}\n", status_code=404)
    links = (f'</id/{entity_id}?format={f}>; rel="alternate"; type="{DESCRIBE_FORMATS[f]}"' for f in ("ttl", "jsonld"))
    headers = {"Vary": "Accept", "Link": ", ".join(links)}
    if fmt == "html":
        context = await asyncio.to_thread(entity_context, store, node, base)
        html = render("entity.html", root=root, title=node.name, **context)
        return HTMLResponse(html, headers=headers | PAGE_HEADERS)
    body = await asyncio.to_thread(describe, store, entity_id, fmt, base)
    return Response(body, media_type=DESCRIBE_FORMATS[fmt], headers=headers)


# ---- the page's data -------------------------------------------------------------------------
def _evidence(evs: Sequence[Evidence], sources: dict[str, Node]) -> list[dict[str, Any]]:
    out = []
    for e in sorted_evidence(evs):
        src = sources.get(e.source_id)
        props = src.props if src else {}
        url = as_string(props.get("url")) or ""
        out.append(
            {
                "source": e.source_id,
                "title": as_string(props.get("title")) or (src.name if src else e.source_id),
                "url": url if url.startswith(("http://", "https://")) else "",
                "publisher": as_string(props.get("publisher")) or "",
                "published": as_string(props.get("published")) or "",
                "locator": e.locator or "",
                "quote": e.quote or "",
                "method": e.method,
                "confidence": round(e.confidence, 2),
            }
        )
    return out


def entity_context(store: Store, node: Node, base: str) -> dict[str, Any]:
    """What entity.html shows: the entity, its properties, relationships, sources and graph."""
    onto = ontology()
    cls = onto.classes.get(node.type)
    # The first relations of each type, not a hub's every one (a force has thousands).
    edges = sorted(store.first_edges([node.id], None, "both", MAX_EDGES_SHOWN), key=lambda e: (e.type, e.id))
    edges = edges[:MAX_EDGES_SHOWN]
    others = store.get_many(sorted({other_end(e, node.id, "both") for e in edges}))
    src_ids = {e.source_id for e in node.evidence} | {ev.source_id for e in edges for ev in e.evidence}
    sources = store.get_many(sorted(src_ids))

    properties = []
    for k, v in sorted(node.props.items()):
        pdef = onto.properties.get(k)
        text = as_string(v) or ""
        link = text if k == "url" and text.startswith(("http://", "https://")) else ""
        properties.append({"key": k, "help": pdef.description if pdef else k, "value": text, "link": link})

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    graph_edges = []
    for e in edges:
        rel = onto.relations.get(e.type)
        label = (rel.forward if e.source == node.id else rel.inverse) if rel else e.type
        other_id = other_end(e, node.id, "both")
        other = others.get(other_id)
        props = {k: as_string(v) or "" for k, v in sorted(e.props.items())}
        evidence = _evidence(e.evidence, sources)
        groups[(label, e.type)].append(
            {"id": other_id, "name": other.name if other else other_id, "props": props, "evidence": evidence}
        )
        if other is None:
            continue  # a relation to an entity the store no longer holds: listed, not drawn
        graph_edges.append(
            {"id": e.id, "type": e.type, "source": e.source, "target": e.target, "props": props, "evidence": evidence}
        )
    shown = {node.id: node, **others}
    graph = {
        "focus": node.id,
        "nodes": [{"id": n.id, "name": n.name, "type": n.type} for n in shown.values()],
        "edges": graph_edges,
        "style": graph_style(),
        "classes": {c.name: c.label for c in onto.classes.values()},
        "relations": {r.name: r.description for r in onto.relations.values()},
    }
    return {
        "node": node,
        "class_label": cls.label if cls else node.type,
        "description": cls.description if cls else "",
        "iri": f"{base}/id/{node.id}",
        "aliases": ", ".join(node.aliases),
        "properties": properties,
        "relationships": [{"label": k[0], "type": k[1], "entries": v} for k, v in groups.items()],
        "truncated": len(edges) >= MAX_EDGES_SHOWN,
        "sources": _evidence(node.evidence, sources),
        "graph": graph,
    }
