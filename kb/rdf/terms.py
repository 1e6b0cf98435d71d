"""IRIs and the mapping of registry names to RDF terms.

Entity IRIs are ``{base}/id/{slug}/{key}``; each source's assertions live in the named graph
``{base}/graph/{source key}``. Vocabulary IRIs (ontology terms, SKOS concepts, the Data Cube
structure) never depend on the export base: they are the registry's, stable between releases.
Terms the registry does not define (evidence, reified relations, named graphs) are defined
here once and rendered into the ontology, the shapes and the context from this module.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, unquote

from kb.ontology import Ontology, ontology

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
QB = "http://purl.org/linked-data/cube#"
TIME = "http://www.w3.org/2006/time#"
SCHEMA = "https://schema.org/"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
XSD_DECIMAL = XSD + "decimal"
XSD_BOOLEAN = XSD + "boolean"
XSD_DATE = XSD + "date"
XSD_DATETIME = XSD + "dateTime"
XSD_GYEAR = XSD + "gYear"
XSD_GYEARMONTH = XSD + "gYearMonth"
EN = "@en"  # a "datatype" starting with @ is a language tag (see kb.rdf.mapping.Block)

# Aligned terms that are not super-properties of ours: the alignment is expressed another way
# (org:holds via org:Post nodes, qb:dimension via the Data Cube structure, prov:wasAttributedTo
# as the inverse of pkb:said), so the ontology must not claim rdfs:subPropertyOf for them.
NON_SUBSUMING = frozenset({"org:holds", "qb:dimension", "prov:wasAttributedTo"})
INVERSE_ALIGNED = frozenset({"prov:wasAttributedTo"})


def concept_props(onto: Ontology) -> dict[str, set[str]]:
    """Registry property name -> the schemes it may point into (over all classes)."""
    out: dict[str, set[str]] = {}
    for c in onto.classes.values():
        for p, s in c.schemes.items():
            out.setdefault(p, set()).add(s)
    return out


@dataclass(frozen=True, slots=True)
class ExtraTerm:
    """A term of the pkb namespace that the registry does not list (export machinery)."""

    local: str
    kind: str  # "class", "object", "datatype"
    label: str
    comment: str
    range: str | None = None  # CURIE
    domain: str | None = None  # CURIE
    parents: tuple[str, ...] = ()  # super-classes / super-properties (CURIEs)


EXTRA_TERMS: tuple[ExtraTerm, ...] = (
    ExtraTerm(
        "Assertion",
        "class",
        "Assertion",
        "A relation between two entities as the KB states it (a reified statement): its own properties "
        "(post title, role, dates) and the evidence behind it.",
        parents=("rdf:Statement", "prov:Entity"),
    ),
    ExtraTerm(
        "Evidence",
        "class",
        "Evidence",
        "Where a fact comes from: the source, the quote or character span, the method that extracted it "
        "and how sure it is.",
        parents=("prov:Entity",),
    ),
    ExtraTerm(
        "SourceGraph",
        "class",
        "Source graph",
        "The named graph holding what one source asserts; derived from the source by a load activity.",
        parents=("prov:Entity",),
    ),
    ExtraTerm(
        "evidence",
        "object",
        "evidence",
        "Links an entity or an assertion to a piece of evidence for it.",
        range="pkb:Evidence",
    ),
    ExtraTerm(
        "quote",
        "datatype",
        "quote",
        "The words of the source that support the fact.",
        "xsd:string",
        "pkb:Evidence",
        ("prov:value",),
    ),
    ExtraTerm(
        "start",
        "datatype",
        "start",
        "Character offset where the quote starts in the source text.",
        "xsd:integer",
        "pkb:Evidence",
    ),
    ExtraTerm(
        "end",
        "datatype",
        "end",
        "Character offset where the quote ends in the source text.",
        "xsd:integer",
        "pkb:Evidence",
    ),
    ExtraTerm(
        "method",
        "datatype",
        "method",
        "How the fact was obtained: rule, table, reference, model or manual.",
        "xsd:string",
        "pkb:Evidence",
    ),
    ExtraTerm(
        "confidence", "datatype", "confidence", "How sure the method is, from 0 to 1.", "xsd:decimal", "pkb:Evidence"
    ),
    ExtraTerm(
        "locator",
        "datatype",
        "locator",
        "Where in a table the fact is (sheet, row, column).",
        "xsd:string",
        "pkb:Evidence",
    ),
    ExtraTerm(
        "refPeriod",
        "object",
        "reference period",
        "The time interval a statistic covers.",
        "time:Interval",
        "pkb:Statistic",
    ),
)


def _resolve_base(base: str | None) -> str:
    b = base or os.environ.get("KB_BASE_IRI") or ontology().base
    return b.rstrip("/")


_SAFE_ID = re.compile(r"[A-Za-z0-9._~/-]*")


def encode_id(entity_id: str) -> str:
    """An entity id as an IRI path: ids are slugs already; anything else is percent-encoded."""
    if _SAFE_ID.fullmatch(entity_id):
        return entity_id
    return quote(entity_id, safe="/-._~")


class Iris:
    """IRIs of one export: entity, graph, concept and vocabulary IRIs."""

    def __init__(self, base: str | None = None, onto: Ontology | None = None) -> None:
        self.onto = onto or ontology()
        self.base = _resolve_base(base)
        self.id_prefix = self.base + "/id/"
        self.graph_prefix = self.base + "/graph/"
        vocab_base = self.onto.base.rstrip("/")
        self.concept_prefix = vocab_base + "/id/concept/"
        self.ns = self.onto.namespace
        self.dataset = self.base + "/dataset/statistics"
        self.tool = f"{vocab_base}/tool/policekb/{tool_version()}"
        self._cache: dict[str, str] = {}

    def entity(self, entity_id: str) -> str:
        iri = self._cache.get(entity_id)
        if iri is None:
            iri = self.id_prefix + encode_id(entity_id)
            if len(self._cache) < 200_000:
                self._cache[entity_id] = iri
        return iri

    def graph(self, source_id: str) -> str:
        key = source_id[7:] if source_id.startswith("source/") else source_id
        return self.graph_prefix + encode_id(key)

    def concept(self, scheme: str, key: str) -> str:
        return f"{self.concept_prefix}{scheme}/{encode_id(key)}"

    def scheme(self, scheme: str) -> str:
        return self.concept_prefix + scheme

    def id_of(self, iri: str) -> str | None:
        """The entity id of an entity IRI (None for any other IRI)."""
        if not iri.startswith(self.id_prefix) or "#" in iri:
            return None
        return unquote(iri[len(self.id_prefix) :])

    def source_of_graph(self, iri: str) -> str | None:
        if not iri.startswith(self.graph_prefix):
            return None
        return "source/" + unquote(iri[len(self.graph_prefix) :])

    def concept_key(self, iri: str) -> tuple[str, str] | None:
        if not iri.startswith(self.concept_prefix):
            return None
        scheme, _, key = iri[len(self.concept_prefix) :].partition("/")
        return (scheme, unquote(key)) if key else None

    def term(self, name: str) -> str:
        """A pkb term's full IRI."""
        return self.ns + name


@cache
def tool_version() -> str:
    from kb import __version__

    return __version__


def ontology_iri(onto: Ontology | None = None) -> str:
    o = onto or ontology()
    return o.namespace.rstrip("#/")


def version_iri(onto: Ontology | None = None) -> str:
    o = onto or ontology()
    return f"{ontology_iri(o)}/{o.version}"
