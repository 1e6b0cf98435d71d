// The entity page's neighbourhood graph: cytoscape (vendored, no CDN) over the data the page
// embeds in #graph-data, drawn in the Neo4j Browser style derived from the ontology registry.
// Click a relationship for its evidence, an entity for its details; double-click an entity
// (or press "Show its neighbours") to add its own neighbourhood from the GraphQL API.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const box = document.getElementById("graph");
  const panel = document.getElementById("graph-panel");
  const legend = document.getElementById("graph-legend");
  const root = box.dataset.root || "";
  const style = data.style;
  const SELECTED = "#6ac6ff"; // Neo4j Browser's selection ring

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c); // text nodes: never parsed as HTML
    return e;
  }

  function caption(name) {
    return name.length > 28 ? name.slice(0, 26) + "…" : name;
  }

  function nodeElement(n, hop) {
    const s = style.types[n.type] || style.node;
    return {
      group: "nodes",
      data: {
        id: n.id, name: n.name, type: n.type, label: data.classes[n.type] || n.type, caption: caption(n.name),
        color: s.color, border: s.border, text: s.text, size: s.diameter, textWidth: s.diameter - 6, hop: hop,
      },
    };
  }

  function edgeElement(e) {
    const s = style.relations[e.type] || style.relations.default || { color: "#a5abb6", width: 1 };
    return {
      group: "edges",
      data: {
        id: "e:" + e.id, source: e.source, target: e.target, type: e.type,
        props: e.props, evidence: e.evidence, color: s.color, width: Math.max(1.5, s.width * 1.5),
      },
    };
  }

  const cy = cytoscape({
    container: box,
    elements: [
      ...data.nodes.map((n) => nodeElement(n, n.id === data.focus ? 0 : 1)),
      ...data.edges.map(edgeElement),
    ],
    minZoom: 0.1,
    maxZoom: 4,
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(color)", "border-color": "data(border)", "border-width": 2,
          width: "data(size)", height: "data(size)", label: "data(caption)", color: "data(text)",
          "font-size": 9, "font-family": "system-ui, sans-serif", "text-valign": "center", "text-halign": "center",
          "text-wrap": "wrap", "text-max-width": "data(textWidth)",
        },
      },
      { selector: "node[hop = 0]", style: { "border-width": 4 } },
      { selector: "node:selected", style: { "border-color": SELECTED, "border-width": 5 } },
      {
        selector: "edge",
        style: {
          "line-color": "data(color)", "target-arrow-color": "data(color)", "target-arrow-shape": "triangle",
          width: "data(width)", "curve-style": "bezier", label: "data(type)", "font-size": 7,
          "text-rotation": "autorotate", "text-background-color": "#fafafa", "text-background-opacity": 1,
          "text-background-padding": 1, color: "#333",
        },
      },
      { selector: "edge:selected", style: { "line-color": SELECTED, "target-arrow-color": SELECTED, width: 4 } },
      { selector: ".hidden", style: { display: "none" } },
    ],
  });

  // A force has dozens of published figures about it: on a busy graph they start hidden
  // (tick them in the legend), so that the people and cases stay readable.
  const hiddenTypes = new Set();
  const focusType = cy.getElementById(data.focus).data("type");
  if (cy.nodes().length > 40 && focusType !== "Statistic") hiddenTypes.add("Statistic");
  for (const t of hiddenTypes) cy.nodes(`[type = "${t}"][hop > 0]`).addClass("hidden");

  function layout() {
    const shown = cy.elements().not(".hidden");
    const maxHop = Math.max(...shown.nodes().map((n) => n.data("hop")));
    shown.layout({
      name: "concentric", concentric: (n) => maxHop - n.data("hop"), levelWidth: () => 1,
      minNodeSpacing: 12, spacingFactor: shown.nodes().length < 12 ? 2.2 : 1, animate: false, fit: true, padding: 30,
    }).run();
    // A small neighbourhood would be blown up to fill the box: keep it at its natural size.
    if (cy.zoom() > 1.3) {
      cy.zoom(1.3);
      cy.center(shown);
    }
  }
  layout();

  function nameOf(id) {
    const n = cy.getElementById(id);
    return n.nonempty() ? n.data("name") : id;
  }

  function showEdge(edge) {
    const d = edge.data();
    panel.replaceChildren(
      el("h3", {}, nameOf(d.source), " ", el("span", { class: "rel" }, "—" + d.type + "→"), " ", nameOf(d.target)),
      el("p", { class: "hint" }, data.relations[d.type] || ""),
    );
    const props = Object.entries(d.props || {});
    if (props.length) panel.append(el("p", {}, props.map(([k, v]) => k + ": " + v).join(", ")));
    panel.append(el("h3", {}, d.evidence.length ? "Evidence" : "No evidence recorded"));
    const list = el("ul", { class: "evidence" });
    for (const ev of d.evidence) {
      const li = el("li", { class: "ev" });
      if (ev.quote) li.append(el("blockquote", {}, ev.quote));
      li.append(el("a", { href: root + "/id/" + ev.source }, ev.title || ev.source));
      if (ev.locator) li.append(" (" + ev.locator + ")");
      const when = [ev.publisher, ev.published].filter(Boolean).join(", ");
      li.append(el("br"), (when ? when + " · " : "") + ev.method + ", confidence " + Number(ev.confidence).toFixed(2));
      if (ev.url) li.append(" · ", el("a", { href: ev.url, rel: "noopener noreferrer" }, "original"));
      list.append(li);
    }
    panel.append(list);
  }

  function showNode(node) {
    const d = node.data();
    const expand = el("button", { type: "button" }, "Show its neighbours");
    expand.addEventListener("click", () => grow(node));
    panel.replaceChildren(
      el("h3", {}, d.name),
      el("p", { class: "hint" }, d.label + " · " + d.id),
      el("p", {}, el("a", { href: root + "/id/" + d.id }, "Open its page"), " ", expand),
    );
  }

  const QUERY = `query EntityPageNeighbours($id: ID!) {
    neighbourhood(id: $id, depth: 1, limit: 60) {
      truncated
      nodes { id type name }
      edges { id type source target title role from to date
        evidence { sourceId quote locator method confidence source { title url publisher published } } }
    }
  }`;

  async function grow(node) {
    const id = node.id();
    panel.replaceChildren(el("p", { class: "hint" }, "Loading the neighbours of " + node.data("name") + "…"));
    let body;
    try {
      const r = await fetch(box.dataset.graphql, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query: QUERY, variables: { id: id } }),
      });
      body = await r.json();
    } catch (err) {
      panel.replaceChildren(el("p", {}, "Could not load the neighbours: " + err));
      return;
    }
    const g = body.data && body.data.neighbourhood;
    if (!g) {
      panel.replaceChildren(el("p", {}, "Could not load the neighbours: " + JSON.stringify(body.errors || body)));
      return;
    }
    const hop = node.data("hop") + 1;
    const added = [];
    for (const n of g.nodes) if (cy.getElementById(n.id).empty()) added.push(nodeElement(n, hop));
    cy.add(added).filter((n) => hiddenTypes.has(n.data("type"))).addClass("hidden");
    let edges = 0;
    for (const e of g.edges) {
      if (cy.getElementById("e:" + e.id).nonempty()) continue;
      const props = {};
      for (const k of ["title", "role", "from", "to", "date"]) if (e[k]) props[k] = e[k];
      const evidence = e.evidence.map((ev) => ({
        source: ev.sourceId, title: (ev.source && ev.source.title) || ev.sourceId, url: (ev.source && ev.source.url) || "",
        publisher: (ev.source && ev.source.publisher) || "", published: (ev.source && ev.source.published) || "",
        locator: ev.locator || "", quote: ev.quote || "", method: ev.method, confidence: ev.confidence,
      }));
      cy.add(edgeElement({ id: e.id, type: e.type, source: e.source, target: e.target, props: props,
        evidence: evidence }));
      edges++;
    }
    layout();
    buildLegend();
    showNode(node);
    panel.append(el("p", { class: "hint" }, `Added ${added.length} entities and ${edges} relationships` +
      (g.truncated ? " (the first 60 neighbours)." : ".")));
  }

  cy.on("tap", "edge", (e) => showEdge(e.target));
  cy.on("tap", "node", (e) => showNode(e.target));
  cy.on("dbltap", "node", (e) => grow(e.target));
  cy.on("tap", (e) => {
    if (e.target === cy) panel.replaceChildren(el("p", { class: "hint" }, "Nothing selected."));
  });

  function buildLegend() {
    const types = [...new Set(cy.nodes().map((n) => n.data("type")))].sort();
    legend.replaceChildren(...types.map((t) => {
      const s = style.types[t] || style.node;
      const box = el("input", { type: "checkbox" });
      box.checked = !hiddenTypes.has(t);
      box.addEventListener("change", () => {
        if (box.checked) hiddenTypes.delete(t);
        else hiddenTypes.add(t);
        cy.nodes(`[type = "${t}"][hop > 0]`).toggleClass("hidden", !box.checked);
        layout();
      });
      const count = cy.nodes(`[type = "${t}"]`).length;
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = s.color;
      return el("li", {}, el("label", {}, box, " ", swatch, `${data.classes[t] || t} (${count})`));
    }));
  }
  buildLegend();
  window.kbGraph = cy; // for the browser tests and for the curious in the console
})();
