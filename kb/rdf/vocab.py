"""Vocabulary triples shared by the ontology file and every export: the SKOS concept schemes,
the RDF Data Cube structure of statistics, the statistics data set and the software agent.

They are produced as blocks (see :mod:`kb.rdf.mapping`) so one writer serialises them
everywhere and the ontology and the exports can never disagree.
"""

from __future__ import annotations

from kb.rdf.blocks import Block
from kb.rdf.terms import DCT, EN, OWL, PROV, QB, RDF_TYPE, RDFS, SCHEMA, SKOS, XSD_INTEGER, Iris, tool_version

# Components of the statistics data structure: (component property local name in pkb, kind, order)
DSD_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("about", "dimension"),
    ("refPeriod", "dimension"),
    ("measureConcept", "dimension"),
    ("value", "measure"),
    ("unit", "attribute"),
    ("status", "attribute"),
)
DSD_LOCAL = "StatisticStructure"


def concept_blocks(iris: Iris) -> list[Block]:
    """Every SKOS concept scheme of ontology/concepts.toml, with labels and definitions."""
    out: list[Block] = []
    for scheme in iris.onto.schemes.values():
        siri = iris.scheme(scheme.key)
        pairs: list[tuple[str, str, str | None]] = [
            (RDF_TYPE, SKOS + "ConceptScheme", None),
            (SKOS + "prefLabel", scheme.label, EN),
        ]
        if scheme.definition:
            pairs.append((SKOS + "definition", scheme.definition, EN))
        pairs.append((SKOS + "notation", scheme.key, ""))
        for c in scheme.concepts.values():
            if c.broader is None:
                pairs.append((SKOS + "hasTopConcept", iris.concept(scheme.key, c.key), None))
        out.append(("", siri, pairs))
        for c in scheme.concepts.values():
            cp: list[tuple[str, str, str | None]] = [
                (RDF_TYPE, SKOS + "Concept", None),
                (SKOS + "inScheme", siri, None),
                (SKOS + "prefLabel", c.label, EN),
                (SKOS + "notation", c.key, ""),
            ]
            if c.definition:
                cp.append((SKOS + "definition", c.definition, EN))
            if c.broader:
                cp.append((SKOS + "broader", iris.concept(scheme.key, c.broader), None))
            else:
                cp.append((SKOS + "topConceptOf", siri, None))
            out.append(("", iris.concept(scheme.key, c.key), cp))
    return out


def dsd_blocks(iris: Iris) -> list[Block]:
    """The qb:DataStructureDefinition of statistics and its component specifications."""
    dsd = iris.term(DSD_LOCAL)
    specs = [f"{dsd}-{local}" for local, _ in DSD_COMPONENTS]
    out: list[Block] = [
        (
            "",
            dsd,
            [
                (RDF_TYPE, QB + "DataStructureDefinition", None),
                (RDFS + "label", "Structure of policing-kb statistics", EN),
                (
                    RDFS + "comment",
                    "Dimensions: the subject (force, body, programme, place or case), the reference period and "
                    "the measure concept; measure: the value; attributes: the unit and the status.",
                    EN,
                ),
                *((QB + "component", s, None) for s in specs),
            ],
        )
    ]
    for i, ((local, kind), spec) in enumerate(zip(DSD_COMPONENTS, specs, strict=True), start=1):
        pairs: list[tuple[str, str, str | None]] = [
            (RDF_TYPE, QB + "ComponentSpecification", None),
            (QB + kind, iris.term(local), None),
            (QB + "order", str(i), XSD_INTEGER),
        ]
        if kind == "attribute":
            pairs.append((QB + "componentRequired", "false", "http://www.w3.org/2001/XMLSchema#boolean"))
        out.append(("", spec, pairs))
    return out


def export_header_blocks(iris: Iris) -> list[Block]:
    """Default-graph metadata every export starts with."""
    onto = iris.onto
    return [
        (
            "",
            iris.tool,
            [
                (RDF_TYPE, PROV + "SoftwareAgent", None),
                (SCHEMA + "name", "policekb", ""),
                (SCHEMA + "softwareVersion", tool_version(), ""),
            ],
        ),
        (
            "",
            iris.dataset,
            [
                (RDF_TYPE, QB + "DataSet", None),
                (QB + "structure", iris.term(DSD_LOCAL), None),
                (DCT + "title", f"Statistics of the {onto.title.replace(' ontology', '')} knowledge base", EN),
                (OWL + "versionInfo", onto.version, ""),
            ],
        ),
        *dsd_blocks(iris),
        *concept_blocks(iris),
    ]
