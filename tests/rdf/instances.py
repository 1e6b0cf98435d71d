"""One instance of every class and one relation of every relation type, generated from a
registry: a class or relation added to ontology/registry.toml is covered without an edit here.

Every property of every class gets a value of its datatype (a concept of its scheme where the
registry gives one), every relation property a value, every fact evidence from one source.
"""

from __future__ import annotations

from kb.model import Entity, Evidence, Facts, PropValue, Relation
from kb.ontology import Ontology

SOURCE_ID = "source/every-class"
# Values a datatype alone does not decide (a SHACL pattern or a value list in the shapes).
SPECIAL: dict[str, PropValue] = {"wikidataId": "Q42", "datePrecision": "day", "sha256": "f" * 64}
BY_DATATYPE: dict[str, PropValue] = {
    "xsd:string": "a value",
    "xsd:boolean": True,
    "xsd:decimal": 12.5,
    "xsd:integer": 3,
    "xsd:date": "2023-05-17",
    "xsd:dateTime": "2023-05-17T10:00:00+00:00",
    "xsd:anyURI": "https://example.org/page",
}


def _value(onto: Ontology, cls: str, prop: str) -> PropValue:
    scheme = onto.scheme_for(cls, prop)
    if scheme is not None:
        return next(iter(onto.schemes[scheme].concepts))
    p = onto.properties[prop]
    v = SPECIAL.get(prop, BY_DATATYPE[p.datatype])
    return [str(v), f"{v} (2)"] if p.many else v


def entity_id(onto: Ontology, cls: str) -> str:
    return f"{onto.classes[cls].slug}/every-{cls.lower()}"


def every_class_facts(onto: Ontology) -> Facts:
    """A source with one fully described entity of every class and one relation of every type."""
    ev = [Evidence(SOURCE_ID, quote="the words of the source", start=0, end=23, method="rule", confidence=0.9)]
    source_cls = onto.relations["MENTIONED_IN"].range[0]
    src_props = {p: _value(onto, source_cls, p) for p in onto.classes[source_cls].properties if p != "name"}
    src_props["sourceKind"] = "article"
    source = Entity(SOURCE_ID, source_cls, "Every class", props=src_props)
    entities = [
        Entity(
            entity_id(onto, c.name),
            c.name,
            f"A {c.label.lower()}",
            aliases=["an alias"] if "aliases" in c.properties else [],
            props={p: _value(onto, c.name, p) for p in c.properties if p not in ("name", "aliases")},
            evidence=list(ev),
        )
        for c in onto.classes.values()
        if c.name != source_cls
    ]
    relations = []
    for r in onto.relations.values():
        if r.name == "MENTIONED_IN":  # entity evidence, not a stored relation
            continue
        props: dict[str, PropValue] = {}
        for p in r.props:
            dt = onto.relation_props[p].datatype
            props[p] = "2023-05-17" if p in ("from", "to", "date") else str(BY_DATATYPE.get(dt, "a value"))
        relations.append(Relation(r.name, entity_id(onto, r.domain[0]), entity_id(onto, r.range[0]), props, list(ev)))
    return Facts(source, entities, relations)
