"""Render ontology/policekb.ttl (OWL), and expose the shapes and context renderers.

Everything comes from the registry (ontology/registry.toml, ontology/concepts.toml) and the
export terms of :mod:`kb.rdf.terms`; ``policekb ontology --write`` writes the files and a
test fails when a checked-in file differs from what this module renders.
"""

from __future__ import annotations

import io

from kb.ontology import Ontology, ontology
from kb.rdf.context import render_context
from kb.rdf.shapes import render_shapes
from kb.rdf.terms import (
    EXTRA_TERMS,
    INVERSE_ALIGNED,
    NON_SUBSUMING,
    RDF,
    Iris,
    concept_props,
    ontology_iri,
    version_iri,
)
from kb.rdf.ttltext import lit, one_or_union, prefix_lines, stmt, words
from kb.rdf.turtle import TurtleWriter
from kb.rdf.vocab import DSD_COMPONENTS, concept_blocks, dsd_blocks

__all__ = ["render_context", "render_ontology", "render_shapes"]

_QB_KIND = {"dimension": "qb:DimensionProperty", "measure": "qb:MeasureProperty", "attribute": "qb:AttributeProperty"}


def _prefixes(onto: Ontology) -> dict[str, str]:
    p = dict(onto.prefixes)
    p.setdefault("rdf", RDF)
    return p


def render_ontology(onto: Ontology | None = None) -> str:
    """ontology/policekb.ttl's text."""
    o = onto or ontology()
    iris = Iris(o.base, o)
    onto_iri = ontology_iri(o)
    out: list[str] = [
        f"# {o.title} {o.version}. GENERATED from ontology/registry.toml and ontology/concepts.toml\n",
        "# by `policekb ontology --write`; do not edit by hand.\n\n",
        prefix_lines(_prefixes(o)),
        "\n",
        stmt(
            f"<{onto_iri}>",
            [
                ("a", "owl:Ontology"),
                ("dcterms:title", lit(o.title)),
                ("dcterms:description", lit(o.description)),
                ("owl:versionIRI", f"<{version_iri(o)}>"),
                ("owl:versionInfo", lit(o.version, None)),
                ("dcterms:license", "<https://opensource.org/licenses/MIT>"),
            ],
        ),
        "\n# Classes\n\n",
    ]
    defined = f"<{onto_iri}>"
    for c in o.classes.values():
        parents = ([f"pkb:{c.parent}"] if c.parent else []) + list(c.aligned)
        out.append(
            stmt(
                c.iri,
                [
                    ("a", "owl:Class"),
                    ("rdfs:label", lit(c.label)),
                    ("rdfs:comment", lit(c.description)),
                    ("rdfs:subClassOf", parents),
                    ("rdfs:isDefinedBy", defined),
                ],
            )
            + "\n"
        )
    for t in EXTRA_TERMS:
        if t.kind == "class":
            out.append(
                stmt(
                    f"pkb:{t.local}",
                    [
                        ("a", "owl:Class"),
                        ("rdfs:label", lit(t.label)),
                        ("rdfs:comment", lit(t.comment)),
                        ("rdfs:subClassOf", list(t.parents)),
                        ("rdfs:isDefinedBy", defined),
                    ],
                )
                + "\n"
            )

    qb_kind = {f"pkb:{local}": _QB_KIND[kind] for local, kind in DSD_COMPONENTS}
    out.append("# Relations (object properties)\n\n")
    for r in o.relations.values():
        pairs: list[tuple[str, str | list[str]]] = [
            ("a", "owl:ObjectProperty"),
            ("rdfs:label", lit(words(r.iri.partition(":")[2]))),
            ("rdfs:comment", lit(r.description)),
            ("rdfs:domain", one_or_union([f"pkb:{d}" for d in r.domain])),
            ("rdfs:range", one_or_union([f"pkb:{x}" for x in r.range])),
            ("rdfs:subPropertyOf", [a for a in r.aligned if a not in NON_SUBSUMING]),
            ("rdfs:seeAlso", [a for a in r.aligned if a in NON_SUBSUMING and a not in INVERSE_ALIGNED]),
            ("rdfs:isDefinedBy", defined),
        ]
        if r.iri in qb_kind:
            pairs[0] = ("a", ["owl:ObjectProperty", qb_kind[r.iri]])
        out.append(stmt(r.iri, pairs) + "\n")
        for a in r.aligned:
            if a in INVERSE_ALIGNED:
                out.append(f"[ owl:inverseOf {r.iri} ] rdfs:subPropertyOf {a} .\n\n")

    out.append("# Properties of entities (only the pkb: ones; others are reused as they are)\n\n")
    concept = concept_props(o)
    users: dict[str, list[str]] = {}
    for c in o.classes.values():
        for pname in c.properties:
            users.setdefault(pname, []).append(c.iri)
    for p in o.properties.values():
        if not p.iri.startswith("pkb:"):
            continue
        kinds = ["owl:ObjectProperty" if p.name in concept else "owl:DatatypeProperty"]
        if p.iri in qb_kind:
            kinds.append(qb_kind[p.iri])
        pairs = [
            ("a", kinds),
            ("rdfs:label", lit(words(p.name))),
            ("rdfs:comment", lit(p.description)),
            ("rdfs:range", "skos:Concept" if p.name in concept else p.datatype),
            ("schema:domainIncludes", users.get(p.name, [])),
            ("rdfs:isDefinedBy", defined),
        ]
        if p.name in concept:
            pairs.append(("qb:codeList", sorted(f"<{iris.scheme(s)}>" for s in concept[p.name])))
        out.append(stmt(p.iri, pairs) + "\n")

    out.append("# Properties of relations (on pkb:Assertion nodes)\n\n")
    for p in o.relation_props.values():
        if not p.iri.startswith("pkb:"):
            continue
        out.append(
            stmt(
                p.iri,
                [
                    ("a", "owl:DatatypeProperty"),
                    ("rdfs:label", lit(words(p.name))),
                    ("rdfs:comment", lit(p.description)),
                    ("rdfs:domain", "pkb:Assertion"),
                    ("rdfs:range", p.datatype),
                    ("rdfs:isDefinedBy", defined),
                ],
            )
            + "\n"
        )

    out.append("# Evidence and export terms\n\n")
    for t in EXTRA_TERMS:
        if t.kind == "class":
            continue
        kinds = ["owl:ObjectProperty" if t.kind == "object" else "owl:DatatypeProperty"]
        if f"pkb:{t.local}" in qb_kind:
            kinds.append(qb_kind[f"pkb:{t.local}"])
        out.append(
            stmt(
                f"pkb:{t.local}",
                [
                    ("a", kinds),
                    ("rdfs:label", lit(t.label)),
                    ("rdfs:comment", lit(t.comment)),
                    ("rdfs:domain", [t.domain] if t.domain else []),
                    ("rdfs:range", [t.range] if t.range else []),
                    ("rdfs:subPropertyOf", list(t.parents)),
                    ("rdfs:isDefinedBy", defined),
                ],
            )
            + "\n"
        )
    out.append("# Statistics structure (RDF Data Cube) and concept schemes (SKOS)\n\n")
    buf = io.BytesIO()
    w = TurtleWriter(buf, _prefixes(o), base=iris.id_prefix, directives=False)
    w.write(dsd_blocks(iris))
    w.write(concept_blocks(iris))
    w.close()
    # the concept IRIs are written relative to the entity base; declare it for this part
    out.append(f"@base <{iris.id_prefix}> .\n\n")
    out.append(buf.getvalue().decode("utf-8"))
    return "".join(out)
