"""The Neo4j Browser style (ontology/neo4j-browser.grass), derived from the ontology registry.

One rule per class label: the class colour from ``ontology/registry.toml``, a text colour
that stays readable on it, and the entity's name as caption. Neo4j Browser merges the
rules of every label a node carries in file order, so parents come before subclasses
(an ``:Entity:Person:Officer`` node is drawn as an Officer). Load it in Browser by
dragging the file onto the style panel or with ``:style`` (see docs/neo4j.md).
"""

from __future__ import annotations

from kb.ontology import ClassDef, ontology

# Bigger bubbles for the things people start from; sources and small facts are smaller.
_DIAMETER = {"PoliceForce": 70, "OversightBody": 60, "Programme": 60, "Source": 36, "Statistic": 40, "Quote": 36}


def _text_colour(hex_colour: str) -> str:
    """Black or white, whichever reads better on the background (WCAG relative luminance)."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if luminance > 0.4 else "#ffffff"


def _darker(hex_colour: str, factor: float = 0.75) -> str:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return "#" + "".join(f"{round(int(h[i : i + 2], 16) * factor):02x}" for i in (0, 2, 4))


def _depth(c: ClassDef) -> int:
    onto = ontology()
    d = 0
    while c.parent is not None:
        c = onto.classes[c.parent]
        d += 1
    return d


def render_grass() -> str:
    """The .grass text: a default node and relationship rule, then one rule per class."""
    onto = ontology()
    out = [
        "/* Neo4j Browser style for policing-kb, generated from ontology/registry.toml",
        "   by `policekb ontology --write`: do not edit by hand. */",
        "node {",
        "  diameter: 50px;",
        "  color: #a5abb6;",
        "  border-color: #9aa1ac;",
        "  border-width: 2px;",
        "  text-color-internal: #ffffff;",
        "  font-size: 10px;",
        '  caption: "{name}";',
        "}",
        "relationship {",
        "  color: #a5abb6;",
        "  shaft-width: 1px;",
        "  font-size: 8px;",
        "  padding: 3px;",
        "  text-color-external: #000000;",
        "  text-color-internal: #ffffff;",
        '  caption: "<type>";',
        "}",
    ]
    classes = sorted(onto.classes.values(), key=lambda c: (_depth(c), list(onto.classes).index(c.name)))
    for c in classes:
        out += [
            f"node.{c.name} {{",
            f"  color: {c.color};",
            f"  border-color: {_darker(c.color)};",
            f"  text-color-internal: {_text_colour(c.color)};",
            f"  diameter: {_DIAMETER.get(c.name, 50)}px;",
            '  caption: "{name}";',
            "}",
        ]
    out += [
        "relationship.MENTIONED_IN {",
        "  color: #d5d8dc;",
        "  shaft-width: 1px;",
        '  caption: "";',
        "}",
    ]
    return "\n".join(out) + "\n"
