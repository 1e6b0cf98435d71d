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


# The default node and relationship styles, and the one relationship type drawn unlike the rest.
NODE_STYLE = {"color": "#a5abb6", "border": "#9aa1ac", "text": "#ffffff", "diameter": 50}
EDGE_STYLE = {"color": "#a5abb6", "width": 1}
MENTION_STYLE = {"color": "#d5d8dc", "width": 1}


def class_styles() -> dict[str, dict[str, str | int]]:
    """Each class's node style (fill, border and text colours, diameter in px), parents before
    subclasses. Every rule sets each key, so a node drawn with the rules of all its labels looks
    like its own class's rule."""
    onto = ontology()
    classes = sorted(onto.classes.values(), key=lambda c: (_depth(c), list(onto.classes).index(c.name)))
    return {
        c.name: {
            "color": c.color,
            "border": _darker(c.color),
            "text": _text_colour(c.color),
            "diameter": _DIAMETER.get(c.name, 50),
        }
        for c in classes
    }


def render_grass() -> str:
    """The .grass text: a default node and relationship rule, then one rule per class."""
    out = [
        "/* Neo4j Browser style for policing-kb, generated from ontology/registry.toml",
        "   by `policekb ontology --write`: do not edit by hand. */",
        "node {",
        f"  diameter: {NODE_STYLE['diameter']}px;",
        f"  color: {NODE_STYLE['color']};",
        f"  border-color: {NODE_STYLE['border']};",
        "  border-width: 2px;",
        f"  text-color-internal: {NODE_STYLE['text']};",
        "  font-size: 10px;",
        '  caption: "{name}";',
        "}",
        "relationship {",
        f"  color: {EDGE_STYLE['color']};",
        f"  shaft-width: {EDGE_STYLE['width']}px;",
        "  font-size: 8px;",
        "  padding: 3px;",
        "  text-color-external: #000000;",
        "  text-color-internal: #ffffff;",
        '  caption: "<type>";',
        "}",
    ]
    for name, style in class_styles().items():
        out += [
            f"node.{name} {{",
            f"  color: {style['color']};",
            f"  border-color: {style['border']};",
            f"  text-color-internal: {style['text']};",
            f"  diameter: {style['diameter']}px;",
            '  caption: "{name}";',
            "}",
        ]
    out += [
        "relationship.MENTIONED_IN {",
        f"  color: {MENTION_STYLE['color']};",
        f"  shaft-width: {MENTION_STYLE['width']}px;",
        '  caption: "";',
        "}",
    ]
    return "\n".join(out) + "\n"
