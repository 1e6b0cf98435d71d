"""The ontology registry: classes, relations, properties and concept schemes.

Read once from ``ontology/registry.toml`` and ``ontology/concepts.toml``; everything else
(RDF mapping, SHACL shapes, GraphQL types, Cypher allow-lists, the Neo4j Browser style)
is derived from the objects defined here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kb.paths import ontology_dir


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """A datatype property of entities (or of relations)."""

    name: str
    iri: str
    datatype: str
    description: str
    many: bool = False


@dataclass(frozen=True, slots=True)
class ClassDef:
    """An ontology class."""

    name: str
    slug: str
    label: str
    description: str
    parent: str | None
    aligned: tuple[str, ...]
    properties: tuple[str, ...]
    required: tuple[str, ...]
    color: str

    @property
    def iri(self) -> str:
        return f"pkb:{self.name}"


@dataclass(frozen=True, slots=True)
class RelationDef:
    """An ontology relation (a Neo4j relationship type, an RDF object property)."""

    name: str
    iri: str
    domain: tuple[str, ...]
    range: tuple[str, ...]
    props: tuple[str, ...]
    forward: str
    inverse: str
    description: str
    aligned: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Concept:
    """A SKOS concept of one scheme."""

    scheme: str
    key: str
    label: str
    definition: str
    broader: str | None
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scheme:
    """A SKOS concept scheme."""

    key: str
    label: str
    definition: str
    concepts: dict[str, Concept]


@dataclass(frozen=True)
class Ontology:
    """The whole registry."""

    version: str
    title: str
    description: str
    base: str
    namespace: str
    prefixes: dict[str, str]
    properties: dict[str, PropertyDef]
    relation_props: dict[str, PropertyDef]
    classes: dict[str, ClassDef]
    relations: dict[str, RelationDef]
    schemes: dict[str, Scheme] = field(default_factory=dict)

    # -- helpers ---------------------------------------------------------------
    def expand(self, curie: str) -> str:
        """Expand a CURIE such as ``org:memberOf`` to a full IRI."""
        prefix, _, local = curie.partition(":")
        if prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return curie

    def is_a(self, cls: str, ancestor: str) -> bool:
        """True when ``cls`` is ``ancestor`` or one of its subclasses."""
        current: str | None = cls
        while current is not None:
            if current == ancestor:
                return True
            current = self.classes[current].parent if current in self.classes else None
        return False

    def slug(self, cls: str) -> str:
        return self.classes[cls].slug

    def classes_for_slug(self, slug: str) -> list[str]:
        return [c.name for c in self.classes.values() if c.slug == slug]

    def allows(self, relation: str, subject_type: str, object_type: str) -> bool:
        """True when the relation's domain and range admit the two classes."""
        rel = self.relations[relation]
        return any(self.is_a(subject_type, d) for d in rel.domain) and any(self.is_a(object_type, r) for r in rel.range)

    def concept(self, scheme: str, key: str) -> Concept | None:
        s = self.schemes.get(scheme)
        return s.concepts.get(key) if s else None


def _load(directory: Path) -> Ontology:
    reg = tomllib.loads((directory / "registry.toml").read_text(encoding="utf-8"))
    meta = reg["meta"]

    def props(table: dict[str, dict[str, object]]) -> dict[str, PropertyDef]:
        return {
            name: PropertyDef(
                name=name,
                iri=str(p["iri"]),
                datatype=str(p["datatype"]),
                description=str(p["description"]),
                many=bool(p.get("many", False)),
            )
            for name, p in table.items()
        }

    classes = {
        name: ClassDef(
            name=name,
            slug=str(c["slug"]),
            label=str(c["label"]),
            description=str(c["description"]),
            parent=c.get("parent"),
            aligned=tuple(c.get("aligned", ())),
            properties=tuple(c["properties"]),
            required=tuple(c.get("required", ())),
            color=str(c.get("color", "#cccccc")),
        )
        for name, c in reg["classes"].items()
    }
    relations = {
        name: RelationDef(
            name=name,
            iri=str(r["iri"]),
            domain=tuple(r["domain"]),
            range=tuple(r["range"]),
            props=tuple(r.get("props", ())),
            forward=str(r["forward"]),
            inverse=str(r["inverse"]),
            description=str(r["description"]),
            aligned=tuple(r.get("aligned", ())),
        )
        for name, r in reg["relations"].items()
    }
    schemes: dict[str, Scheme] = {}
    concepts_file = directory / "concepts.toml"
    if concepts_file.exists():
        raw = tomllib.loads(concepts_file.read_text(encoding="utf-8"))
        for skey, s in raw.get("schemes", {}).items():
            concepts = {
                ckey: Concept(
                    scheme=skey,
                    key=ckey,
                    label=str(c["label"]),
                    definition=str(c.get("definition", "")),
                    broader=c.get("broader"),
                    match=tuple(str(m).lower() for m in c.get("match", ())),
                )
                for ckey, c in s.get("concepts", {}).items()
            }
            schemes[skey] = Scheme(skey, str(s["label"]), str(s.get("definition", "")), concepts)
    onto = Ontology(
        version=str(meta["version"]),
        title=str(meta["title"]),
        description=str(meta["description"]),
        base=str(meta["base"]),
        namespace=str(meta["namespace"]),
        prefixes=dict(reg["prefixes"]),
        properties=props(reg["properties"]),
        relation_props=props(reg.get("relation_props", {})),
        classes=classes,
        relations=relations,
        schemes=schemes,
    )
    _check(onto)
    return onto


def _check(onto: Ontology) -> None:
    """Fail fast on a registry that refers to undefined names."""
    for c in onto.classes.values():
        for p in c.properties:
            if p not in onto.properties:
                raise ValueError(f"registry: class {c.name} lists unknown property {p!r}")
        if c.parent is not None and c.parent not in onto.classes:
            raise ValueError(f"registry: class {c.name} has unknown parent {c.parent!r}")
    for r in onto.relations.values():
        for cls in (*r.domain, *r.range):
            if cls not in onto.classes:
                raise ValueError(f"registry: relation {r.name} refers to unknown class {cls!r}")
        for p in r.props:
            if p not in onto.relation_props:
                raise ValueError(f"registry: relation {r.name} lists unknown property {p!r}")


@cache
def ontology() -> Ontology:
    """The project's ontology registry (loaded once per process)."""
    return _load(ontology_dir())


def load_ontology(directory: Path) -> Ontology:
    """Load a registry from another directory (tests)."""
    return _load(directory)
